"""Orders API v2026-01-01: searchOrders and getOrder, and the default OrdersReader over them.

No Restricted Data Token here: Amazon releases the recipient's personal fields to an app holding
the Direct-to-Consumer Shipping (Restricted) role and silently leaves them out otherwise. An open
order read without them is refused as an authorisation failure naming the role, rather than
reaching planning as an address that merely looks incomplete."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from domain.order import ChannelOrder, ChannelOrderStatus, OrderChange
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonAccessDenied, AmazonBadResponse
from integrations.amazon.normalise import (
    change_from_v2026,
    order_from_v2026,
    v2026_personal_data_withheld,
)
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

BASE = "/orders/2026-01-01/orders"
# Changes need status, channel and buyer-cancel requests; never personal data.
SEARCH_INCLUDED_DATA = ("FULFILLMENT", "CANCELLATION")
# The full order adds the recipient (ship-to) and the proceeds (what the buyer is charged, for
# the settlement's comparison). Lines, SKUs and unit prices are always present.
GET_INCLUDED_DATA = ("RECIPIENT", "FULFILLMENT", "CANCELLATION", "PROCEEDS")
# Statuses in which the order still goes to the warehouse, so its address is needed.
NEEDS_ADDRESS = (ChannelOrderStatus.READY, ChannelOrderStatus.PARTIALLY_SHIPPED)


class OrdersV2026Api:
    """The two v2026 operations, one call each, returning Amazon's JSON."""

    def __init__(self, client: SpApiClient, *, clock: Clock = utc_now) -> None:
        self._client = client
        self._clock = clock

    async def search_orders(
        self,
        *,
        marketplace_ids: Sequence[str],
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        fulfilled_by: Sequence[str] = ("MERCHANT",),
        max_results_per_page: int = MAX_PAGE_SIZE,
        pagination_token: str | None = None,
        included_data: Sequence[str] = SEARCH_INCLUDED_DATA,
    ) -> Json:
        """One searchOrders page. lastUpdatedBefore, when sent, is clamped to Amazon's rule of
        at least two minutes before now."""
        operation = Operation.SEARCH_ORDERS
        before = search_bounds(
            operation, max_results_per_page, last_updated_after, last_updated_before, self._clock()
        )
        params: dict[str, Any] = {
            "lastUpdatedAfter": format_utc(last_updated_after),
            "lastUpdatedBefore": format_utc(before) if before else None,
            "marketplaceIds": list(marketplace_ids),
            "fulfilledBy": list(fulfilled_by),
            "maxResultsPerPage": max_results_per_page,
            "paginationToken": pagination_token,
            "includedData": list(included_data),
        }
        body = await self._client.request(operation, "GET", BASE, params=params)
        if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
            raise AmazonBadResponse(operation, "searchOrders response has no orders list")
        return body

    async def get_order(
        self, order_id: str, included_data: Sequence[str] = GET_INCLUDED_DATA
    ) -> Json:
        """The `order` object of getOrder."""
        operation = Operation.GET_ORDER
        path = f"{BASE}/{quote(order_id, safe='')}"
        params = {"includedData": list(included_data)}
        body = await self._client.request(operation, "GET", path, params=params)
        order = body.get("order") if isinstance(body, dict) else None
        if not isinstance(order, dict):
            raise AmazonBadResponse(operation, f"order {order_id}: response has no order")
        if order.get("orderId") != order_id:
            raise AmazonBadResponse(operation, f"order {order_id}: response is another order")
        return order


class V2026OrdersReader(WindowedReader[OrdersV2026Api]):
    """The default reader. Searches only merchant-fulfilled orders: AFN never reaches GXO."""

    search_operation = Operation.SEARCH_ORDERS
    get_order_operation = Operation.GET_ORDER
    order_id_key = "orderId"
    status_fields = frozenset({"fulfillmentStatus"})

    async def _fetch(self, window: ScanWindow) -> tuple[list[Any], str | None]:
        body = await self.api.search_orders(
            marketplace_ids=self.marketplace_ids,
            last_updated_after=window.since,
            last_updated_before=window.sent_before,
            max_results_per_page=self.page_size,
            pagination_token=window.amazon_token,
        )
        pagination = body.get("pagination")
        token = pagination.get("nextToken") if isinstance(pagination, dict) else None
        return body["orders"], token if isinstance(token, str) and token else None

    def _read(self, order: Json) -> OrderChange:
        return change_from_v2026(order, self.account)

    async def get_order(self, order_id: str) -> ChannelOrder:
        wire = await self.api.get_order(order_id)
        order = order_from_v2026(wire, self.account)
        if order.status in NEEDS_ADDRESS and v2026_personal_data_withheld(wire):
            raise AmazonAccessDenied(
                Operation.GET_ORDER,
                f"order {order_id}: Amazon withheld the delivery address's personal fields "
                "(name, address lines, postal code, phone); the app needs the "
                "Direct-to-Consumer Shipping (Restricted) role",
            )
        return order
