"""Query resolvers for the documented root fields the sandbox simulates. Each checks the token's
permission for the root field; nested permissions are checked by the rendered fields. The list
fields share one shape (`where`, `sort`, `limit`, `page`): `listing` builds them from what they
list, how `where` matches, and how an item renders."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import GraphQLResolveInfo

from sandbox.centra import filters, render
from sandbox.centra.catalogue import CURRENCIES, Product, Size, Warehouse
from sandbox.centra.context import context_of
from sandbox.centra.records import Order, PaymentEntry, Return, Shipment
from sandbox.centra.tokens import (
    EVENT_READ,
    ORDER_READ,
    PAYMENT_HISTORY_READ,
    PRODUCT_READ,
    RETURN_READ,
    SHIPMENT_READ,
    WAREHOUSE_READ,
)

if TYPE_CHECKING:
    from sandbox.centra.state import CentraSandbox

Json = dict[str, Any]
Where = filters.Where | None
T = TypeVar("T")


def listing(
    permission: str,
    action: str,
    items: Callable[[CentraSandbox, filters.Where], Iterable[T]],
    draw: Callable[[CentraSandbox, T], Json],
) -> Callable[..., list[Json]]:
    """A root list field: `items` yields what matches `where`, in id order; `id_DESC`
    reverses it; `limit`/`page` page it."""

    def resolve(
        _root: object,
        info: GraphQLResolveInfo,
        where: Where = None,
        sort: list[str] | None = None,
        limit: int | None = None,
        page: int | None = None,
    ) -> list[Json]:
        ctx = context_of(info)
        ctx.require(permission, action)
        found = list(items(ctx.sandbox, where or {}))
        if sort and sort[0] == "id_DESC":
            found.reverse()
        elif sort and sort[0] == "updatedAt_DESC":  # newest change first, ties by id
            found.sort(key=lambda item: getattr(item, "updated_at", None) or 0, reverse=True)
        return [draw(ctx.sandbox, item) for item in filters.page(found, limit, page)]

    return resolve


def _shipments(sandbox: CentraSandbox, w: filters.Where) -> Iterable[tuple[Order, Shipment]]:
    return (
        (o, s)
        for o, s in sandbox.all_shipments()
        if filters.one_of(w, "id", s.id)
        and filters.one_of(w, "number", s.number)
        and filters.one_of(w, "orderId", o.id)
        and filters.one_of(w, "trackingNumber", (s.shipment_info or {}).get("trackingNumber"))
        and filters.flag(w, "isShipped", s.is_shipped)
        and filters.flag(w, "isPaid", s.is_paid)
        and filters.flag(w, "isCaptured", s.captured)
        and filters.flag(w, "isGoodToGo", s.is_good_to_go)
        and filters.within(w, "createdAt", s.created_at)
        and filters.within(w, "updatedAt", s.updated_at)
        and filters.within(w, "shippedAt", s.shipped_at)
    )


def _returns(sandbox: CentraSandbox, w: filters.Where) -> Iterable[Return]:
    return (
        r
        for r in sorted(sandbox.returns.values(), key=lambda r: r.id)
        if filters.one_of(w, "id", r.id)
        and filters.one_of(w, "orderNumber", r.order_number)
        and filters.one_of(w, "shipmentId", r.shipment_id)
        and filters.one_of(w, "returnStatus", "COMPLETED" if r.completed else "PENDING")
        and filters.within(w, "createdAt", r.created_at)
    )


def _products(sandbox: CentraSandbox, w: filters.Where) -> Iterable[Product]:
    return (
        p
        for p in sorted(sandbox.catalogue.products.values(), key=lambda p: p.id)
        if filters.one_of(w, "status", p.status) and filters.matches(w, "name", p.name)
    )


def _sizes(sandbox: CentraSandbox, w: filters.Where) -> Iterable[Size]:
    return (
        s
        for s in sorted(sandbox.catalogue.sizes.values(), key=lambda s: s.id)
        if filters.one_of(w, "id", s.id)
        and filters.matches(w, "SKU", s.sku)
        and filters.matches(w, "EAN", s.gtin)
        and filters.matches(w, "sizeNumber", s.size_number)
        and filters.matches(w, "description", s.description)
        and (w.get("search") is None or w["search"] in (s.sku, s.gtin))
    )


def _warehouses(sandbox: CentraSandbox, w: filters.Where) -> Iterable[Warehouse]:
    return (
        x
        for x in sorted(sandbox.catalogue.warehouses.values(), key=lambda x: x.id)
        if filters.matches(w, "name", x.name)
    )


def _payments(sandbox: CentraSandbox, w: filters.Where) -> Iterable[tuple[Order, PaymentEntry]]:
    found = [
        (o, e)
        for o in sandbox.orders.values()
        for e in o.payments
        if filters.one_of(w, "orderId", o.id)
        and filters.one_of(w, "id", e.id)
        and filters.one_of(w, "entryType", e.entry_type)
        and filters.one_of(w, "status", e.status)
    ]
    return sorted(found, key=lambda pair: pair[1].id)


orders = listing(
    ORDER_READ, "query orders", lambda sb, w: sb.query_orders(w), lambda _, o: render.order(o)
)
shipments = listing(
    SHIPMENT_READ, "query shipments", _shipments, lambda _, pair: render.shipment(*pair)
)
returns = listing(
    RETURN_READ,
    "query returns",
    _returns,
    lambda sb, r: render.return_(sb.order(r.order_number), r),
)
products = listing(PRODUCT_READ, "query products", _products, lambda _, p: render.product(p))
product_sizes = listing(PRODUCT_READ, "query product sizes", _sizes, lambda _, s: render.size(s))
warehouses = listing(
    WAREHOUSE_READ, "query warehouses", _warehouses, lambda _, x: render.warehouse(x)
)
order_payment_history = listing(
    PAYMENT_HISTORY_READ, "query payment history", _payments, lambda _, pair: render.payment(*pair)
)


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


def currencies(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    w = where or {}
    return [render.currency(c) for c in CURRENCIES.values() if filters.flag(w, "isBase", c.is_base)]


def events(
    _root: object, info: GraphQLResolveInfo, where: Where = None, limit: int | None = None
) -> list[Json]:
    ctx = context_of(info)
    ctx.require(EVENT_READ, "query events")
    w = where or {}
    wanted = filters.DEFAULT_LIMIT if limit is None else min(limit, filters.MAX_LIMIT)
    found = ctx.sandbox.events.pending(
        w.get("objectType"), w.get("changeType"), w.get("storeId"), wanted
    )
    return ctx.faults.shuffle_events([render.event(e) for e in found])


def event_listeners(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    ctx = context_of(info)
    ctx.require(EVENT_READ, "query event listeners")
    queue = ctx.sandbox.events
    w = where or {}
    return [
        render.listener(queue.integration, x)
        for x in queue.listeners.values()
        if filters.one_of(w, "objectType", x.object_type)
    ]


def rate_limits(_root: object, info: GraphQLResolveInfo, where: Where = None) -> list[Json]:
    """Needs no permission, but is itself rate limited (it was charged before running)."""
    ctx = context_of(info)
    w = where or {}
    return ctx.sandbox.limits.snapshot(ctx.token, w.get("type"), w.get("intervalSeconds"))


def counters(_root: object, info: GraphQLResolveInfo) -> Json:
    def count_products(info: GraphQLResolveInfo, where: Where = None, **_: Any) -> int:
        context_of(info).require(PRODUCT_READ, "count products")
        return sum(1 for _ in _products(context_of(info).sandbox, where or {}))

    def count_orders(info: GraphQLResolveInfo, where: Where = None, **_: Any) -> int:
        context_of(info).require(ORDER_READ, "count orders")
        return len(context_of(info).sandbox.query_orders(where or {}))

    return {"products": count_products, "orders": count_orders}
