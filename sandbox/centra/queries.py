"""Query resolvers: orders, events, rateLimits, warehouses, stock, and Order.shipments."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.centra import render
from sandbox.centra.catalogue import GTINS, WAREHOUSES
from sandbox.centra.context import context_of
from sandbox.centra.tokens import EVENT_READ, ORDER_READ, SHIPMENT_READ, STOCK_READ

MAX_LIMIT = 200


def orders(
    _root: object,
    info: GraphQLResolveInfo,
    where: dict[str, Any] | None = None,
    limit: int = 20,
    page: int = 1,
) -> list[dict[str, Any]]:
    ctx = context_of(info)
    ctx.require(ORDER_READ, "query orders")
    where = where or {}
    created = where.get("createdAt") or {}
    sandbox = ctx.sandbox
    with sandbox.lock:
        found = sandbox.query_orders(
            where.get("number"),
            where.get("status"),
            created.get("from"),
            created.get("to"),
            min(max(limit, 0), MAX_LIMIT),
            page,
        )
        return [render.order(o) for o in found]


def order_shipments(order: dict[str, Any], info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    context_of(info).require(SHIPMENT_READ, "query shipments")
    shipments: list[dict[str, Any]] = order["shipments"]
    return shipments


def events(
    _root: object,
    info: GraphQLResolveInfo,
    where: dict[str, Any] | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    ctx = context_of(info)
    ctx.require(EVENT_READ, "query events")
    where = where or {}
    with ctx.sandbox.lock:
        found = ctx.sandbox.events.pending(where.get("objectType"), where.get("changeType"), limit)
        rendered = [render.event(e) for e in found]
    return ctx.faults.shuffle_events(rendered)


def rate_limits(_root: object, info: GraphQLResolveInfo) -> list[dict[str, object]]:
    ctx = context_of(info)
    with ctx.sandbox.lock:
        return ctx.sandbox.limits.snapshot(ctx.token)


def warehouses(_root: object, info: GraphQLResolveInfo) -> list[dict[str, object]]:
    context_of(info).require(STOCK_READ, "query warehouses")
    return [{"id": w.id, "name": w.name} for w in WAREHOUSES.values()]


def stock(
    _root: object,
    info: GraphQLResolveInfo,
    warehouse: dict[str, int],
    SKUs: list[str] | None = None,
) -> list[dict[str, object]]:
    ctx = context_of(info)
    ctx.require(STOCK_READ, "query stock")
    with ctx.sandbox.lock:
        levels = ctx.sandbox.stock.levels
        return [
            {
                "SKU": sku,
                "GTIN": GTINS.get(sku),
                "physicalQuantity": level.physical,
                "freeToAllocateQuantity": level.free_to_allocate,
            }
            for (wid, sku), level in sorted(levels.items())
            if wid == warehouse["id"] and (SKUs is None or sku in SKUs)
        ]
