"""Centra order JSON (the documented shape) -> ChannelOrder: statuses and hold flags, unknown
statuses, quantities (Centra's exclude cancelled units; shipped ones come from shipments),
money objects, SLA ship-by, addresses and their two phone fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.exceptions import ExceptionKind
from domain.order import ChannelOrderStatus, FulfilledBy, Money
from integrations.centra.errors import (
    CentraBadResponse,
    CentraMissingAddress,
    CentraUnknownStatus,
)
from integrations.centra.normalise import change_from_centra, order_from_centra
from integrations.registry import Channel
from tests.centra.support import documented_order as order_json

SLA = timedelta(hours=48)


def normalise(**changes: Any):
    return order_from_centra(order_json(**changes), "brand-eu", SLA)


@pytest.mark.parametrize(
    ("status", "on_hold", "reason", "waiting", "expected"),
    [
        ("CONFIRMED", False, None, False, ChannelOrderStatus.READY),
        ("CONFIRMED", True, None, False, ChannelOrderStatus.PENDING),
        ("CONFIRMED", False, None, True, ChannelOrderStatus.PENDING),
        ("CONFIRMED", False, "WAITING_FOR_FRAUD_CHECK", False, ChannelOrderStatus.PENDING),
        ("PENDING", False, None, False, ChannelOrderStatus.PENDING),
        ("PROCESSING", False, None, False, ChannelOrderStatus.PARTIALLY_SHIPPED),
        ("PROCESSING", True, None, False, ChannelOrderStatus.PENDING),
        ("SHIPPED", False, None, False, ChannelOrderStatus.SHIPPED),
        ("ARCHIVED", False, None, False, ChannelOrderStatus.SHIPPED),
        ("CANCELLED", False, None, False, ChannelOrderStatus.CANCELLED),
    ],
)
def test_status_and_hold_flags(
    status: str, on_hold: bool, reason: str | None, waiting: bool, expected: ChannelOrderStatus
) -> None:
    """Waiting for payment is known from the filter that found the order (no such field)."""
    fields: dict[str, Any] = {"status": status, "isOnHold": on_hold, "orderHoldReason": reason}
    raw = order_json(**fields)
    assert order_from_centra(raw, "a", SLA, waiting_for_payment=waiting).status is expected
    assert change_from_centra(raw, "brand-eu", waiting).status is expected


def test_an_unknown_status_raises_its_own_named_error() -> None:
    with pytest.raises(CentraUnknownStatus) as caught:
        normalise(status="ARCHIVE")
    error = caught.value
    assert isinstance(error, CentraBadResponse) and not error.transient
    assert error.order_status == "ARCHIVE" and error.number == 1001
    assert error.exception_kind is ExceptionKind.INVALID_CHANNEL_DATA
    assert "order 1001 has status 'ARCHIVE', which consign does not know" in str(error)
    with pytest.raises(CentraUnknownStatus):
        change_from_centra(order_json(status="ON_HOLD"), "brand-eu")


def test_identity_and_order_fields() -> None:
    order = normalise()
    assert order.ref.channel == Channel.CENTRA
    assert order.ref.account == "brand-eu" and order.ref.order_id == "1001"
    assert order.fulfilled_by is FulfilledBy.MERCHANT
    assert order.ship_service_level == "Express"
    assert order.currency == "SEK"  # grandTotal.currency.code: Order has no currency field
    assert order.total == Money(amount=Decimal("1398.5"), currency="SEK")
    assert order.created_at == datetime(2025, 3, 10, 8, tzinfo=UTC)
    assert order.last_updated_at == datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def test_ship_by_is_created_at_plus_the_dispatch_sla() -> None:
    assert normalise().ship_by == datetime(2025, 3, 12, 8, tzinfo=UTC)
    other = order_from_centra(order_json(), "brand-eu", timedelta(hours=24))
    assert other.ship_by == datetime(2025, 3, 11, 8, tzinfo=UTC)


def test_lines_carry_the_centra_sku_its_ean_and_money_objects() -> None:
    first, second = normalise().lines
    assert (first.line_id, first.sku, first.gtin, first.quantity) == (
        "11",
        "Prod123Var123789S",
        "7350000000011",
        2,
    )
    assert first.unit_price is not None
    assert first.unit_price.amount == Decimal("249.5") and first.unit_price.currency == "SEK"
    assert first.title == "Tee"
    assert second.gtin is None


def test_ordered_units_are_centra_quantity_plus_cancelled_units() -> None:
    """Centra's quantity excludes cancelled units (10 ordered, 1 cancelled reads 9); the
    domain counts what was ordered, so open = ordered - cancelled - shipped is right."""
    raw = order_json()
    raw["lines"][0].update(quantity=9, cancelledQuantity=1)
    first, second = order_from_centra(raw, "a", SLA).lines
    assert (first.quantity, first.quantity_cancelled) == (10, 1)
    assert (second.quantity, second.quantity_cancelled) == (1, 1)  # fully cancelled


def test_shipped_units_come_from_the_shipments() -> None:
    raw = order_json(status="PROCESSING")
    lines = order_from_centra(raw, "a", SLA, shipped={11: 1}).lines
    assert [line.quantity_shipped for line in lines] == [1, 0]


def test_a_line_without_sku_is_a_bad_response() -> None:
    raw = order_json()
    raw["lines"][0]["productSize"] = None
    with pytest.raises(CentraBadResponse, match=r"line 11 has no productSize.SKU"):
        order_from_centra(raw, "a", SLA)


def test_the_cell_phone_is_used_when_the_phone_number_is_empty() -> None:
    raw = with_address(phoneNumber="", cellPhoneNumber="+46701111111")
    ship_to = order_from_centra(raw, "a", SLA).ship_to
    assert ship_to is not None and ship_to.phone == "+46701111111"
    neither = order_from_centra(with_address(phoneNumber=None), "a", SLA).ship_to
    assert neither is not None and neither.phone is None


def test_ship_to_maps_every_field_but_email() -> None:
    ship_to = normalise().ship_to
    assert ship_to is not None
    assert ship_to.name == "Astrid Lind"
    assert (ship_to.line1, ship_to.line2, ship_to.city) == ("Storgatan 1", "lgh 1201", "Stockholm")
    assert (ship_to.postal_code, ship_to.country_code, ship_to.phone) == (
        "111 22",
        "SE",
        "+46700000000",
    )
    assert "astrid@example.com" not in normalise().model_dump_json()


def with_address(**changes: Any) -> dict[str, Any]:
    raw = order_json()
    raw["shippingAddress"].update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address1": ""}, "address1"),
        ({"city": None}, "city"),
        ({"country": None}, "country.code"),
        ({"zipCode": " "}, "zipCode"),
        ({"firstName": None, "lastName": None}, "firstName/lastName"),
    ],
)
def test_missing_address_fields_are_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(CentraMissingAddress) as caught:
        order_from_centra(with_address(**changes), "a", SLA)
    error = caught.value
    assert error.exception_kind is ExceptionKind.MISSING_ADDRESS and not error.transient
    assert field in str(error) and "order 1001" in str(error)
    assert "Storgatan" not in str(error) and "Stockholm" not in str(error)


def test_every_missing_field_is_named_at_once() -> None:
    with pytest.raises(CentraMissingAddress, match="address1, city"):
        order_from_centra(with_address(address1=None, city=None), "a", SLA)


def test_no_address_at_all() -> None:
    with pytest.raises(CentraMissingAddress, match="shippingAddress is missing"):
        normalise(shippingAddress=None)


def test_countries_without_postcodes_need_no_zip() -> None:
    order = order_from_centra(with_address(zipCode=None, country={"code": "IE"}), "a", SLA)
    assert order.ship_to is not None and order.ship_to.postal_code is None


def test_finished_orders_need_no_address() -> None:
    order = normalise(status="CANCELLED", shippingAddress={"address1": None})
    assert order.ship_to is None and order.status is ChannelOrderStatus.CANCELLED


def test_change_ignores_the_address() -> None:
    change = change_from_centra(order_json(shippingAddress=None), "brand-eu")
    assert change.ref.order_id == "1001" and change.status is ChannelOrderStatus.READY
    assert change == normalise().change()
