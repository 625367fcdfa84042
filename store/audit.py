"""The audit trail: an append-only record of every call consign made to an external system,
so operations can answer "what did we send to the warehouse or the channel for this order,
and what came back"."""

from __future__ import annotations

from sqlalchemy import Engine, select

from store.db import read_session, write_session
from store.tables import AuditEntry, AuditRecord


def record_audit(engine: Engine, entry: AuditRecord) -> AuditEntry:
    """Append one entry; returns it with its id. Entries are never updated or deleted."""
    row = AuditEntry.model_validate(entry.model_dump(exclude={"id"}))
    with write_session(engine) as session:
        session.add(row)
        session.flush()
    return row


def list_audit(
    engine: Engine,
    order_id: str | None = None,
    system: str | None = None,
    channel: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, optionally for one order, system or channel."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    query = select(table).order_by(table.c.at.desc(), table.c.id.desc()).limit(limit)
    for column, wanted in (("order_id", order_id), ("system", system), ("channel", channel)):
        if wanted is not None:
            query = query.where(table.c[column] == wanted)
    with read_session(engine) as session:
        # Plain column values, validated: `outcome` comes back as an AuditOutcome, not text.
        rows = session.connection().execute(query).mappings()
        return [AuditEntry.model_validate(dict(row)) for row in rows]
