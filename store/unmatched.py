"""Warehouse events whose order reference consign does not know: kept verbatim, never dropped,
so a person can match them later (a typo'd reference, an order injected by hand, ...)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col, select

from store.db import read_session, write_session
from store.tables import UnmatchedEvent, utc_now
from store.upsert import dialect_insert


def event_id_of(raw_json: str) -> str:
    """The event's own "event_id"; events without one are identified by their content, so a
    redelivered copy is still recognised as the same event."""
    try:
        document = json.loads(raw_json)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, dict) and document.get("event_id") not in (None, ""):
        return str(document["event_id"])
    return "sha256:" + hashlib.sha256(raw_json.encode("utf-8")).hexdigest()


def record_unmatched_event(
    engine: Engine,
    facility_id: str,
    reference: str,
    raw_json: str | Mapping[str, Any],
    reason: str | None = None,
) -> bool:
    """Keep the event and why consign could not act on it (ids only: no personal data); True
    when it is new, False when this event id was already kept."""
    text = raw_json if isinstance(raw_json, str) else json.dumps(raw_json, sort_keys=True)
    values = {
        "event_id": event_id_of(text),
        "facility_id": facility_id,
        "reference": reference,
        "raw_json": text,
        "received_at": utc_now(),
        "resolved": False,
        "reason": reason,
    }
    table = UnmatchedEvent.__table__  # type: ignore[attr-defined]
    with write_session(engine) as session:
        statement = dialect_insert(session, table).values(values)
        # rowcount is unreliable for INSERT .. RETURNING on psycopg: ask for the new row instead.
        inserted = session.connection().execute(
            statement.on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.id)
        )
        return inserted.first() is not None


def list_unmatched(engine: Engine, include_resolved: bool = False) -> list[UnmatchedEvent]:
    """Oldest first: the order in which they need attention."""
    query = select(UnmatchedEvent).order_by(col(UnmatchedEvent.received_at), col(UnmatchedEvent.id))
    if not include_resolved:
        query = query.where(col(UnmatchedEvent.resolved).is_(False))
    with read_session(engine) as session:
        return list(session.exec(query))


def resolve_unmatched(engine: Engine, event_id: str) -> bool:
    """Mark an event handled (it stays in the store); False when no such unresolved event."""
    with write_session(engine) as session:
        result = session.connection().execute(
            update(UnmatchedEvent)
            .where(
                col(UnmatchedEvent.event_id) == event_id, col(UnmatchedEvent.resolved).is_(False)
            )
            .values(resolved=True)
        )
        return bool(result.rowcount == 1)
