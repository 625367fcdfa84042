"""Settlements in the store, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: stored once,
read back exactly, attributions that sum to the deposit in SQL, differences replaced; the units
consign's returns received back, read with the shipped orders so that a refund for them is no
difference."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, text

from domain.mapping import SkuMapping
from domain.order import OrderRef
from domain.returns import ReturnRef
from domain.settlement_attribution import attribute
from domain.settlement_differences import DifferenceKind, SettlementDifference, differences
from integrations.amazon.settlement import parse_settlement
from store.db import write_session
from store.inventory import confirm_shipped
from store.mappings import upsert_sku_mappings
from store.returns import record_returned_units, returned_units
from store.settlements import (
    get_settlement,
    list_settlements,
    load_differences,
    load_settlement,
    replace_differences,
    settled_order_ids,
    shipped_orders,
    store_settlement,
    stored_report_ids,
)
from store.tables import ConfirmedParcelRow
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


REFUNDED = "114-3385520-9106643"  # the authored sample refunds its 1 VASE-CLR-10


def _reconciled(engine: Engine) -> list[SettlementDifference]:
    """The authored settlement against what the store holds for the refunded order."""
    _settlement, attribution = _sample()
    shipped = shipped_orders(
        engine, "amazon", "A1", confirmed_from=None, confirmed_before=None, order_ids=[REFUNDED]
    )
    return [d for d in differences(attribution, shipped) if d.order_id == REFUNDED]


def test_a_refund_for_a_return_consign_received_is_no_difference(engine: Engine) -> None:
    ref = OrderRef(channel="amazon", account="A1", order_id=REFUNDED)
    upsert_sku_mappings(engine, [SkuMapping(channel="amazon", sku="VASE-CLR-10", item_code="V1")])
    confirm_shipped(engine, ref, "P1", [("V1", 1)])
    [unreturned] = _reconciled(engine)
    assert unreturned.kind is DifferenceKind.REFUND_WITHOUT_RETURN

    rma = ReturnRef(channel="amazon", account="A1", rma="D1qXyZRRMA")
    record_returned_units(engine, rma, REFUNDED, {"VASE-CLR-10": 1})
    record_returned_units(engine, rma, REFUNDED, {"VASE-CLR-10": 1})  # a retried close
    assert _reconciled(engine) == []
    [line] = shipped_orders(
        engine, "amazon", "A1", confirmed_from=None, confirmed_before=None, order_ids=[REFUNDED]
    )[0].lines
    assert (line.confirmed_quantity, line.returned_quantity) == (1, 1)
    other = ReturnRef(channel="amazon", account="A2", rma="D1qXyZRRMA")  # another seller's
    record_returned_units(engine, other, REFUNDED, {"VASE-CLR-10": 5})
    assert _reconciled(engine) == []


def test_returned_units_add_up_over_returns_and_stand_alone(engine: Engine) -> None:
    """Two returns of one order add up; a returned SKU the store has no confirmed line for
    (confirmed before migration 0004) counts as returned without comparing quantities."""
    first = ReturnRef(channel="amazon", account="A1", rma="R1")
    second = ReturnRef(channel="amazon", account="A1", rma="R2")
    record_returned_units(engine, first, "O1", {"MUG": 1, "BOWL": 2})
    record_returned_units(engine, second, "O1", {"MUG": 1})
    record_returned_units(engine, first, "O1", {"MUG": 1, "BOWL": 1})  # closed again: replaced
    assert returned_units(engine, "amazon", "A1", ["O1", "O2"]) == {"O1": {"MUG": 2, "BOWL": 1}}
    with write_session(engine) as session:  # a parcel confirmed before its lines were kept
        session.add(
            ConfirmedParcelRow(channel="amazon", account="A1", order_id="O1", parcel_id="P")
        )
    [order] = shipped_orders(
        engine, "amazon", "A1", confirmed_from=None, confirmed_before=None, order_ids=["O1"]
    )
    assert [
        (line.sku, line.confirmed_quantity, line.returned_quantity) for line in order.lines
    ] == [
        ("BOWL", 0, 1),
        ("MUG", 0, 2),
    ]
