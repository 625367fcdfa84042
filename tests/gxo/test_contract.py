"""The REST transport round-trips every port operation against the simulator."""

from __future__ import annotations

import httpx
import pytest

from domain.exceptions import ExceptionKind
from domain.warehouse import (
    CancelOutcome,
    EventPage,
    InjectionResult,
    WarehouseEventKind,
    WarehouseOrderState,
    WarehouseOrderStatus,
)
from integrations.gxo.errors import WarehouseAuthFailed, WarehouseRequestError
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.catalogue import UK_DAVENTRY
from tests.gxo.builders import cycle, order
from tests.gxo.conftest import BASE_URL

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


async def test_inject_returns_created_order(gxo: RestWarehouse) -> None:
    result = await gxo.inject(order("A-100"))
    assert result.status is WarehouseOrderStatus.RECEIVED
    assert result.duplicate is False
    assert result.warehouse_order_id


async def test_raw_bodies_parse_as_domain_models(http: httpx.AsyncClient) -> None:
    body = order("A-101", [("GXO-100001", 3)]).model_dump(mode="json")
    created = await http.post("/v1/orders", json=body, headers=AUTH)
    assert created.status_code == 201
    InjectionResult.model_validate(created.json())
    await cycle(http)
    state = await http.get(f"/v1/facilities/{UK_DAVENTRY}/orders/A-101", headers=AUTH)
    assert WarehouseOrderState.model_validate(state.json()).status is WarehouseOrderStatus.SHIPPED
    page = await http.get(f"/v1/facilities/{UK_DAVENTRY}/events", headers=AUTH)
    assert [e.kind for e in EventPage.model_validate(page.json()).events] == [
        WarehouseEventKind.DISPATCH
    ]


async def test_get_order_reports_parcels_after_dispatch(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.inject(order("A-102", [("GXO-100001", 2)]))
    received = await gxo.get_order(UK_DAVENTRY, "A-102")
    assert received is not None and received.status is WarehouseOrderStatus.RECEIVED
    await cycle(http)
    state = await gxo.get_order(UK_DAVENTRY, "A-102")
    assert state is not None
    assert state.status is WarehouseOrderStatus.SHIPPED
    assert sum(line.quantity for p in state.parcels for line in p.lines) == 2


async def test_get_unknown_order_is_none(gxo: RestWarehouse) -> None:
    assert await gxo.get_order(UK_DAVENTRY, "NEVER-SENT") is None


async def test_reference_with_reserved_characters_round_trips(gxo: RestWarehouse) -> None:
    await gxo.inject(order("CENTRA/14 #1"))
    state = await gxo.get_order(UK_DAVENTRY, "CENTRA/14 #1")
    assert state is not None and state.reference == "CENTRA/14 #1"
    assert await gxo.cancel(UK_DAVENTRY, "CENTRA/14 #1") is CancelOutcome.CANCELLED


async def test_cancel_unknown_order_is_not_found(gxo: RestWarehouse) -> None:
    assert await gxo.cancel(UK_DAVENTRY, "NEVER-SENT") is CancelOutcome.NOT_FOUND


async def test_unknown_facility_on_reads_is_a_request_error(gxo: RestWarehouse) -> None:
    with pytest.raises(WarehouseRequestError) as caught:
        await gxo.events_since("GXO-XX-NOPE", 0, 10)
    assert caught.value.status == 404 and caught.value.transient is False
    with pytest.raises(WarehouseRequestError):
        await gxo.get_order("GXO-XX-NOPE", "A-1")


async def test_wrong_api_key_is_an_authentication_failure(http: httpx.AsyncClient) -> None:
    """Not a warehouse rejection: the order is fine, consign's key is not."""
    client = RestWarehouse(BASE_URL, "wrong-key", http=http)
    with pytest.raises(WarehouseAuthFailed) as caught:
        await client.inject(order("A-103"))
    assert caught.value.status == 401 and not caught.value.transient
    assert caught.value.exception_kind is ExceptionKind.WAREHOUSE_AUTH_FAILED
    assert "UNAUTHORIZED" in str(caught.value) and "GXO_API_KEY" in str(caught.value)


async def test_missing_api_key_is_401_with_error_body(http: httpx.AsyncClient) -> None:
    response = await http.get(f"/v1/facilities/{UK_DAVENTRY}/events")
    assert response.status_code == 401
    assert response.json()["error"]["reason"] == "UNAUTHORIZED"


async def test_malformed_body_is_400_not_a_rejection(http: httpx.AsyncClient) -> None:
    body = order("A-104").model_dump(mode="json")
    del body["ship_to"]
    response = await http.post("/v1/orders", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["reason"] == "BAD_REQUEST"
    injections = (await http.get("/_sandbox/injections")).json()
    assert injections["A-104"]["created"] == 0
