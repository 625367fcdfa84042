"""What the GXO sandbox accepts, held to the committed schema: a 940 using every field the
contract defines is accepted, and bodies the schema refuses are refused, creating nothing."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.warehouse import GxoWarehouse
from tests.contracts.gxo.schema import problems

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}

FULL_ORDER: dict[str, Any] = {
    "facility_id": "GXO-UK-DAV",
    "reference": "CQ3Z-1042",
    "channel_order_id": "1042",
    "channel": "centra",
    "account": "store-eu",
    "carrier_service_code": "UPS-STANDARD",
    "ship_to": {
        "name": "Test Buyer",
        "company": "Test Ltd",
        "line1": "1 Test Street",
        "line2": "Unit 2",
        "line3": "Industrial Estate",
        "city": "New York",
        "state_or_region": "NY",
        "postal_code": "10001",
        "country_code": "US",
        "phone": "+1 555 0100",
    },
    "ship_by": "2026-12-01T17:00:00Z",
    "is_international": True,
    "lines": [
        {
            "line_number": 1,
            "item_code": "GXO-100001",
            "quantity": 2,
            "unit_of_measure": "EA",
            "channel_line_id": "1042-1",
            "lot": "LOT-2026-11",
            "customs": {
                "hs_code": "620193",
                "country_of_origin": "PT",
                "description": "Jacket",
                "unit_value": "40.00",
                "currency": "GBP",
            },
        }
    ],
}


def _with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(FULL_ORDER)
    change(body)
    return body


REFUSED: dict[str, dict[str, Any]] = {
    "unknown field": _with(lambda b: b.update(gift_note="x")),
    "unknown line field": _with(lambda b: b["lines"][0].update(colour="red")),
    "reference longer than W05-02": _with(lambda b: b.update(reference="R" * 23)),
    "channel order id longer than W05-03": _with(lambda b: b.update(channel_order_id="1" * 23)),
    "empty reference": _with(lambda b: b.update(reference="")),
    "no ship-to": _with(lambda b: b.pop("ship_to")),
    "three-letter country": _with(lambda b: b["ship_to"].update(country_code="USA")),
    "cases, not units": _with(lambda b: b["lines"][0].update(unit_of_measure="CA")),
    "no lines": _with(lambda b: b.update(lines=[])),
    "zero quantity": _with(lambda b: b["lines"][0].update(quantity=0)),
    "line number zero": _with(lambda b: b["lines"][0].update(line_number=0)),
    "no channel": _with(lambda b: b.pop("channel")),
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(GxoWarehouse()))
    async with httpx.AsyncClient(transport=transport, base_url="http://gxo.test") as client:
        yield client


async def test_an_order_using_every_field_of_the_contract_is_accepted(
    http: httpx.AsyncClient,
) -> None:
    assert problems("OrderRequest", FULL_ORDER) == []

    response = await http.post("/v1/orders", json=FULL_ORDER, headers=AUTH)

    assert response.status_code == 201, response.text
    state = await http.get("/v1/facilities/GXO-UK-DAV/orders/CQ3Z-1042", headers=AUTH)
    assert state.json()["channel_order_id"] == "1042"
    assert problems("OrderState", state.json()) == []


@pytest.mark.parametrize("case", list(REFUSED))
async def test_a_body_the_schema_refuses_is_refused_and_creates_nothing(
    http: httpx.AsyncClient, case: str
) -> None:
    body = REFUSED[case]
    assert problems("OrderRequest", body), "the case must break the committed schema"

    response = await http.post("/v1/orders", json=body, headers=AUTH)

    assert response.status_code in (400, 422), response.text
    assert problems("ErrorBody", response.json()) == []
    orders = (await http.get("/_sandbox/orders")).json()
    assert orders == []
