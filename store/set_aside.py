"""Set-aside records (domain/setaside.py): kept as received, listed for a person, resolved by
one. A record read again (a page re-read after a retry, the same event pulled and pushed) is
the same row: keyed on system, feed, scope and record id, it counts the sightings instead of
adding rows, and opens again if its content changed since someone resolved it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, case, update
from sqlmodel import col, select

from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord
from store.db import read_session, write_session
from store.tables import SetAsideRow, utc_now
from store.upsert import dialect_insert

SUPERSEDED = "superseded: a later version of the record was read and handed on"


class SetAsideEntry(BaseModel):
    """One stored record with its history, as the CLI shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    system: str
    feed: SetAsideFeed
    scope: str
    record_id: str
    reason: SetAsideReason
    detail: str
    raw: str
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    resolved: bool
    resolved_at: datetime | None = None
    resolution: str | None = None


def keep_set_aside(
    engine: Engine, records: Sequence[SetAsideRecord], now: datetime | None = None
) -> None:
    """Store every record in one transaction (so a retried page stores it once)."""
    if not records:
        return
    at = now or utc_now()
    table = SetAsideRow.__table__  # type: ignore[attr-defined]
    with write_session(engine) as session:
        for record in records:
            values = {
                "system": record.system,
                "feed": record.feed.value,
                "scope": record.scope,
                "record_id": record.record_id,
                "reason": record.reason.value,
                "detail": record.detail,
                "raw": record.raw,
                "first_seen_at": at,
                "last_seen_at": at,
                "times_seen": 1,
                "resolved": False,
            }
            statement = dialect_insert(session, table).values(values)
            changed = table.c.raw != statement.excluded.raw
            session.connection().execute(
                statement.on_conflict_do_update(
                    index_elements=["system", "feed", "scope", "record_id"],
                    set_={
                        "reason": statement.excluded.reason,
                        "detail": statement.excluded.detail,
                        "raw": statement.excluded.raw,
                        "last_seen_at": statement.excluded.last_seen_at,
                        "times_seen": table.c.times_seen + 1,
                        "resolved": case((changed, False), else_=table.c.resolved),
                        "resolved_at": case((changed, None), else_=table.c.resolved_at),
                        "resolution": case((changed, None), else_=table.c.resolution),
                    },
                )
            )


def list_set_aside(
    engine: Engine,
    *,
    include_resolved: bool = False,
    system: str | None = None,
    feed: SetAsideFeed | None = None,
    reason: SetAsideReason | None = None,
    limit: int | None = None,
    scope: str | None = None,
) -> list[SetAsideEntry]:
    """Oldest first: the order in which they need attention. `scope`: one channel account's
    (or facility's) records."""
    query = select(SetAsideRow).order_by(col(SetAsideRow.first_seen_at), col(SetAsideRow.id))
    if not include_resolved:
        query = query.where(col(SetAsideRow.resolved).is_(False))
    if system is not None:
        query = query.where(col(SetAsideRow.system) == system)
    if scope is not None:
        query = query.where(col(SetAsideRow.scope) == scope)
    if feed is not None:
        query = query.where(col(SetAsideRow.feed) == feed.value)
    if reason is not None:
        query = query.where(col(SetAsideRow.reason) == reason.value)
    if limit is not None:
        query = query.limit(limit)
    with read_session(engine) as session:
        return [SetAsideEntry.model_validate(row) for row in session.exec(query)]


def get_set_aside(engine: Engine, entry_id: int) -> SetAsideEntry | None:
    with read_session(engine) as session:
        row = session.get(SetAsideRow, entry_id)
        return SetAsideEntry.model_validate(row) if row is not None else None


def resolve_set_aside(
    engine: Engine, entry_id: int, resolution: str, now: datetime | None = None
) -> bool:
    """Mark one record handled (it stays in the store); False when no such open record."""
    with write_session(engine) as session:
        result = session.connection().execute(
            update(SetAsideRow)
            .where(col(SetAsideRow.id) == entry_id, col(SetAsideRow.resolved).is_(False))
            .values(resolved=True, resolved_at=now or utc_now(), resolution=resolution)
        )
        return bool(result.rowcount == 1)


def resolve_superseded(
    engine: Engine, system: str, feed: SetAsideFeed, scope: str, record_ids: Sequence[str]
) -> int:
    """Resolve the open records of these ids: a later version of each was understood (an
    order whose unknown status became a known one). Returns how many were resolved."""
    if not record_ids:
        return 0
    conditions = (
        col(SetAsideRow.system) == system,
        col(SetAsideRow.feed) == feed.value,
        col(SetAsideRow.scope) == scope,
        col(SetAsideRow.record_id).in_(sorted(set(record_ids))),
        col(SetAsideRow.resolved).is_(False),
    )
    with read_session(engine) as session:  # the common case writes nothing
        if session.exec(select(SetAsideRow.id).where(*conditions).limit(1)).first() is None:
            return 0
    with write_session(engine) as session:
        result = session.connection().execute(
            update(SetAsideRow)
            .where(*conditions)
            .values(resolved=True, resolved_at=utc_now(), resolution=SUPERSEDED)
        )
        return int(result.rowcount or 0)
