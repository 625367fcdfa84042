"""Centra order JSON -> ChannelOrder: statuses and flags, lines, SLA ship-by, addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.exceptions import ExceptionKind
from domain.order import Channel, ChannelOrderStatus, FulfilledBy
from integrations.centra.errors import CentraBadResponse, CentraMissingAddress
from integrations.centra.normalise import change_from_centra, order_from_centra
from tests.centra.fakes import order_json

SLA = timedelta(hours=48)


def normalise(**changes: Any):
    return order_from_centra(order_json(**changes), "brand-eu", SLA)


@pytest.mark.parametrize(
    ("status", "on_hold", "waiting", "expected"),
    [
        ("CONFIRMED", False, False, ChannelOrderStatus.READY),
        ("CONFIRMED", True, False, ChannelOrderStatus.PENDING),
        ("CONFIRMED", False, True, ChannelOrderStatus.PENDING),
        ("PENDING", False, False, ChannelOrderStatus.PENDING),
        ("PROCESSING", False, False, ChannelOrderStatus.PARTIALLY_SHIPPED),
        ("SHIPPED", False, False, ChannelOrderStatus.SHIPPED),
        ("ARCHIVED", False, False, ChannelOrderStatus.SHIPPED),
        ("CANCELLED", False, False, ChannelOrderStatus.CANCELLED),
    ],
)
def test_status_and_flags(
    status: str, on_hold: bool, waiting: bool, expected: ChannelOrderStatus
) -> None:
    fields: dict[str, Any] = {"status": status, "isOnHold": on_hold, "isWaitingForPayment": waiting}
    assert normalise(**fields).status is expected
    assert change_from_centra(order_json(**fields), "brand-eu").status is expected


def test_unknown_status_is_a_bad_response() -> None:
    with pytest.raises(CentraBadResponse, match="status"):
        normalise(status="LOST")


def test_identity_and_order_fields() -> None:
    order = normalise()
    assert order.ref.channel is Channel.CENTRA
    assert order.ref.account == "brand-eu" and order.ref.order_id == "1001"
    assert order.fulfilled_by is FulfilledBy.MERCHANT
    assert order.ship_service_level == "Express"
    assert order.currency == "SEK"
    assert order.created_at == datetime(2025, 3, 10, 8, tzinfo=UTC)
    assert order.last_updated_at == datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


def test_ship_by_is_created_at_plus_the_dispatch_sla() -> None:
    assert normalise().ship_by == datetime(2025, 3, 12, 8, tzinfo=UTC)
    other = order_from_centra(order_json(), "brand-eu", timedelta(hours=24))
    assert other.ship_by == datetime(2025, 3, 11, 8, tzinfo=UTC)


def test_lines_carry_the_centra_sku_not_the_gtin() -> None:
    first, second = normalise().lines
    assert (first.line_id, first.sku, first.quantity) == ("11", "Prod123Var123789S", 2)
    assert first.unit_price is not None
    assert first.unit_price.amount == Decimal("249.5") and first.unit_price.currency == "SEK"
    assert first.title == "Tee"
    assert (second.sku, second.quantity_cancelled, second.unit_price) == ("Prod200Var1OS", 1, None)


def test_shipped_quantity_is_read() -> None:
    raw = order_json(status="PROCESSING")
    raw["lines"][0]["shippedQuantity"] = 1
    assert order_from_centra(raw, "a", SLA).lines[0].quantity_shipped == 1


def test_a_line_without_sku_is_a_bad_response() -> None:
    raw = order_json()
    raw["lines"][0]["productSize"] = None
    with pytest.raises(CentraBadResponse, match=r"line 11 has no productSize.SKU"):
        order_from_centra(raw, "a", SLA)


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
