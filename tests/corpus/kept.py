"""Where a bad input that was kept can be found again: the set-aside records and the unmatched
warehouse events in the store. Each helper returns what was lost (empty: nothing)."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from domain.setaside import SetAsideReason
from store.set_aside import list_set_aside
from store.unmatched import event_id_of, list_unmatched


def same_record(stored: str, sent: str) -> bool:
    """The raw form as stored is the record as sent (JSON compared as JSON: a page's records
    are stored re-serialised)."""
    try:
        return bool(json.loads(stored) == json.loads(sent))
    except (ValueError, RecursionError):
        return stored == sent


def set_aside(engine: Engine, reason: SetAsideReason, raw: str) -> list[str]:
    found = [e for e in list_set_aside(engine) if e.reason is reason and same_record(e.raw, raw)]
    return [] if len(found) == 1 else [f"one {reason.value} set-aside record, found {len(found)}"]


def unmatched(engine: Engine, reason: str, raw: str) -> list[str]:
    """The event sent as `raw`, kept whole under its own id (the store keeps the event as
    consign read it, so compare ids, not bytes)."""
    wanted = event_id_of(raw)
    found = [
        e
        for e in list_unmatched(engine)
        if (e.reason or "").startswith(reason)
        and e.event_id == wanted
        and event_id_of(e.raw_json) == wanted
    ]
    return [] if len(found) == 1 else [f"one {reason} unmatched event, found {len(found)}"]


def nothing_stored(engine: Engine) -> list[str]:
    """A refused input is not half-kept: the sender still has it and sends it again."""
    stored = len(list_set_aside(engine, include_resolved=True)) + len(list_unmatched(engine))
    return [] if stored == 0 else [f"a refused input left {stored} record(s) in the store"]
