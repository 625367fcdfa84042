"""Mutation resolvers. Business rejections come back as userErrors with HTTP 200 (and the
payload's object null), caveats as userWarnings, as Centra does; only permission problems are
GraphQL errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.centra import render
from sandbox.centra.context import Context, context_of
from sandbox.centra.events import Listener
from sandbox.centra.lifecycle import UserError, UserErrors
from sandbox.centra.tokens import (
    EVENT_WRITE,
    ORDER_WRITE,
    RETURN_WRITE,
    SHIPMENT_WRITE,
    STOCK_CHANGE_READ,
    STOCK_CHANGE_WRITE,
)

Payload = dict[str, Any]
Input = dict[str, Any]


def _payload(ctx: Context, action: Callable[[], Payload], empty: Payload) -> Payload:
    """Run `action`; a UserError leaves `empty` (the payload's object fields null) plus
    userErrors."""
    try:
        payload = action()
    except UserError as exc:
        ctx.user_errors += 1
        payload = {**empty, "userErrors": [{"message": exc.message, "path": exc.path}]}
    except UserErrors as exc:
        ctx.user_errors += len(exc.errors)
        errors = [{"message": e.message, "path": e.path} for e in exc.errors]
        payload = {**empty, "userErrors": errors}
    payload.setdefault("userErrors", [])
    payload.setdefault("userWarnings", [])
    return payload


# --- events -------------------------------------------------------------------------------------


def _listener_input(entries: list[Input]) -> dict[str, frozenset[str] | None]:
    return {
        e["objectType"]: frozenset(e["changeTypes"]) if e.get("changeTypes") else None
        for e in entries
    }


def _listeners(ctx: Context, listeners: Iterable[Listener]) -> list[Payload]:
    return [render.listener(ctx.sandbox.events.integration, x) for x in listeners]


def set_event_listeners(_root: object, info: GraphQLResolveInfo, input: list[Input]) -> Payload:
    ctx = context_of(info)
    ctx.require(EVENT_WRITE, "set event listeners")
    wanted = _listener_input(input)
    ctx.sandbox.events.set_listeners(wanted, ctx.sandbox.clock())
    found = [x for x in ctx.sandbox.events.listeners.values() if x.object_type in wanted]
    listeners = _listeners(ctx, found)
    return _payload(ctx, lambda: {"eventListeners": listeners}, {"eventListeners": []})


def unset_event_listeners(_root: object, info: GraphQLResolveInfo, input: list[Input]) -> Payload:
    ctx = context_of(info)
    ctx.require(EVENT_WRITE, "unset event listeners")
    listeners = _listeners(ctx, ctx.sandbox.events.unset_listeners(_listener_input(input)))
    return _payload(ctx, lambda: {"eventListeners": listeners}, {"eventListeners": []})


def confirm_events(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(EVENT_WRITE, "confirm events")
    confirmed, unknown = ctx.sandbox.events.confirm(input["eventsIds"])
    warnings = [
        {"message": f"Event {i} is not in the queue", "path": ["input", "eventsIds"]}
        for i in unknown
    ]
    events = [render.event(e) for e in confirmed]
    return _payload(ctx, lambda: {"events": events, "userWarnings": warnings}, {"events": []})


# --- orders -------------------------------------------------------------------------------------


def confirm_order(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(ORDER_WRITE, "confirm orders")
    sandbox = ctx.sandbox

    def run() -> Payload:
        order = sandbox.order_by(input["order"], ["input", "order"])
        return {"order": render.order(sandbox.confirm(order))}

    return _payload(ctx, run, {"order": None})


def update_order(_root: object, info: GraphQLResolveInfo, order: Input, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(ORDER_WRITE, "update orders")
    sandbox = ctx.sandbox

    def run() -> Payload:
        found = sandbox.order_by(order, ["order"])
        return {"order": render.order(sandbox.update_order(found, input))}

    return _payload(ctx, run, {"order": None})


# --- shipments ----------------------------------------------------------------------------------


def create_shipment(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "create shipments")
    sandbox = ctx.sandbox

    def run() -> Payload:
        order = sandbox.order_by(input["order"], ["input", "order"])
        wanted = input.get("lines")
        if wanted is None:  # no lines: everything still unshipped
            lines = [(ln.id, ln.quantity) for ln in order.lines if ln.quantity > 0]
        else:
            lines = [(ln["orderLine"]["id"], ln["quantity"]) for ln in wanted]
        shipment, warnings = sandbox.create_shipment(order, lines, input)
        return {"shipment": render.shipment(order, shipment), "userWarnings": warnings}

    return _payload(ctx, run, {"shipment": None})


def capture_shipment(_root: object, info: GraphQLResolveInfo, id: int) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "capture shipments")

    def run() -> Payload:
        order, shipment, entry = ctx.sandbox.capture_shipment(id)
        rendered = render.payment(order, entry)
        return {
            "shipment": render.shipment(order, shipment),
            "paymentHistoryEntry": render.guarded(
                "PaymentHistory:read", "read payment history", rendered
            ),
            "paymentHistoryEntries": [rendered],
        }

    return _payload(
        ctx, run, {"shipment": None, "paymentHistoryEntry": None, "paymentHistoryEntries": []}
    )


def update_shipment(_root: object, info: GraphQLResolveInfo, id: int, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "update shipments")

    def run() -> Payload:
        order, shipment = ctx.sandbox.update_shipment(id, input)
        return {"shipment": render.shipment(order, shipment)}

    return _payload(ctx, run, {"shipment": None})


def complete_shipment(
    _root: object, info: GraphQLResolveInfo, id: int, input: Input | None = None
) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "complete shipments")

    def run() -> Payload:
        order, shipment = ctx.sandbox.complete_shipment(id, input or {})
        return {"shipment": render.shipment(order, shipment)}

    return _payload(ctx, run, {"shipment": None})


# --- returns ------------------------------------------------------------------------------------


def create_return(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(RETURN_WRITE, "create returns")

    def run() -> Payload:
        order, record = ctx.sandbox.create_return(input)
        return {"return": render.return_(order, record)}

    return _payload(ctx, run, {"return": None})


def _return_change(action: Callable[[Any], Any]) -> Callable[..., Payload]:
    def resolve(_root: object, info: GraphQLResolveInfo, id: int, **_: Any) -> Payload:
        ctx = context_of(info)
        ctx.require(RETURN_WRITE, "change returns")

        def run() -> Payload:
            order, record = action(ctx.sandbox)(id)
            return {"return": render.return_(order, record)}

        return _payload(ctx, run, {"return": None})

    return resolve


complete_return = _return_change(lambda sandbox: lambda i: sandbox.complete_return(i, True))
uncomplete_return = _return_change(lambda sandbox: lambda i: sandbox.complete_return(i, False))
delete_return = _return_change(lambda sandbox: sandbox.delete_return)
refund_return = _return_change(lambda sandbox: sandbox.refund_return)


# --- stock --------------------------------------------------------------------------------------


Sized = list[tuple[str, int, list[str]]]


def _sizes(ctx: Context, input: Input, per_variant: str, quantity: str) -> Sized:
    """(SKU, quantity, input path) for every size named by `productVariants[].<per_variant>[]`
    ({size {id or name}}) or `productSizes[]` ({productSize {id|SKU|EAN|UPC|any}}); unknown
    ones are userErrors naming their input path."""
    catalogue = ctx.sandbox.catalogue
    found: Sized = []
    errors: list[UserError] = []
    for v, entry in enumerate(input.get("productVariants") or []):
        variant_id = entry["productVariant"].get("id")
        for s, level in enumerate(entry[per_variant]):
            ref = level["size"]
            size = catalogue.size_of_variant(variant_id, ref.get("id"), ref.get("name"))
            path = ["input", "productVariants", str(v), per_variant, str(s)]
            if size is None:
                errors.append(UserError(f"Unknown size of variant {variant_id}", [*path, "size"]))
            else:
                found.append((size.sku, level[quantity], [*path, quantity]))
    by_sku = catalogue.by_sku
    for index, entry in enumerate(input.get("productSizes") or []):
        ref = {k: v for k, v in entry["productSize"].items() if v is not None}
        path = ["input", "productSizes", str(index)]
        size = None
        if len(ref) == 1:
            key, value = next(iter(ref.items()))
            size = next(
                (
                    s
                    for s in by_sku.values()
                    if (key == "id" and s.id == value)
                    or (key in ("SKU", "any") and s.sku == value)
                    or (key in ("EAN", "any") and s.gtin == value)
                ),
                None,
            )
        if size is None:
            message = "Unknown product size (give exactly one of its keys)"
            errors.append(UserError(message, [*path, "productSize"]))
        else:
            found.append((size.sku, entry[quantity], [*path, quantity]))
    if errors:
        raise UserErrors(errors)
    return found


def _warehouse(ctx: Context, ref: Input | None, field: str) -> int | None:
    if ref is None:
        return None
    if ref.get("id") not in ctx.sandbox.catalogue.warehouses:
        raise UserError(f"Warehouse {ref.get('id')} does not exist", ["input", field])
    warehouse_id: int = ref["id"]
    return warehouse_id


def set_stock(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(STOCK_CHANGE_WRITE, "set stock")

    def run() -> Payload:
        warehouse_id = _warehouse(ctx, input["warehouse"], "warehouse")
        assert warehouse_id is not None
        levels = _sizes(ctx, input, "sizeStockLevels", "quantity")
        negative = [UserError("quantity must be 0 or more", p) for _, q, p in levels if q < 0]
        if negative:
            raise UserErrors(negative)
        fta = input["stockQuantityType"] == "FREE_TO_ALLOCATE"
        changes = ctx.sandbox.set_stock(warehouse_id, [(s, q) for s, q, _ in levels], fta)
        rows = [{"id": i} for i in changes]
        return {"stockChanges": render.guarded(STOCK_CHANGE_READ, "read stock changes", rows)}

    return _payload(ctx, run, {"stockChanges": []})


def change_stock(_root: object, info: GraphQLResolveInfo, input: Input) -> Payload:
    ctx = context_of(info)
    ctx.require(STOCK_CHANGE_WRITE, "change stock")

    def run() -> Payload:
        into = _warehouse(ctx, input.get("intoWarehouse"), "intoWarehouse")
        out = _warehouse(ctx, input.get("outFromWarehouse"), "outFromWarehouse")
        if into is None and out is None:
            raise UserError("Give intoWarehouse, outFromWarehouse or both", ["input"])
        moves = _sizes(ctx, input, "sizeChanges", "deliveredQuantity")
        bad = [UserError("deliveredQuantity must be positive", p) for _, q, p in moves if q <= 0]
        if bad:
            raise UserErrors(bad)
        change = ctx.sandbox.change_stock(into, out, moves)
        return {
            "stockChange": render.guarded(STOCK_CHANGE_READ, "read stock changes", {"id": change})
        }

    return _payload(ctx, run, {"stockChange": None})
