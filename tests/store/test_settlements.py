"""Settlements in the store, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: stored once,
read back exactly, attributions that sum to the deposit in SQL, differences replaced."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, text

from domain.settlement_attribution import attribute
from domain.settlement_differences import DifferenceKind, differences
from integrations.amazon.settlement import parse_settlement
from store.settlements import (
    get_settlement,
    list_settlements,
    load_differences,
    load_settlement,
    replace_differences,
    settled_order_ids,
    store_settlement,
    stored_report_ids,
)
from tests.settlements.consign_records import SETTLED_BEFORE, SHIPPED
from tests.settlements.samples import authored_text, with_cell


def _sample(text: str | None = None):
    settlement = parse_settlement(text or authored_text())
    return settlement, attribute(settlement)


def test_a_settlement_is_stored_once_and_read_back_exactly(engine: Engine) -> None:
    settlement, attribution = _sample()
    assert store_settlement(
        engine, settlement, attribution, channel="amazon", account="A1", report_id="R1"
    )
    assert not store_settlement(
        engine, settlement, attribution, channel="amazon", account="A1", report_id="R1"
    )
    assert load_settlement(engine, settlement.settlement_id) == settlement
    stored = get_settlement(engine, "24988110041")
    assert stored is not None
    assert (stored.total, stored.row_count, stored.currency) == (Decimal("88.74"), 38, "USD")
    assert (stored.reserve_released, stored.reserve_held) == (Decimal("61.35"), Decimal("74.18"))
    assert stored_report_ids(engine, "A1") == {"R1"}
    assert stored_report_ids(engine, "A2") == set()
    assert load_settlement(engine, "nope") is None


def test_sql_users_see_every_cent(engine: Engine) -> None:
    settlement, attribution = _sample()
    store_settlement(engine, settlement, attribution, channel="amazon", account="A1")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, amount FROM settlement_attribution WHERE settlement_id = :id"),
            {"id": "24988110041"},
        ).all()
        lines = connection.execute(
            text("SELECT count(*) FROM settlement_line WHERE kind = 'commission'")
        ).scalar_one()
    assert sum(Decimal(str(amount)) for _kind, amount in rows) == Decimal("88.74")
    assert lines == 7


def test_differences_are_replaced_as_a_set(engine: Engine) -> None:
    settlement, attribution = _sample()
    store_settlement(engine, settlement, attribution, channel="amazon", account="A1")
    found = differences(attribution, SHIPPED, settled_before=SETTLED_BEFORE)
    replace_differences(engine, settlement.settlement_id, found)
    replace_differences(engine, settlement.settlement_id, found)
    assert load_differences(engine, settlement.settlement_id) == found
    replace_differences(engine, settlement.settlement_id, found[:1])
    assert [d.kind for d in load_differences(engine, settlement.settlement_id)] == [found[0].kind]
    assert found[0].kind in DifferenceKind


def test_listing_by_deposit_period_and_settled_orders(engine: Engine) -> None:
    settlement, attribution = _sample()
    store_settlement(engine, settlement, attribution, channel="amazon", account="A1")
    assert settled_order_ids(engine, other_than="24988110041") == frozenset()
    later_text = with_cell(authored_text(), 2, "settlement-id", "24988110042")
    later_text = "\n".join(
        line.replace("24988110041", "24988110042").replace("2026-07-18", "2026-08-01")
        for line in later_text.split("\n")
    )
    later, later_attribution = _sample(later_text)
    store_settlement(engine, later, later_attribution, channel="amazon", account="A1")
    july = list_settlements(
        engine,
        deposited_from=datetime(2026, 7, 1, tzinfo=UTC),
        deposited_before=datetime(2026, 8, 1, tzinfo=UTC),
    )
    assert [s.settlement_id for s in july] == ["24988110041"]
    assert len(list_settlements(engine, account="A1")) == 2
    assert list_settlements(engine, account="B2") == []
    assert "113-2841937-5520641" in settled_order_ids(engine)
    assert "113-2841937-5520641" in settled_order_ids(engine, other_than="24988110041")
