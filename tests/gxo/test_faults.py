"""Transport failures are transient (WarehouseUnavailable); the sandbox speaks GXO error bodies."""

from __future__ import annotations

import httpx
import pytest

from integrations.gxo.errors import WarehouseUnavailable
from integrations.gxo.rest import RestWarehouse
from sandbox.faults import FaultConfig
from sandbox.gxo.app import DEFAULT_API_KEY, create_app
from sandbox.gxo.catalogue import UK_DAVENTRY
from sandbox.server import ServerThread, free_port
from tests.gxo.builders import order


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ({"error_rate": 1.0}, 503, "SERVICE_UNAVAILABLE"),
        ({"throttle_rate": 1.0}, 429, "RATE_LIMITED"),
        ({"timeout_rate": 1.0, "timeout_seconds": 0.0}, 504, "GATEWAY_TIMEOUT"),
    ],
)
async def test_faults_are_transient(
    gxo: RestWarehouse, http: httpx.AsyncClient, fault: dict[str, object], status: int, reason: str
) -> None:
    (await http.put("/_sandbox/faults", json=fault)).raise_for_status()
    with pytest.raises(WarehouseUnavailable) as caught:
        await gxo.inject(order("F-1"))
    assert caught.value.transient is True
    assert caught.value.status == status
    assert reason in str(caught.value)
    if status == 429:
        assert caught.value.retry_after == 1.0
    (await http.put("/_sandbox/faults", json={})).raise_for_status()
    injections = (await http.get("/_sandbox/injections")).json()
    assert "F-1" not in injections  # the fault answered before the warehouse saw the order


async def test_client_timeout_is_transient() -> None:
    faults = FaultConfig(timeout_rate=1.0, timeout_seconds=0.5)
    with ServerThread(create_app(faults=faults)) as server:
        async with RestWarehouse(server.url, DEFAULT_API_KEY, timeout=0.2) as gxo:
            with pytest.raises(WarehouseUnavailable) as caught:
                await gxo.events_since(UK_DAVENTRY, 0, 10)
    assert caught.value.transient and "timed out" in str(caught.value)


async def test_connection_refused_is_transient() -> None:
    async with RestWarehouse(f"http://127.0.0.1:{free_port()}", DEFAULT_API_KEY) as gxo:
        with pytest.raises(WarehouseUnavailable) as caught:
            await gxo.get_order(UK_DAVENTRY, "A-1")
    assert caught.value.transient is True
    assert caught.value.status is None


async def test_garbled_success_body_is_a_permanent_contract_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"unexpected": True})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        gxo = RestWarehouse("http://gxo.test", "key", http=http)
        with pytest.raises(Exception) as caught:
            await gxo.events_since(UK_DAVENTRY, 0, 10)
    assert getattr(caught.value, "transient", None) is False
    assert "contract" in str(caught.value)


async def test_proxy_html_500_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        gxo = RestWarehouse("http://gxo.test", "key", http=http)
        with pytest.raises(WarehouseUnavailable) as caught:
            await gxo.cancel(UK_DAVENTRY, "A-1")
    assert caught.value.status == 502
