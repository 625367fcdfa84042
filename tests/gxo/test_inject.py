"""Idempotent injection and the synchronous (422) rejections."""

from __future__ import annotations

import httpx
import pytest

from domain.order import ShipTo
from domain.warehouse import RejectionCode, WarehouseOrder, WarehouseOrderLine
from integrations.gxo import mapping
from integrations.gxo.errors import WarehouseRejected, WarehouseRequestError
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.catalogue import DE_KOBLENZ, DHL_PAKET, RM_TRACKED_24, UPS_STANDARD
from tests.gxo.builders import order, ship_to

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


async def test_reinject_returns_same_order_once(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    first = await gxo.inject(order("A-200"))
    second = await gxo.inject(order("A-200"))
    assert second.duplicate is True and first.duplicate is False
    assert second.warehouse_order_id == first.warehouse_order_id
    injections = (await http.get("/_sandbox/injections")).json()
    assert injections["A-200"] == {
        "channel_order_id": None,
        "calls": 2,
        "created": 1,
        "duplicates": 1,
        "rejected": 0,
    }
    orders = (await http.get("/_sandbox/orders")).json()
    assert [o["reference"] for o in orders] == ["A-200"]


async def test_same_reference_at_two_facilities_is_two_orders(gxo: RestWarehouse) -> None:
    uk = await gxo.inject(order("A-201"))
    de = await gxo.inject(
        order("A-201", facility_id=DE_KOBLENZ, carrier=DHL_PAKET, country="DE", postal_code="56068")
    )
    assert uk.warehouse_order_id != de.warehouse_order_id
    assert not de.duplicate


SYNC_REJECTIONS = [
    (order("R-1", [("GXO-100001", 1), ("GXO-999999", 1)]), RejectionCode.UNKNOWN_ITEM, 2),
    (order("R-2", facility_id="GXO-XX-NOPE"), RejectionCode.UNKNOWN_FACILITY, None),
    (order("R-3", postal_code=None), RejectionCode.INVALID_ADDRESS, None),
    (order("R-4", carrier="PIGEON-POST"), RejectionCode.UNKNOWN_CARRIER_SERVICE, None),
    (order("R-5", carrier=DHL_PAKET), RejectionCode.UNKNOWN_CARRIER_SERVICE, None),
    (
        order("R-6", carrier=RM_TRACKED_24, country="US"),
        RejectionCode.UNKNOWN_CARRIER_SERVICE,
        None,
    ),
    (
        order("R-7", carrier=UPS_STANDARD, country="US", postal_code="10001"),
        RejectionCode.MISSING_CUSTOMS_DATA,
        1,
    ),
    (order("R-9", [("GXO-100007", 1)]), RejectionCode.UNKNOWN_ITEM, 1),
]


@pytest.mark.parametrize(("bad", "code", "line"), SYNC_REJECTIONS)
async def test_sync_rejection_raises_warehouse_rejected(
    gxo: RestWarehouse,
    http: httpx.AsyncClient,
    bad: WarehouseOrder,
    code: RejectionCode,
    line: int | None,
) -> None:
    with pytest.raises(WarehouseRejected) as caught:
        await gxo.inject(bad)
    assert caught.value.rejection.code is code
    assert caught.value.rejection.line_number == line
    assert caught.value.transient is False
    injections = (await http.get("/_sandbox/injections")).json()
    assert injections[bad.reference]["created"] == 0
    assert injections[bad.reference]["rejected"] == 1


async def test_international_order_with_customs_is_accepted(gxo: RestWarehouse) -> None:
    result = await gxo.inject(
        order("A-202", carrier=UPS_STANDARD, country="US", postal_code="10001", customs=True)
    )
    assert not result.duplicate


async def test_ireland_needs_no_postal_code(gxo: RestWarehouse) -> None:
    result = await gxo.inject(
        order("A-203", carrier=UPS_STANDARD, country="IE", postal_code=None, customs=True)
    )
    assert result.warehouse_order_id


async def test_reinject_after_sync_rejection_creates_the_order(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    with pytest.raises(WarehouseRejected):
        await gxo.inject(order("A-204", carrier="PIGEON-POST"))
    result = await gxo.inject(order("A-204"))
    assert result.duplicate is False
    injections = (await http.get("/_sandbox/injections")).json()
    assert injections["A-204"] == {
        "channel_order_id": None,
        "calls": 2,
        "created": 1,
        "duplicates": 0,
        "rejected": 1,
    }


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", None])
async def test_a_quantity_that_is_not_whole_units_is_a_business_rejection(
    http: httpx.AsyncClient, quantity: object
) -> None:
    """GXO's gateway checks quantities before the schema: 422 INVALID_QUANTITY, not 400."""
    body = mapping.order_request(order("R-8")).model_dump(mode="json")
    body["lines"][0]["quantity"] = quantity
    response = await http.post("/v1/orders", json=body, headers=AUTH)
    assert response.status_code == 422
    rejection = response.json()["error"]["rejection"]
    assert (rejection["code"], rejection["line_number"]) == ("INVALID_QUANTITY", 1)


async def test_the_client_refuses_to_send_what_breaks_the_contract(gxo: RestWarehouse) -> None:
    """A plan the wire cannot carry never leaves consign; the error names the field only."""
    line = WarehouseOrderLine.model_construct(
        line_number=1, item_code="GXO-100001", quantity=0, channel_line_id="x", customs=None
    )
    address = ShipTo.model_construct(
        **(ship_to().model_dump() | {"name": "Ada Buyer", "country_code": "GBR"})
    )
    bad = order("R-10").model_copy(update={"lines": [line], "ship_to": address})
    with pytest.raises(WarehouseRequestError) as caught:
        await gxo.inject(bad)
    message = str(caught.value)
    assert caught.value.transient is False
    assert "lines.0.quantity" in message and "ship_to.country_code" in message
    assert "Ada" not in message and "GBR" not in message
