"""Query resolvers for the documented root fields the sandbox simulates. Each checks the token's
permission for the root field; nested permissions are checked by the rendered fields."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.centra import filters, render
from sandbox.centra.catalogue import CURRENCIES
from sandbox.centra.context import context_of
from sandbox.centra.tokens import (
    EVENT_READ,
    ORDER_READ,
    PAYMENT_HISTORY_READ,
    PRODUCT_READ,
    RETURN_READ,
    SHIPMENT_READ,
    WAREHOUSE_READ,
)

Json = dict[str, Any]
Where = filters.Where | None


def orders(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(ORDER_READ, "query orders")
    found = ctx.sandbox.query_orders(where or {})
    if sort and sort[0] == "id_DESC":
        found.reverse()
    return [render.order(o) for o in filters.page(found, limit, page)]


def shipments(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(SHIPMENT_READ, "query shipments")
    w = where or {}
    found = [
        (o, s)
        for o, s in ctx.sandbox.all_shipments()
        if filters.one_of(w, "id", s.id)
        and filters.one_of(w, "number", s.number)
        and filters.one_of(w, "orderId", o.id)
        and filters.one_of(w, "trackingNumber", (s.shipment_info or {}).get("trackingNumber"))
        and filters.flag(w, "isShipped", s.is_shipped)
        and filters.flag(w, "isPaid", s.is_paid)
        and filters.flag(w, "isCaptured", s.captured)
        and filters.flag(w, "isGoodToGo", s.is_good_to_go)
        and filters.in_range(w, "createdAt", s.created_at)
        and filters.in_range(w, "updatedAt", s.updated_at)
        and filters.in_range(w, "shippedAt", s.shipped_at)
    ]
    if sort and sort[0] == "id_DESC":
        found.reverse()
    return [render.shipment(o, s) for o, s in filters.page(found, limit, page)]


def returns(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(RETURN_READ, "query returns")
    w = where or {}
    sandbox = ctx.sandbox
    found = [
        r
        for r in sorted(sandbox.returns.values(), key=lambda r: r.id)
        if filters.one_of(w, "id", r.id)
        and filters.one_of(w, "orderNumber", r.order_number)
        and filters.one_of(w, "shipmentId", r.shipment_id)
        and filters.one_of(w, "returnStatus", "COMPLETED" if r.completed else "PENDING")
        and filters.in_range(w, "createdAt", r.created_at)
    ]
    return [
        render.return_(sandbox.order(r.order_number), r) for r in filters.page(found, limit, page)
    ]


def products(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(PRODUCT_READ, "query products")
    w = where or {}
    found = [
        p
        for p in sorted(ctx.sandbox.catalogue.products.values(), key=lambda p: p.id)
        if filters.one_of(w, "status", p.status) and filters.matches(w, "name", p.name)
    ]
    return [render.product(p) for p in filters.page(found, limit, page)]


def product(_root: object, info: GraphQLResolveInfo, id: int) -> Json | None:
    ctx = context_of(info)
    ctx.require(PRODUCT_READ, "query products")
    found = ctx.sandbox.catalogue.products.get(id)
    return render.product(found) if found else None


def product_variant(_root: object, info: GraphQLResolveInfo, id: int) -> Json | None:
    ctx = context_of(info)
    ctx.require(PRODUCT_READ, "query product variants")
    found = ctx.sandbox.catalogue.variants.get(id)
    return render.variant(found) if found else None


def product_sizes(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(PRODUCT_READ, "query product sizes")
    w = where or {}
    found = [
        s
        for s in sorted(ctx.sandbox.catalogue.sizes.values(), key=lambda s: s.id)
        if filters.one_of(w, "id", s.id)
        and filters.matches(w, "SKU", s.sku)
        and filters.matches(w, "EAN", s.gtin)
        and filters.matches(w, "sizeNumber", s.size_number)
        and filters.matches(w, "description", s.description)
        and (w.get("search") is None or w["search"] in (s.sku, s.gtin))
    ]
    return [render.size(s) for s in filters.page(found, limit, page)]


def warehouses(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(WAREHOUSE_READ, "query warehouses")
    w = where or {}
    found = [
        x
        for x in sorted(ctx.sandbox.catalogue.warehouses.values(), key=lambda x: x.id)
        if filters.matches(w, "name", x.name)
    ]
    return [render.warehouse(x) for x in filters.page(found, limit, page)]


def currencies(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    w = where or {}
    return [render.currency(c) for c in CURRENCIES.values() if filters.flag(w, "isBase", c.is_base)]


def events(
    _root: object, info: GraphQLResolveInfo, where: Where = None, limit: int | None = None
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(EVENT_READ, "query events")
    w = where or {}
    found = ctx.sandbox.events.pending(
        w.get("objectType"),
        w.get("changeType"),
        w.get("storeId"),
        filters.DEFAULT_LIMIT if limit is None else min(limit, filters.MAX_LIMIT),
    )
    return ctx.faults.shuffle_events([render.event(e) for e in found])


def event_listeners(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    ctx = context_of(info)
    ctx.require(EVENT_READ, "query event listeners")
    queue = ctx.sandbox.events
    w = where or {}
    return [
        render.listener(
            queue.integration, x.object_type, x.change_types, x.created_at, x.updated_at
        )
        for x in queue.listeners.values()
        if filters.one_of(w, "objectType", x.object_type)
    ]


def order_payment_history(
    _root: object,
    info: GraphQLResolveInfo,
    where: Where = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(PAYMENT_HISTORY_READ, "query payment history")
    w = where or {}
    found = [
        (o, e)
        for o in ctx.sandbox.orders.values()
        for e in o.payments
        if filters.one_of(w, "orderId", o.id)
        and filters.one_of(w, "id", e.id)
        and filters.one_of(w, "entryType", e.entry_type)
        and filters.one_of(w, "status", e.status)
    ]
    found.sort(key=lambda pair: pair[1].id)
    return [render.payment(o, e) for o, e in filters.page(found, limit, page)]


def rate_limits(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    """Needs no permission, but is itself rate limited (it was charged before running)."""
    ctx = context_of(info)
    w = where or {}
    return ctx.sandbox.limits.snapshot(ctx.token, w.get("type"), w.get("intervalSeconds"))


def counters(_root: object, info: GraphQLResolveInfo) -> Json:
    def count_products(info: GraphQLResolveInfo, where: Where = None, **_: Any) -> int:
        return len(products(None, info, where, limit=filters.MAX_LIMIT))

    def count_orders(info: GraphQLResolveInfo, where: Where = None, **_: Any) -> int:
        context_of(info).require(ORDER_READ, "count orders")
        return len(context_of(info).sandbox.query_orders(where or {}))

    return {"products": count_products, "orders": count_orders}
