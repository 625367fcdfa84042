"""The warehouse port's models refuse what GXO would reject: no zero quantities, no empty orders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain.lifecycle import OrderStage
from domain.shipment import ConfirmItem, LineProgress, ShipConfirmation
from domain.warehouse import Parcel, ParcelLine, WarehouseOrder, WarehouseOrderLine
from tests.domain.builders import ref, ship_to

T = datetime(2024, 3, 1, tzinfo=UTC)


def _wo_line(**over: Any) -> dict[str, Any]:
    return {"line_number": 1, "item_code": "I", "quantity": 1, "channel_line_id": "L1"} | over


def _wo(**over: Any) -> dict[str, Any]:
    return {
        "facility_id": "F",
        "reference": "R",
        "channel": "amazon",
        "account": "A",
        "carrier_service_code": "C",
        "ship_to": ship_to().model_dump(),
        "lines": [_wo_line()],
    } | over


def _parcel_line(**over: Any) -> dict[str, Any]:
    return {"line_number": 1, "item_code": "I", "channel_line_id": "L1", "quantity": 1} | over


def _parcel(**over: Any) -> dict[str, Any]:
    return {
        "parcel_id": "P",
        "tracking_number": "T",
        "carrier_service_code": "C",
        "shipped_at": T,
        "lines": [_parcel_line()],
    } | over


def test_valid_models_build() -> None:
    assert WarehouseOrder.model_validate(_wo()).lines[0].quantity == 1
    assert Parcel.model_validate(_parcel()).lines[0].quantity == 1


@pytest.mark.parametrize("quantity", [0, -1, -100])
def test_warehouse_order_line_rejects_quantity_below_one(quantity: int) -> None:
    with pytest.raises(ValidationError):
        WarehouseOrderLine.model_validate(_wo_line(quantity=quantity))


@pytest.mark.parametrize("quantity", [0, -1])
def test_parcel_line_rejects_quantity_below_one(quantity: int) -> None:
    with pytest.raises(ValidationError):
        ParcelLine.model_validate(_parcel_line(quantity=quantity))


@pytest.mark.parametrize("number", [0, -1])
def test_line_numbers_start_at_one(number: int) -> None:
    with pytest.raises(ValidationError):
        WarehouseOrderLine.model_validate(_wo_line(line_number=number))
    with pytest.raises(ValidationError):
        ParcelLine.model_validate(_parcel_line(line_number=number))


def test_fractional_quantity_is_rejected() -> None:
    with pytest.raises(ValidationError):
        WarehouseOrderLine.model_validate(_wo_line(quantity=1.5))
    with pytest.raises(ValidationError):
        ParcelLine.model_validate(_parcel_line(quantity=2.5))


def test_warehouse_order_rejects_empty_lines() -> None:
    with pytest.raises(ValidationError):
        WarehouseOrder.model_validate(_wo(lines=[]))


def test_warehouse_order_rejects_a_zero_quantity_line() -> None:
    with pytest.raises(ValidationError):
        WarehouseOrder.model_validate(_wo(lines=[_wo_line(), _wo_line(quantity=0)]))


def test_parcel_rejects_empty_lines() -> None:
    with pytest.raises(ValidationError):
        Parcel.model_validate(_parcel(lines=[]))


def test_parcel_rejects_a_zero_quantity_line() -> None:
    with pytest.raises(ValidationError):
        Parcel.model_validate(_parcel(lines=[_parcel_line(), _parcel_line(quantity=0)]))


def test_customs_country_and_currency_lengths() -> None:
    from domain.warehouse import CustomsInfo

    base = {"hs_code": "1", "country_of_origin": "PT", "description": "d", "unit_value": "1"}
    assert CustomsInfo.model_validate(base | {"currency": "EUR"}).currency == "EUR"
    with pytest.raises(ValidationError):
        CustomsInfo.model_validate(base | {"currency": "EURO"})
    with pytest.raises(ValidationError):
        CustomsInfo.model_validate(base | {"currency": "EUR", "country_of_origin": "PRT"})


def test_confirm_requires_items_with_positive_quantity() -> None:
    body: dict[str, Any] = {
        "ref": ref().model_dump(),
        "parcel_id": "P",
        "package_reference": "1",
        "carrier_code": "Royal Mail",
        "tracking_number": "T",
        "shipped_at": T,
    }
    assert ShipConfirmation.model_validate(body | {"items": [{"line_id": "L1", "quantity": 1}]})
    with pytest.raises(ValidationError):
        ShipConfirmation.model_validate(body | {"items": []})
    with pytest.raises(ValidationError):
        ConfirmItem(line_id="L1", quantity=0)


def test_line_progress_rejects_negative_quantities() -> None:
    for field in ("ordered", "shipped", "cancelled"):
        with pytest.raises(ValidationError):
            LineProgress.model_validate({"line_id": "L", "sku": "S", "ordered": 1, field: -1})


def test_stage_values_are_stable_strings() -> None:
    assert OrderStage("SKIPPED_AFN") is OrderStage.SKIPPED_AFN
