"""The returns policy table (disposition_rule): what each GXO disposition means for the refund
and the stock. An empty table is the default policy (domain/returns.py DEFAULT_POLICY), so a
new deployment closes returns without a setup step; importing a file replaces the whole set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlmodel import col

from domain.returns import DEFAULT_POLICY, DispositionRule
from store.db import read_session, write_session
from store.tables import DispositionRuleRow
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
