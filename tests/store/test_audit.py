from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from store.audit import list_audit, record_audit
from store.tables import AuditOutcome, AuditRecord
from tests.store.conftest import audit_record

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _entry(minutes: int, **overrides) -> AuditRecord:
    return audit_record(**{"at": T0 + timedelta(minutes=minutes), **overrides})


def test_entries_are_appended_and_queried_newest_first(engine):
    first = record_audit(engine, _entry(0, detail="facility GXO-UK-DAV"))
    record_audit(engine, _entry(1, outcome=AuditOutcome.DUPLICATE))
    record_audit(
        engine,
        _entry(
            5,
            system="amazon",
            operation="confirmShipment",
            idempotency_key="pkg-1",
            detail="parcel P1, 2 units",
        ),
    )
    record_audit(engine, _entry(2, order_id="OTHER", channel="centra", outcome="rejected"))
    assert first.id is not None

    trail = list_audit(engine, order_id="202-1111111-1111111")
    assert [(e.system, e.operation, e.outcome) for e in trail] == [
        ("amazon", "confirmShipment", AuditOutcome.ACCEPTED),
        ("gxo", "inject", AuditOutcome.DUPLICATE),
        ("gxo", "inject", AuditOutcome.ACCEPTED),
    ]
    assert trail[0].idempotency_key == "pkg-1"
    assert all(type(e.outcome) is AuditOutcome for e in trail)
    assert trail[-1].detail == "facility GXO-UK-DAV"
    assert trail[-1].at == T0
    assert trail[-1].at.tzinfo is not None

    assert [e.order_id for e in list_audit(engine, system="gxo")] == [
        "OTHER",
        "202-1111111-1111111",
        "202-1111111-1111111",
    ]
    assert [e.outcome for e in list_audit(engine, channel="centra")] == [AuditOutcome.REJECTED]
    assert len(list_audit(engine, limit=2)) == 2
    assert list_audit(engine, order_id="nope") == []


def test_times_are_stored_in_utc(engine):
    plus_two = timezone(timedelta(hours=2))
    record_audit(engine, _entry(0, at=datetime(2026, 3, 1, 11, 0, tzinfo=plus_two)))
    [stored] = list_audit(engine)
    assert stored.at == T0
    assert stored.at.utcoffset() == timedelta(0)


def test_entry_time_defaults_to_an_aware_utc_time_kept_exactly(engine):
    entry = audit_record()
    assert entry.at.utcoffset() == timedelta(0)
    record_audit(engine, entry)
    [stored] = list_audit(engine)
    assert stored.at == entry.at


def test_invalid_entries_are_refused():
    with pytest.raises(ValidationError):
        _entry(0, outcome="maybe")
    with pytest.raises(ValidationError):
        _entry(0, detail="x" * 501)
    with pytest.raises(ValidationError):
        _entry(0, order_id="")


def test_limit_must_be_positive(engine):
    with pytest.raises(ValueError, match="limit"):
        list_audit(engine, limit=0)


def test_recording_a_stored_entry_again_appends_a_new_one(engine):
    stored = record_audit(engine, _entry(0))
    again = record_audit(engine, stored)
    assert again.id != stored.id
    assert len(list_audit(engine)) == 2
