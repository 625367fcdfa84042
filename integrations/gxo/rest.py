"""REST/JSON transport of the warehouse port (docs/gxo-interface.md). Bodies are the wire
models of integrations/gxo/wire.py; integrations/gxo/mapping.py turns them into domain models."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from domain.inventory import InventorySnapshot, StockChangePage
from domain.limits import IntakeLimits
from domain.products import ItemRecord, ItemState
from domain.returns import NoticeResult, ReturnNotice
from domain.warehouse import (
    CancelOutcome,
    EventPage,
    InjectionResult,
    Rejection,
    WarehouseOrder,
    WarehouseOrderState,
)
from integrations.gxo import mapping, records, wire
from integrations.gxo.errors import (
    WarehouseAuthFailed,
    WarehouseBadResponse,
    WarehouseRejected,
    WarehouseRequestError,
    WarehouseUnavailable,
)

DEFAULT_TIMEOUT_SECONDS = 15.0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds GXO asked for, when they are a usable delay (not NaN, infinite or negative)."""
    value = response.headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _error(response: httpx.Response) -> dict[str, Any]:
    """The `error` object of a GXO error body, or {} when the body is not one (proxy pages)."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _rejection(response: httpx.Response) -> Rejection | None:
    """The business rejection carried by a 422, if the body has a valid one."""
    try:
        return mapping.rejection(wire.Rejection.model_validate(_error(response).get("rejection")))
    except (ValidationError, ValueError):
        return None


def _describe(response: httpx.Response, operation: str) -> str:
    error = _error(response)
    reason = error.get("reason", "UNKNOWN")
    message = error.get("message", "")
    return f"GXO {operation}: HTTP {response.status_code} {reason} {message}".rstrip()


W = TypeVar("W", bound=BaseModel)
M = TypeVar("M")


class RestWarehouse:
    """The warehouse port over HTTPS with an API key. Pass `http` to share a client (tests
    pass one bound to the sandbox's ASGI app); otherwise one is created and owned here."""

    def __init__(
        self,
        base_url: str,
        api_key: str | SecretStr,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_parcels_per_dispatch: int = IntakeLimits().max_parcels_per_dispatch,
        channels: Collection[str] | None = None,
    ) -> None:
        """`channels`: the channel names consign runs; a record naming another is set aside
        (None, in tests: any name)."""
        self._base_url = base_url.rstrip("/")
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self._headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._max_parcels = max_parcels_per_dispatch
        self._channels = channels

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> RestWarehouse:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        json: Any = None,
        params: dict[str, int] | None = None,
    ) -> httpx.Response:
        """One request; transport failures, 5xx and 429 become WarehouseUnavailable."""
        try:
            response = await self._http.request(
                method, self._base_url + path, json=json, params=params, headers=self._headers
            )
        except httpx.TimeoutException as exc:
            raise WarehouseUnavailable(
                f"GXO {operation}: timed out ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise WarehouseUnavailable(f"GXO {operation}: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise WarehouseUnavailable(
                _describe(response, operation), response.status_code, _retry_after(response)
            )
        if response.status_code in (401, 403):
            raise WarehouseAuthFailed(
                f"{_describe(response, operation)}: GXO refused the API key (GXO_API_KEY)",
                response.status_code,
            )
        return response

    @staticmethod
    def _read(read: Callable[[Any], M], response: httpx.Response, operation: str) -> M:
        """The JSON body read into its domain model; anything else is contract drift."""
        try:
            return read(response.json())
        except (ValueError, ValidationError, RecursionError) as exc:
            raise WarehouseBadResponse(
                f"GXO {operation}: response does not match the contract", response.status_code
            ) from exc

    @classmethod
    def _parse(
        cls, model: type[W], to_domain: Callable[[W], M], response: httpx.Response, operation: str
    ) -> M:
        """The wire body validated as a whole, then read into its domain model."""
        return cls._read(lambda body: to_domain(model.model_validate(body)), response, operation)

    async def inject(self, order: WarehouseOrder) -> InjectionResult:
        try:
            body = mapping.order_request(order).model_dump(mode="json")
        except ValidationError as exc:
            # Field names only: the values may be the buyer's address.
            fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
            raise WarehouseRequestError(
                f"GXO inject: the order does not fit the contract ({', '.join(fields)})"
            ) from exc
        response = await self._send("POST", "/v1/orders", "inject", json=body)
        if response.status_code in (200, 201):
            return self._parse(wire.OrderAccepted, mapping.injection_result, response, "inject")
        if response.status_code == 422:
            rejection = _rejection(response)
            if rejection is not None:
                raise WarehouseRejected(rejection)
        raise WarehouseRequestError(_describe(response, "inject"), response.status_code)

    async def cancel(self, facility_id: str, reference: str) -> CancelOutcome:
        path = f"/v1/facilities/{quote(facility_id, safe='')}/orders/{quote(reference, safe='')}"
        response = await self._send("POST", path + "/cancel", "cancel")
        if response.status_code in (200, 404, 409):
            try:
                return mapping.cancel_outcome(wire.CancelResult.model_validate(response.json()))
            except (ValueError, ValidationError):
                pass  # a 404 for an unknown facility is an error body, not an outcome
        raise WarehouseRequestError(_describe(response, "cancel"), response.status_code)

    async def get_order(self, facility_id: str, reference: str) -> WarehouseOrderState | None:
        path = f"/v1/facilities/{quote(facility_id, safe='')}/orders/{quote(reference, safe='')}"
        response = await self._send("GET", path, "get_order")
        if response.status_code == 200:
            return self._parse(wire.OrderState, mapping.order_state, response, "get_order")
        if response.status_code == 404 and _error(response).get("reason") == "ORDER_NOT_FOUND":
            return None
        raise WarehouseRequestError(_describe(response, "get_order"), response.status_code)

    def _item_path(self, facility_id: str, item_code: str) -> str:
        return f"/v1/facilities/{quote(facility_id, safe='')}/items/{quote(item_code, safe='')}"

    async def put_item(self, record: ItemRecord) -> ItemState:
        try:
            body = mapping.item_request(record).model_dump(mode="json")
        except ValidationError as exc:
            fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
            raise WarehouseRequestError(
                f"GXO put_item: the item does not fit the contract ({', '.join(fields)})"
            ) from exc
        path = self._item_path(record.facility_id, record.item_code)
        response = await self._send("PUT", path, "put_item", json=body)
        if response.status_code in (200, 202):
            return self._parse(wire.ItemState, mapping.item_state, response, "put_item")
        if response.status_code == 422:
            rejection = _rejection(response)
            if rejection is not None:
                raise WarehouseRejected(rejection)
        raise WarehouseRequestError(_describe(response, "put_item"), response.status_code)

    async def get_item(self, facility_id: str, item_code: str) -> ItemState | None:
        response = await self._send("GET", self._item_path(facility_id, item_code), "get_item")
        if response.status_code == 200:
            return self._parse(wire.ItemState, mapping.item_state, response, "get_item")
        if response.status_code == 404 and _error(response).get("reason") == "ITEM_NOT_FOUND":
            return None
        raise WarehouseRequestError(_describe(response, "get_item"), response.status_code)

    async def notify_return(self, notice: ReturnNotice) -> NoticeResult:
        """POST /v1/returns (180): 201 new, 200 duplicate; anything else is permanent."""
        try:
            body = mapping.return_notice_request(notice).model_dump(mode="json")
        except ValidationError as exc:
            fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
            raise WarehouseRequestError(
                f"GXO notify_return: the notice does not fit the contract ({', '.join(fields)})"
            ) from exc
        response = await self._send("POST", "/v1/returns", "notify_return", json=body)
        if response.status_code in (200, 201):
            return self._parse(
                wire.ReturnNoticeAccepted, mapping.notice_result, response, "notify_return"
            )
        raise WarehouseRequestError(_describe(response, "notify_return"), response.status_code)

    async def events_since(self, facility_id: str, cursor: int, limit: int) -> EventPage:
        """Events by cursor; an event that does not fit the contract, or a dispatch with more
        parcels than the limit, comes back in `set_aside` instead of stopping the page."""
        params = {"cursor": cursor, "limit": limit}
        max_parcels = self._max_parcels

        def read(body: Any) -> EventPage:
            return records.event_page(body, facility_id, max_parcels, self._channels)

        return await self._facility_get(facility_id, "events", read, params)

    async def inventory(self, facility_id: str) -> InventorySnapshot:
        def read(body: Any) -> InventorySnapshot:
            return records.inventory_snapshot(body, facility_id)

        return await self._facility_get(facility_id, "inventory", read)

    async def stock_changes(self, facility_id: str, cursor: int, limit: int) -> StockChangePage:
        def read(body: Any) -> StockChangePage:
            return records.stock_change_page(body, facility_id, self._channels)

        params = {"cursor": cursor, "limit": limit}
        return await self._facility_get(facility_id, "stock-changes", read, params)

    async def _facility_get(
        self,
        facility_id: str,
        resource: str,
        read: Callable[[Any], M],
        params: dict[str, int] | None = None,
    ) -> M:
        """GET /v1/facilities/{f}/{resource}: the page on 200, a permanent error otherwise
        (transient failures are raised by _send)."""
        operation = resource.replace("-", "_")
        path = f"/v1/facilities/{quote(facility_id, safe='')}/{resource}"
        response = await self._send("GET", path, operation, params=params)
        if response.status_code == 200:
            return self._read(read, response, operation)
        raise WarehouseRequestError(_describe(response, operation), response.status_code)
