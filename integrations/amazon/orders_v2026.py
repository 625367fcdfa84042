"""Orders API v2026-01-01: searchOrders and getOrder, and the default OrdersReader over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from domain.order import ChannelOrder
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.normalise import change_from_v2026, order_from_v2026
from integrations.amazon.reader import DEFAULT_OVERLAP, ChangePage, Clock, open_window
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire import Json
from integrations.amazon.wire_time import clamp_before, format_utc, to_utc, utc_now

BASE = "/orders/2026-01-01/orders"
# Changes need status, channel and buyer-cancel requests; never personal data.
SEARCH_INCLUDED_DATA = ("FULFILLMENT", "CANCELLATION")
# The full order adds the recipient (ship-to). Lines, SKUs and unit prices are always present.
GET_INCLUDED_DATA = ("RECIPIENT", "FULFILLMENT", "CANCELLATION")
MAX_PAGE_SIZE = 100


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
        if not 1 <= max_results_per_page <= MAX_PAGE_SIZE:
            raise AmazonRequestRejected(operation, "maxResultsPerPage must be 1-100")
        before = None
        if last_updated_before is not None:
            before = clamp_before(last_updated_before, self._clock())
            if before < to_utc(last_updated_after):
                raise AmazonRequestRejected(
                    operation, "lastUpdatedBefore would precede lastUpdatedAfter"
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


class V2026OrdersReader:
    """The default reader. Searches only merchant-fulfilled orders: AFN never reaches GXO."""

    search_operation = Operation.SEARCH_ORDERS
    get_order_operation = Operation.GET_ORDER

    def __init__(
        self,
        api: OrdersV2026Api,
        account: str,
        marketplace_ids: Sequence[str],
        *,
        clock: Clock = utc_now,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self._api = api
        self._account = account
        self._marketplace_ids = list(marketplace_ids)
        self._clock = clock
        self._overlap = overlap
        self._page_size = page_size

    async def search_changes(self, since: datetime, page_token: str | None) -> ChangePage:
        window = open_window(since, page_token, self._clock(), self.search_operation)
        if window is None:
            return ChangePage(cursor=to_utc(since))
        body = await self._api.search_orders(
            marketplace_ids=self._marketplace_ids,
            last_updated_after=window.since,
            last_updated_before=window.before,
            max_results_per_page=self._page_size,
            pagination_token=window.amazon_token,
        )
        changes = [change_from_v2026(order, self._account) for order in body["orders"]]
        pagination = body.get("pagination")
        token = pagination.get("nextToken") if isinstance(pagination, dict) else None
        return window.page(changes, token if isinstance(token, str) else None, self._overlap)

    async def get_order(self, order_id: str) -> ChannelOrder:
        return order_from_v2026(await self._api.get_order(order_id), self._account)
