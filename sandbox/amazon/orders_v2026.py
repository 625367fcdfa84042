"""Orders API v2026-01-01 routes: searchOrders and getOrder, the default reader. Personal fields
need no Restricted Data Token here: they are released when the app holds the role."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from sandbox.amazon import render_v2026
from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.pagination import Cursor
from sandbox.amazon.params import csv, marketplaces, one, page_size
from sandbox.amazon.records import V2026_STATUS, FulfillmentChannel
from sandbox.amazon.search import OrderFilter, select, window
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from sandbox.amazon.usage_plans import GET_ORDER_2026, SEARCH_ORDERS

FULFILLMENT_STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
FULFILLED_BY = {"MERCHANT": FulfillmentChannel.MFN, "AMAZON": FulfillmentChannel.AFN}
WINDOW_NAMES = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")
_BY_V2026 = {name: status for status, name in V2026_STATUS.items()}


def _included(request: Request) -> list[str]:
    return csv(request, "includedData", render_v2026.INCLUDED_DATA) or []


def _first_page(sandbox: AmazonSandbox, request: Request, seller_id: str) -> Cursor:
    markets = marketplaces(request, "marketplaceIds", required=False)
    statuses = csv(request, "fulfillmentStatuses", FULFILLMENT_STATUSES)
    fulfilled_by = csv(request, "fulfilledBy", list(FULFILLED_BY))
    size = page_size(request, "maxResultsPerPage")
    c_after, c_before, u_after, u_before = (one(request, n) for n in WINDOW_NAMES)
    with sandbox.lock:
        span = window(WINDOW_NAMES, (c_after, c_before, u_after, u_before), sandbox.clock())
        order_filter = OrderFilter(
            window=span,
            statuses=frozenset(_BY_V2026[s] for s in statuses if s in _BY_V2026)
            if statuses is not None
            else None,
            channels=frozenset(FULFILLED_BY[f] for f in fulfilled_by) if fulfilled_by else None,
            marketplace_ids=frozenset(markets) if markets else None,
        )
        mine = [o for o in sandbox.orders.values() if o.seller_id == seller_id]
        bound = "createdBefore" if span.by_created else "lastUpdatedBefore"
        context = {bound: to_wire(span.before), "includedData": ",".join(_included(request))}
        return Cursor(select(mine, order_filter), 0, size, context)


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter(prefix="/orders/2026-01-01/orders")

    @api.get("")
    async def search_orders(
        request: Request, seller_id: str = Depends(operation(sandbox, SEARCH_ORDERS))
    ) -> Response:
        token = one(request, "paginationToken")
        if token is not None:
            with sandbox.lock:
                cursor = sandbox.pager.resume(token, sandbox.clock())
            if cursor is None:
                raise SpApiError(400, "Invalid paginationToken", token)
        else:
            cursor = _first_page(sandbox, request, seller_id)
        context = dict(cursor.context)
        data = [d for d in context.pop("includedData", "").split(",") if d]
        with sandbox.lock:
            ids, next_token = sandbox.pager.page(cursor, sandbox.clock())
            pii = sandbox.restricted.personal_data
            orders = [render_v2026.order(sandbox.orders[i], data, pii) for i in ids]
        body: dict[str, object] = {"orders": orders, **context}
        if next_token:
            body["pagination"] = {"nextToken": next_token}
        return JSONResponse(body)

    @api.get("/{order_id}")
    async def get_order(
        order_id: str,
        request: Request,
        seller_id: str = Depends(operation(sandbox, GET_ORDER_2026)),
    ) -> Response:
        data = _included(request)
        order = sandbox.get(order_id)
        if order is None or order.seller_id != seller_id:
            raise SpApiError(404, f"Order {order_id} was not found")
        with sandbox.lock:
            pii = sandbox.restricted.personal_data
            return JSONResponse({"order": render_v2026.order(order, data, pii)})

    return api
