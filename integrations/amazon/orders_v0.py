"""Orders API v0 reads: getOrders, getOrder, getOrderItems, getOrderAddress, and the fallback
OrdersReader over them. getOrderAddress is a restricted operation: it is called with a Restricted
Data Token (rdt.py), without which Amazon leaves out the name, address lines and phone.

Deprecated by Amazon: v0 read operations are removed on 2027-03-27. Use the v2026-01-01 reader
(settings orders_reader "v2026", the default); this one exists for accounts or regions where the
new API misbehaves until then. confirmShipment stays in v0 and lives in shipments.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from domain.order import ChannelOrder, OrderChange
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.normalise import change_from_v0, order_from_v0
from integrations.amazon.rdt import ORDER_ADDRESS, RestrictedDataTokens
from integrations.amazon.reader import (
    MAX_PAGE_SIZE,
    Clock,
    ScanWindow,
    WindowedReader,
    search_bounds,
)
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire import Json
from integrations.amazon.wire_time import format_utc, utc_now

BASE = "/orders/v0/orders"
# Amazon returns a shipping address only once payment has cleared.
ADDRESS_STATUSES = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})


def _order_path(order_id: str, suffix: str = "") -> str:
    return f"{BASE}/{quote(order_id, safe='')}{suffix}"


def _payload(body: Any, operation: str, what: str) -> Json:
    payload = body.get("payload") if isinstance(body, dict) else None
    if not isinstance(payload, dict):
        raise AmazonBadResponse(operation, f"{what}: response has no payload")
    return payload


def _next_token(payload: Json) -> str | None:
    token = payload.get("NextToken")
    return token if isinstance(token, str) and token else None


class OrdersV0Api:
    """The four v0 read operations, returning Amazon's payload objects."""

    def __init__(
        self, client: SpApiClient, rdt: RestrictedDataTokens, *, clock: Clock = utc_now
    ) -> None:
        self._client = client
        self._rdt = rdt
        self._clock = clock

    async def get_orders(
        self,
        *,
        marketplace_ids: Sequence[str],
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        fulfillment_channels: Sequence[str] = ("MFN",),
        max_results_per_page: int = MAX_PAGE_SIZE,
        next_token: str | None = None,
    ) -> Json:
        """One getOrders page. LastUpdatedBefore, when sent, must be at least two minutes
        before now or Amazon rejects the call: it is clamped here, client-side."""
        operation = Operation.V0_GET_ORDERS
        before = search_bounds(
            operation, max_results_per_page, last_updated_after, last_updated_before, self._clock()
        )
        params: dict[str, Any] = {
            "MarketplaceIds": list(marketplace_ids),
            "FulfillmentChannels": list(fulfillment_channels),
            "LastUpdatedAfter": format_utc(last_updated_after),
            "LastUpdatedBefore": format_utc(before) if before else None,
            "MaxResultsPerPage": max_results_per_page,
            "NextToken": next_token,
        }
        body = await self._client.request(operation, "GET", BASE, params=params)
        payload = _payload(body, operation, "getOrders")
        if not isinstance(payload.get("Orders"), list):
            raise AmazonBadResponse(operation, "getOrders payload has no Orders list")
        return payload

    async def get_order(self, order_id: str) -> Json:
        operation = Operation.V0_GET_ORDER
        body = await self._client.request(operation, "GET", _order_path(order_id))
        payload = _payload(body, operation, f"order {order_id}")
        if payload.get("AmazonOrderId") != order_id:
            raise AmazonBadResponse(operation, f"order {order_id}: response is another order")
        return payload

    async def get_order_items(self, order_id: str) -> list[Json]:
        """Every item of the order, following NextToken until the last page."""
        operation = Operation.V0_GET_ORDER_ITEMS
        items: list[Json] = []
        token: str | None = None
        while True:
            body = await self._client.request(
                operation, "GET", _order_path(order_id, "/orderItems"), params={"NextToken": token}
            )
            payload = _payload(body, operation, f"order {order_id}")
            page = payload.get("OrderItems")
            if not isinstance(page, list):
                raise AmazonBadResponse(operation, f"order {order_id}: no OrderItems list")
            items.extend(page)
            token = _next_token(payload)
            if token is None:
                return items

    async def get_order_address(self, order_id: str) -> Json:
        """With the RDT for getOrderAddress (any order), so the restricted fields come too."""
        operation = Operation.V0_GET_ORDER_ADDRESS
        path = _order_path(order_id, "/address")
        rdt = self._rdt.source(ORDER_ADDRESS)
        body = await self._client.request(operation, "GET", path, tokens=rdt)
        return _payload(body, operation, f"order {order_id}")


class V0OrdersReader(WindowedReader[OrdersV0Api]):
    """The fallback reader (deprecated API, removal 2027-03-27). Searches MFN orders only."""

    search_operation = Operation.V0_GET_ORDERS
    get_order_operation = Operation.V0_GET_ORDER
    order_id_key = "AmazonOrderId"
    status_fields = frozenset({"OrderStatus"})

    async def _fetch(self, window: ScanWindow) -> tuple[list[Any], str | None]:
        payload = await self.api.get_orders(
            marketplace_ids=self.marketplace_ids,
            last_updated_after=window.since,
            last_updated_before=window.sent_before,
            max_results_per_page=self.page_size,
            next_token=window.amazon_token,
        )
        return payload["Orders"], _next_token(payload)

    def _read(self, order: Json) -> OrderChange:
        return change_from_v0(order, self.account)

    async def get_order(self, order_id: str) -> ChannelOrder:
        """getOrder, then every item page, then the address once Amazon will release it."""
        order = await self.api.get_order(order_id)
        items = await self.api.get_order_items(order_id)
        address = None
        if order.get("OrderStatus") in ADDRESS_STATUSES:
            address = await self.api.get_order_address(order_id)
        return order_from_v0(order, items, address, self.account)
