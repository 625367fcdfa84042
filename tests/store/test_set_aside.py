"""Set-aside records: kept once however often they are read, resolved by a person or by a later
version of the same record, and opened again when their content changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord, content_id, record_id
from store.migrate import init_db
from store.set_aside import (
    SUPERSEDED,
    get_set_aside,
    keep_set_aside,
    list_set_aside,
    resolve_set_aside,
    resolve_superseded,
)

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def record(
    record_id: str = "204-1111111-1111111",
    raw: str = '{"orderId": "204-1111111-1111111", "fulfillmentStatus": "ON_HOLD"}',
    reason: SetAsideReason = SetAsideReason.UNKNOWN_STATUS,
    feed: SetAsideFeed = SetAsideFeed.ORDERS,
    scope: str = "A1SELLER",
) -> SetAsideRecord:
    return SetAsideRecord(
        system="amazon",
        feed=feed,
        scope=scope,
        record_id=record_id,
        reason=reason,
        detail="fulfillmentStatus 'ON_HOLD' is not a known value",
        raw=raw,
    )


def test_a_record_read_again_is_one_row_that_counts_its_sightings(engine: Engine) -> None:
    keep_set_aside(engine, [record()], now=T0)
    keep_set_aside(engine, [record()], now=T0 + timedelta(minutes=3))
    [kept] = list_set_aside(engine)
    assert kept.times_seen == 2
    assert (kept.first_seen_at, kept.last_seen_at) == (T0, T0 + timedelta(minutes=3))
    assert kept.raw == record().raw and kept.reason is SetAsideReason.UNKNOWN_STATUS
    assert get_set_aside(engine, kept.id) == kept


def test_records_are_told_apart_by_system_feed_scope_and_id(engine: Engine) -> None:
    keep_set_aside(
        engine,
        [
            record(),
            record(scope="A2OTHER"),
            record(feed=SetAsideFeed.WAREHOUSE_EVENTS, scope="GXO-UK-DAV"),
            record(record_id="204-2222222-2222222"),
        ],
    )
    assert len(list_set_aside(engine)) == 4
    assert len(list_set_aside(engine, feed=SetAsideFeed.WAREHOUSE_EVENTS)) == 1
    assert len(list_set_aside(engine, system="centra")) == 0
    assert len(list_set_aside(engine, reason=SetAsideReason.UNKNOWN_STATUS, limit=2)) == 2


def test_resolved_records_stay_and_open_again_only_when_their_content_changes(
    engine: Engine,
) -> None:
    keep_set_aside(engine, [record()])
    [kept] = list_set_aside(engine)
    assert resolve_set_aside(engine, kept.id, "handled in Seller Central by ops@") is True
    assert resolve_set_aside(engine, kept.id, "again") is False  # already resolved
    assert list_set_aside(engine) == []
    keep_set_aside(engine, [record()])  # the same content re-read: stays resolved
    [resolved] = list_set_aside(engine, include_resolved=True)
    assert resolved.resolved and resolved.resolution == "handled in Seller Central by ops@"
    changed = record(raw='{"orderId": "204-1111111-1111111", "fulfillmentStatus": "ON_ICE"}')
    keep_set_aside(engine, [changed])
    [reopened] = list_set_aside(engine)
    assert reopened.raw == changed.raw and reopened.resolution is None
    assert reopened.resolved_at is None and reopened.times_seen == 3


def test_a_later_version_that_was_understood_resolves_the_record(engine: Engine) -> None:
    keep_set_aside(engine, [record(), record(record_id="204-2222222-2222222")])
    assert resolve_superseded(engine, "amazon", SetAsideFeed.ORDERS, "A1SELLER", []) == 0
    assert (
        resolve_superseded(
            engine, "amazon", SetAsideFeed.ORDERS, "A2OTHER", ["204-1111111-1111111"]
        )
        == 0
    )
    resolved = resolve_superseded(
        engine, "amazon", SetAsideFeed.ORDERS, "A1SELLER", ["204-1111111-1111111", "x"]
    )
    assert resolved == 1
    [still_open] = list_set_aside(engine)
    assert still_open.record_id == "204-2222222-2222222"
    done = [e for e in list_set_aside(engine, include_resolved=True) if e.resolved]
    assert [e.resolution for e in done] == [SUPERSEDED]


def test_init_db_adds_the_table_to_an_existing_store(engine: Engine) -> None:
    init_db(engine)  # idempotent on a store that has it
    keep_set_aside(engine, [record()])
    assert len(list_set_aside(engine)) == 1


def test_records_without_an_id_of_their_own_are_named_by_content() -> None:
    assert record_id("EV-1", "{}") == "EV-1"
    assert record_id(42, "{}") == "42"
    assert record_id(None, "abc") == content_id("abc") == record_id("  ", "abc")
    assert record_id(True, "abc") == content_id("abc")
    assert content_id("abc") != content_id("abd")
    assert record().notice().model_dump() == record().model_dump(exclude={"raw"})
