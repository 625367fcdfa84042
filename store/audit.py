"""The audit trail: an append-only record of every call consign made to an external system,
so operations can answer "what did we send to GXO / Amazon for this order, and what came back"."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import col, select

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
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if order_id is not None:
        query = query.where(col(AuditEntry.order_id) == order_id)
    if system is not None:
        query = query.where(col(AuditEntry.system) == system)
    if channel is not None:
        query = query.where(col(AuditEntry.channel) == channel)
    with read_session(engine) as session:
        # Re-validate so `outcome` comes back as an AuditOutcome, not the stored text.
        return [
            AuditEntry.model_validate(row.model_dump()) for row in session.exec(query.limit(limit))
        ]
