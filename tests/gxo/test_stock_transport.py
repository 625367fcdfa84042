"""The stock endpoints over REST: raw bodies, error classification, and faulted feeds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from domain.exceptions import ExceptionKind
from domain.inventory import InventorySnapshot, StockChange, StockChangePage
from integrations.gxo.errors import WarehouseAuthFailed, WarehouseRequestError, WarehouseUnavailable
from integrations.gxo.rest import RestWarehouse
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.catalogue import UK_DAVENTRY
from tests.gxo.builders import cycle, order

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
Call = Callable[[RestWarehouse, str], Awaitable[object]]


async def _inventory(gxo: RestWarehouse, facility_id: str) -> object:
    return await gxo.inventory(facility_id)


async def _changes(gxo: RestWarehouse, facility_id: str) -> object:
    return await gxo.stock_changes(facility_id, 0, 10)


CALLS = pytest.mark.parametrize("call", [_inventory, _changes], ids=["inventory", "changes"])


async def test_raw_bodies_parse_as_domain_models(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    await gxo.inject(order("T-1", [("GXO-100001", 2)]))
    await cycle(http)
    base = f"/v1/facilities/{UK_DAVENTRY}"
    snapshot = InventorySnapshot.model_validate(
        (await http.get(f"{base}/inventory", headers=AUTH)).json()
    )
    page = StockChangePage.model_validate(
        (await http.get(f"{base}/stock-changes?cursor=1&limit=5", headers=AUTH)).json()
    )
    assert snapshot.cursor == 2 and page.next_cursor == 2
    assert [c.sequence for c in page.changes] == [2]
    assert await gxo.inventory(UK_DAVENTRY) == snapshot
    assert await gxo.stock_changes(UK_DAVENTRY, 1, 5) == page


@CALLS
async def test_unknown_facility_is_a_permanent_request_error(
    gxo: RestWarehouse, call: Call
) -> None:
    with pytest.raises(WarehouseRequestError) as caught:
        await call(gxo, "GXO-XX-NOPE")
    assert caught.value.status == 404 and caught.value.transient is False
    assert "FACILITY_NOT_FOUND" in str(caught.value)


@CALLS
async def test_wrong_api_key_is_an_authentication_failure(
    http: httpx.AsyncClient, call: Call
) -> None:
    gxo = RestWarehouse(str(http.base_url), "not-the-key", http=http)
    with pytest.raises(WarehouseAuthFailed) as caught:
        await call(gxo, UK_DAVENTRY)
    assert caught.value.status == 401
    assert caught.value.exception_kind is ExceptionKind.WAREHOUSE_AUTH_FAILED


async def test_bad_page_size_is_a_request_error(gxo: RestWarehouse) -> None:
    with pytest.raises(WarehouseRequestError) as caught:
        await gxo.stock_changes(UK_DAVENTRY, 0, 0)
    assert caught.value.status == 400


@CALLS
async def test_server_faults_are_transient(
    gxo: RestWarehouse, http: httpx.AsyncClient, call: Call
) -> None:
    (await http.put("/_sandbox/faults", json={"throttle_rate": 1.0})).raise_for_status()
    with pytest.raises(WarehouseUnavailable) as caught:
        await call(gxo, UK_DAVENTRY)
    assert caught.value.status == 429 and caught.value.retry_after == 1.0


@CALLS
async def test_garbled_success_body_is_contract_drift(call: Call) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"levels": "nope", "changes": None})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        gxo = RestWarehouse("http://gxo.test", "key", http=client)
        with pytest.raises(WarehouseRequestError) as caught:
            await call(gxo, UK_DAVENTRY)
    assert caught.value.transient is False and "contract" in str(caught.value)


async def test_repeated_and_reordered_changes_still_converge_on_the_snapshot(
    gxo: RestWarehouse, http: httpx.AsyncClient
) -> None:
    faults = {"duplicate_event_rate": 0.5, "reorder_events": True, "seed": 3}
    (await http.put("/_sandbox/faults", json=faults)).raise_for_status()
    opening = await gxo.inventory(UK_DAVENTRY)
    for n in range(6):
        await gxo.inject(order(f"F-{n}", [("GXO-100001", n + 1), ("GXO-100003", 2)]))
    await cycle(http)
    latest: dict[str, StockChange] = {}
    delivered: list[int] = []
    cursor = opening.cursor
    while True:
        page = await gxo.stock_changes(UK_DAVENTRY, cursor, 5)
        if not page.changes:
            break
        for change in page.changes:  # the consumer rule: highest sequence per item wins
            delivered.append(change.sequence)
            kept = latest.get(change.item_code)
            if kept is None or change.sequence > kept.sequence:
                latest[change.item_code] = change
        cursor = page.next_cursor
    assert len(delivered) > len(set(delivered))  # some repeated
    assert delivered != sorted(delivered)  # some out of order
    assert set(delivered) == set(range(1, cursor + 1))  # none lost
    levels = {lv.item_code: lv for lv in (await gxo.inventory(UK_DAVENTRY)).levels}
    assert {code: c.level() for code, c in latest.items()} == {
        code: levels[code] for code in latest
    }
