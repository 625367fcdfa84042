"""consign's normaliser against Amazon's own sandbox examples (Orders v0 and v2026-01-01): every
successful example response must normalise into the domain order, field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.order import ChannelOrderStatus, FulfilledBy
from integrations.amazon.normalise import (
    change_from_v0,
    change_from_v2026,
    order_from_v0,
    order_from_v2026,
)
from tests.support.spapi_models import EXAMPLES_DIR, load_example

ACCOUNT = "A1SELLER"


def example(relative: str) -> Any:
    """The `response` of one of Amazon's examples, e.g. "ordersV0/getOrder_200_static_1.json"."""
    return load_example(relative)["response"]


def _names(api: str, prefix: str) -> list[str]:
    return sorted(p.name for p in (EXAMPLES_DIR / api).glob(f"{prefix}_200_static_*.json"))


def test_every_successful_orders_example_is_covered():
    # Guards the parametrised lists below against Amazon adding examples we never parse.
    assert len(_names("ordersV0", "getOrders")) == 3
    assert len(_names("ordersV0", "getOrder")) == 2
    assert len(_names("orders_2026-01-01", "searchOrders")) == 3
    assert len(_names("orders_2026-01-01", "getOrder")) == 3


@pytest.mark.parametrize("number", [1, 2, 3])
def test_v0_get_orders_examples_parse(number):
    payload = example(f"ordersV0/getOrders_200_static_{number}.json")["payload"]
    changes = [change_from_v0(order, ACCOUNT) for order in payload["Orders"]]
    assert changes
    for change, order in zip(changes, payload["Orders"], strict=True):
        assert change.ref.order_id == order["AmazonOrderId"]
        assert change.last_updated_at.tzinfo is not None


@pytest.mark.parametrize("number", [1, 2])
def test_v0_get_order_examples_parse_with_items_and_address(number):
    order = example(f"ordersV0/getOrder_200_static_{number}.json")["payload"]
    items = example("ordersV0/getOrderItems_200_static_1.json")["payload"]["OrderItems"]
    address = example("ordersV0/getOrderAddress_200_static_1.json")["payload"]
    result = order_from_v0(order, items, address, ACCOUNT)
    assert result.ref.order_id == order["AmazonOrderId"]
    assert result.ship_to is not None and result.ship_to.country_code == "US"
    assert [line.line_id for line in result.lines] == ["05015851154158"]


def test_v0_unshipped_mfn_order_maps_every_field():
    order = example("ordersV0/getOrder_200_static_1.json")["payload"]
    items = example("ordersV0/getOrderItems_200_static_1.json")["payload"]["OrderItems"]
    address = example("ordersV0/getOrderAddress_200_static_1.json")["payload"]
    result = order_from_v0(order, items, address, ACCOUNT)
    assert result.status is ChannelOrderStatus.READY
    assert result.fulfilled_by is FulfilledBy.MERCHANT
    assert result.marketplace_id == "ATVPDKIKX0DER"
    assert result.ship_service_level == "STANDARD"
    assert result.ship_by == datetime(1970, 1, 19, 4, 5, 13, tzinfo=UTC)
    assert result.deliver_by == datetime(1970, 1, 19, 4, 15, 17, tzinfo=UTC)
    assert result.buyer_cancel_requested is True
    assert (result.is_prime, result.is_business) == (False, False)
    assert result.currency == "USD"
    line = result.lines[0]
    assert (line.sku, line.quantity, line.quantity_shipped) == ("NABetaASINB00551Q3CS", 1, 0)
    assert line.unit_price is not None and line.unit_price.amount == Decimal("10.00")
    assert result.ship_to is not None
    assert (result.ship_to.city, result.ship_to.postal_code) == ("SEATTLE", "98121-2778")


def test_v0_afn_business_order():
    order = example("ordersV0/getOrder_200_static_2.json")["payload"]
    result = order_from_v0(order, [], None, ACCOUNT)
    assert result.fulfilled_by is FulfilledBy.CHANNEL
    assert result.status is ChannelOrderStatus.SHIPPED
    assert result.is_business is True
    assert result.ship_to is None
    assert result.created_at == datetime(2019, 5, 7, 15, 42, 57, 58000, tzinfo=UTC)


def test_v0_pending_order_from_get_orders():
    order = example("ordersV0/getOrders_200_static_2.json")["payload"]["Orders"][0]
    change = change_from_v0(order, ACCOUNT)
    assert change.status is ChannelOrderStatus.PENDING
    assert change.fulfilled_by is FulfilledBy.MERCHANT


@pytest.mark.parametrize("number", [1, 2, 3])
def test_v2026_search_orders_examples_parse(number):
    orders = example(f"orders_2026-01-01/searchOrders_200_static_{number}.json")["orders"]
    assert orders
    for order in orders:
        change = change_from_v2026(order, ACCOUNT)
        full = order_from_v2026(order, ACCOUNT)
        assert change.ref == full.ref
        assert (change.status, change.fulfilled_by) == (full.status, full.fulfilled_by)
        assert full.lines and full.ship_to is not None


@pytest.mark.parametrize("number", [1, 2, 3])
def test_v2026_get_order_examples_parse(number):
    order = example(f"orders_2026-01-01/getOrder_200_static_{number}.json")["order"]
    result = order_from_v2026(order, ACCOUNT)
    assert result.ref.order_id == order["orderId"]
    assert result.fulfilled_by is FulfilledBy.MERCHANT
    assert result.ship_to is not None
    assert len(result.lines) == len(order["orderItems"])


def test_v2026_unshipped_prime_order_maps_every_field():
    order = example("orders_2026-01-01/getOrder_200_static_1.json")["order"]
    result = order_from_v2026(order, ACCOUNT)
    assert result.status is ChannelOrderStatus.READY
    assert result.marketplace_id == "A2Q3Y263D00KWC"
    assert result.ship_service_level == "STANDARD"
    assert result.is_prime is True and result.is_business is False
    assert result.buyer_cancel_requested is False
    assert result.ship_by == datetime(2024, 12, 27, 23, 59, 59, tzinfo=UTC)
    assert result.deliver_by == datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert result.currency == "BRL"
    assert result.ship_to is not None
    assert result.ship_to.line3 is None  # Amazon sends "" for unused lines
    assert (result.ship_to.country_code, result.ship_to.state_or_region) == ("BR", "SP")
    line = result.lines[0]
    assert (line.line_id, line.sku, line.quantity) == ("17198765432109", "ECHO-DOT-4-BR-PRETO", 1)
    assert line.unit_price is not None and line.unit_price.amount == Decimal("299.90")


def test_v2026_shipped_and_business_orders():
    shipped = order_from_v2026(
        example("orders_2026-01-01/getOrder_200_static_2.json")["order"], ACCOUNT
    )
    assert shipped.status is ChannelOrderStatus.SHIPPED
    assert [(line.quantity, line.quantity_shipped) for line in shipped.lines] == [(2, 2)]
    business = example("orders_2026-01-01/searchOrders_200_static_3.json")["orders"][0]
    assert order_from_v2026(business, ACCOUNT).is_business is True


def test_v2026_amazon_fulfilled_order_is_channel_fulfilled():
    order = example("orders_2026-01-01/searchOrders_200_static_1.json")["orders"][0]
    assert change_from_v2026(order, ACCOUNT).fulfilled_by is FulfilledBy.CHANNEL
