"""Orders API v0 routes: getOrders, getOrder, getOrderItems, getOrderAddress, getOrderBuyerInfo
and confirmShipment (the one v0 operation that is not deprecated). Restricted fields appear only
for a Restricted Data Token that unlocks them (restricted.py)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from sandbox.amazon import guard, render_v0
from sandbox.amazon.errors import SpApiError
from sandbox.amazon.guard import operation
from sandbox.amazon.pagination import Cursor
from sandbox.amazon.params import csv, marketplaces, one, page_size
from sandbox.amazon.records import FulfillmentChannel, OrderStatus, SandboxOrder
from sandbox.amazon.restricted import BUYER_INFO, SHIPPING_ADDRESS
from sandbox.amazon.search import OrderFilter, select, window
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from sandbox.amazon.usage_plans import (
    CONFIRM_SHIPMENT,
    GET_ORDER_ADDRESS,
    GET_ORDER_BUYER_INFO,
    GET_ORDER_ITEMS,
    GET_ORDER_V0,
    GET_ORDERS,
)

V0_STATUSES = (
    *(s.value for s in OrderStatus),
    "Unfulfillable",
    "InvoiceUnconfirmed",
    "PendingAvailability",
)
WINDOW_NAMES = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")


def _statuses(values: list[str] | None) -> frozenset[OrderStatus] | None:
    """Statuses the sandbox never produces (e.g. InvoiceUnconfirmed) simply match nothing."""
    if values is None:
        return None
    known = {s.value: s for s in OrderStatus}
    return frozenset(known[v] for v in values if v in known)


def _first_page(sandbox: AmazonSandbox, request: Request, seller_id: str) -> Cursor:
    markets = frozenset(marketplaces(request, "MarketplaceIds", required=True) or ())
    size = page_size(request, "MaxResultsPerPage")
    wanted_ids = csv(request, "AmazonOrderIds")
    with sandbox.lock:
        mine = [o for o in sandbox.orders.values() if o.seller_id == seller_id]
        if wanted_ids:
            ids = [i for i in wanted_ids if any(o.order_id == i for o in mine)]
            return Cursor(ids, 0, size)
        c_after, c_before, u_after, u_before = (one(request, n) for n in WINDOW_NAMES)
        span = window(WINDOW_NAMES, (c_after, c_before, u_after, u_before), sandbox.clock())
        channels = csv(request, "FulfillmentChannels", [c.value for c in FulfillmentChannel])
        order_filter = OrderFilter(
            window=span,
            statuses=_statuses(csv(request, "OrderStatuses", V0_STATUSES)),
            channels=frozenset(FulfillmentChannel(c) for c in channels) if channels else None,
            marketplace_ids=markets,
        )
        bound = "CreatedBefore" if span.by_created else "LastUpdatedBefore"
        return Cursor(select(mine, order_filter), 0, size, {bound: to_wire(span.before)})


def _order(sandbox: AmazonSandbox, order_id: str, seller_id: str) -> SandboxOrder:
    order = sandbox.get(order_id)
    if order is None or order.seller_id != seller_id:
        raise SpApiError(404, f"Order {order_id} was not found")
    return order


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter(prefix="/orders/v0/orders")

    @api.get("")
    async def get_orders(
        request: Request, seller_id: str = Depends(operation(sandbox, GET_ORDERS))
    ) -> Response:
        token = one(request, "NextToken")
        if token is not None:
            marketplaces(request, "MarketplaceIds", required=True)
            with sandbox.lock:
                cursor = sandbox.pager.resume(token, sandbox.clock())
            if cursor is None:
                raise SpApiError(400, "Invalid NextToken", token)
        else:
            cursor = _first_page(sandbox, request, seller_id)
        unlocked = guard.unlocked(request)
        with sandbox.lock:
            ids, next_token = sandbox.pager.page(cursor, sandbox.clock())
            orders = [render_v0.order(sandbox.orders[i], unlocked) for i in ids]
        payload: dict[str, object] = {"Orders": orders, **cursor.context}
        if next_token:
            payload["NextToken"] = next_token
        return JSONResponse({"payload": payload})

    @api.get("/{order_id}")
    async def get_order(
        order_id: str, request: Request, seller_id: str = Depends(operation(sandbox, GET_ORDER_V0))
    ) -> Response:
        with sandbox.lock:
            order = _order(sandbox, order_id, seller_id)
            return JSONResponse({"payload": render_v0.order(order, guard.unlocked(request))})

    @api.get("/{order_id}/orderItems")
    async def get_order_items(
        order_id: str, seller_id: str = Depends(operation(sandbox, GET_ORDER_ITEMS))
    ) -> Response:
        with sandbox.lock:
            order = _order(sandbox, order_id, seller_id)
            return JSONResponse({"payload": render_v0.order_items(order)})

    @api.get("/{order_id}/address")
    async def get_order_address(
        order_id: str,
        request: Request,
        seller_id: str = Depends(operation(sandbox, GET_ORDER_ADDRESS)),
    ) -> Response:
        """Without an RDT the restricted fields are left out, as the model marks them."""
        with sandbox.lock:
            order = _order(sandbox, order_id, seller_id)
            full = SHIPPING_ADDRESS in guard.unlocked(request)
            return JSONResponse({"payload": render_v0.order_address(order, full)})

    @api.get("/{order_id}/buyerInfo")
    async def get_order_buyer_info(
        order_id: str,
        request: Request,
        seller_id: str = Depends(operation(sandbox, GET_ORDER_BUYER_INFO)),
    ) -> Response:
        with sandbox.lock:
            order = _order(sandbox, order_id, seller_id)
            full = BUYER_INFO in guard.unlocked(request)
            return JSONResponse({"payload": render_v0.order_buyer_info(order, full)})

    @api.post("/{order_id}/shipmentConfirmation")
    async def confirm_shipment(
        order_id: str,
        request: Request,
        seller_id: str = Depends(operation(sandbox, CONFIRM_SHIPMENT)),
    ) -> Response:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError as exc:
            raise SpApiError(400, "The request body is not valid JSON") from exc
        _order(sandbox, order_id, seller_id)
        sandbox.confirm_shipment(order_id, body)
        return Response(status_code=204)

    return api
