from __future__ import annotations

import json

from store.unmatched import (
    event_id_of,
    list_unmatched,
    record_unmatched_event,
    resolve_unmatched,
)

DISPATCH = {"event_id": "evt-1", "type": "dispatch", "reference": "UNKNOWN-1", "parcels": []}


def test_an_event_is_kept_once_however_often_it_arrives(engine):
    raw = json.dumps(DISPATCH)
    assert record_unmatched_event(engine, "GXO-UK-DAV", "UNKNOWN-1", raw) is True
    assert record_unmatched_event(engine, "GXO-UK-DAV", "UNKNOWN-1", raw) is False
    # Redelivered with different formatting: the same event id, still one row.
    assert record_unmatched_event(engine, "GXO-UK-DAV", "UNKNOWN-1", DISPATCH) is False
    [kept] = list_unmatched(engine)
    assert (kept.event_id, kept.facility_id, kept.reference) == ("evt-1", "GXO-UK-DAV", "UNKNOWN-1")
    assert json.loads(kept.raw_json) == DISPATCH
    assert kept.resolved is False
    assert kept.received_at.tzinfo is not None


def test_events_without_an_id_are_identified_by_content(engine):
    raw = '{"type": "inventory", "reference": "X"}'
    assert event_id_of(raw).startswith("sha256:")
    assert event_id_of(raw) == event_id_of(raw)
    assert event_id_of("not json at all").startswith("sha256:")
    assert record_unmatched_event(engine, "F", "X", raw) is True
    assert record_unmatched_event(engine, "F", "X", raw) is False
    assert record_unmatched_event(engine, "F", "X", "not json at all") is True
    assert len(list_unmatched(engine)) == 2


def test_resolved_events_stay_in_the_store(engine):
    record_unmatched_event(engine, "F", "R1", {"event_id": "a"})
    record_unmatched_event(engine, "F", "R2", {"event_id": "b"})
    assert resolve_unmatched(engine, "a") is True
    assert resolve_unmatched(engine, "a") is False
    assert resolve_unmatched(engine, "missing") is False
    assert [e.event_id for e in list_unmatched(engine)] == ["b"]
    assert [e.event_id for e in list_unmatched(engine, include_resolved=True)] == ["a", "b"]
    # A redelivery of a resolved event does not reopen it.
    assert record_unmatched_event(engine, "F", "R1", {"event_id": "a"}) is False
    assert [e.event_id for e in list_unmatched(engine)] == ["b"]


def test_the_reason_is_kept_with_the_event(engine):
    record_unmatched_event(engine, "F", "R", {"event_id": "r1"}, reason="FACILITY: at GXO-DE")
    record_unmatched_event(engine, "F", "R", {"event_id": "r2"})
    assert [(e.event_id, e.reason) for e in list_unmatched(engine)] == [
        ("r1", "FACILITY: at GXO-DE"),
        ("r2", None),
    ]
