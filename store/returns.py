"""The returns policy table (disposition_rule): what each GXO disposition means for the refund
and the stock. An empty table is the default policy (domain/returns.py DEFAULT_POLICY), so a
new deployment closes returns without a setup step; importing a file replaces the whole set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlmodel import col

from domain.returns import DEFAULT_POLICY, DispositionRule, RefundEntry, ReturnRef
from store.db import read_session, write_session
from store.tables import DispositionRuleRow, ReturnRefundRow
from store.upsert import WriteCounts, replace_set


def stored_disposition_rules(engine: Engine) -> list[DispositionRule]:
    """The rows as stored, in the order they were given (none: the default applies)."""
    with read_session(engine) as session:
        rows = session.scalars(select(DispositionRuleRow).order_by(col(DispositionRuleRow.id)))
        return [DispositionRule.model_validate(row.model_dump(exclude={"id"})) for row in rows]


def disposition_policy(engine: Engine) -> list[DispositionRule]:
    """The policy in force: the stored rows, or DEFAULT_POLICY while the table is empty."""
    return stored_disposition_rules(engine) or list(DEFAULT_POLICY)


def replace_disposition_policy(engine: Engine, rules: Sequence[DispositionRule]) -> WriteCounts:
    """Swap the whole set atomically (an empty set: back to the default policy)."""
    rows = [DispositionRuleRow.model_validate(rule.model_dump(mode="json")) for rule in rules]
    with write_session(engine) as session:
        return replace_set(session, rows, DispositionRuleRow)


def refund_entry(engine: Engine, ref: ReturnRef) -> RefundEntry | None:
    """The ledger's row for the return's refund, if one was prepared."""
    with read_session(engine) as session:
        row = session.get(ReturnRefundRow, (ref.channel, ref.account, ref.rma))
        return None if row is None else RefundEntry(prepared=row.prepared, sent=row.sent)


def record_refund(engine: Engine, ref: ReturnRef, entry: RefundEntry) -> None:
    """Insert or update the return's row (prepared first, then what the channel answered)."""
    with write_session(engine) as session:
        row = session.get(ReturnRefundRow, (ref.channel, ref.account, ref.rma))
        if row is None:
            row = ReturnRefundRow(
                channel=ref.channel, account=ref.account, rma=ref.rma, prepared=entry.prepared
            )
        row.prepared, row.sent = entry.prepared, entry.sent
        session.add(row)


def forget_refund(engine: Engine, ref: ReturnRef) -> None:
    """Drop a prepared refund the channel is known not to have received."""
    with write_session(engine) as session:
        row = session.get(ReturnRefundRow, (ref.channel, ref.account, ref.rma))
        if row is not None and row.sent is None:
            session.delete(row)
