"""The returns tables. The policy (disposition_rule): what each GXO disposition means for the
refund and the stock; an empty table is the default policy (domain/returns.py DEFAULT_POLICY),
so a new deployment closes returns without a setup step; importing a file replaces the whole
set. The refund ledger (return_refund). The units received back (return_line), which month-end
reads per channel order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, delete, select
from sqlmodel import col

from domain.returns import DEFAULT_POLICY, DispositionRule, RefundEntry, ReturnRef
from store.db import read_session, write_session
from store.tables import DispositionRuleRow, ReturnLineRow, ReturnRefundRow
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


def record_returned_units(
    engine: Engine, ref: ReturnRef, order_id: str, units: Mapping[str, int]
) -> None:
    """The return's units received back per SKU, replacing what an earlier close recorded (a
    retried close, or a return closed again after `retry`): idempotent."""
    with write_session(engine) as session:
        session.execute(
            delete(ReturnLineRow).where(
                col(ReturnLineRow.channel) == ref.channel,
                col(ReturnLineRow.account) == ref.account,
                col(ReturnLineRow.rma) == ref.rma,
            )
        )
        session.add_all(
            ReturnLineRow(
                channel=ref.channel,
                account=ref.account,
                rma=ref.rma,
                sku=sku,
                order_id=order_id,
                quantity=quantity,
            )
            for sku, quantity in sorted(units.items())
            if quantity > 0
        )


def returned_units(
    engine: Engine, channel: str, account: str, order_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per channel order of `order_ids`, the units received back per SKU over all its returns."""
    query = select(ReturnLineRow).where(
        col(ReturnLineRow.channel) == channel,
        col(ReturnLineRow.account) == account,
        col(ReturnLineRow.order_id).in_(sorted(set(order_ids))),
    )
    found: dict[str, dict[str, int]] = {}
    with read_session(engine) as session:
        for row in session.scalars(query):
            units = found.setdefault(row.order_id, {})
            units[row.sku] = units.get(row.sku, 0) + row.quantity
    return found
