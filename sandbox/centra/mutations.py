"""Mutation resolvers. Business rejections come back as userErrors with HTTP 200 and a null
shipment, as Centra does; only permission problems are GraphQL errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.centra import render
from sandbox.centra.context import Context, context_of
from sandbox.centra.lifecycle import UserError, UserErrors
from sandbox.centra.records import Order, Shipment
from sandbox.centra.tokens import EVENT_WRITE, SHIPMENT_WRITE, STOCK_WRITE

Payload = dict[str, Any]


def _payload(ctx: Context, action: Callable[[], Payload]) -> Payload:
    try:
        payload = action()
    except UserError as exc:
        ctx.user_errors += 1
        payload = {"userErrors": [{"message": exc.message, "path": exc.path}]}
    except UserErrors as exc:
        ctx.user_errors += len(exc.errors)
        payload = {"userErrors": [{"message": e.message, "path": e.path} for e in exc.errors]}
    payload.setdefault("userErrors", [])
    payload.setdefault("userWarnings", [])
    return payload


def _shipment_payload(ctx: Context, action: Callable[[], tuple[Order, Shipment]]) -> Payload:
    def run() -> Payload:
        with ctx.sandbox.lock:
            order, shipment = action()
            return {"shipment": render.shipment(order, shipment)}

    payload = _payload(ctx, run)
    payload.setdefault("shipment", None)
    return payload


def set_event_listeners(
    _root: object, info: GraphQLResolveInfo, input: list[dict[str, Any]]
) -> Payload:
    ctx = context_of(info)
    ctx.require(EVENT_WRITE, "set event listeners")
    listeners: dict[str, frozenset[str] | None] = {}
    for entry in input:
        types = entry.get("changeTypes")
        listeners[entry["objectType"]] = frozenset(types) if types else None
    with ctx.sandbox.lock:
        ctx.sandbox.events.set_listeners(listeners)
    return _payload(ctx, dict)


def confirm_events(_root: object, info: GraphQLResolveInfo, input: dict[str, Any]) -> Payload:
    ctx = context_of(info)
    ctx.require(EVENT_WRITE, "confirm events")
    with ctx.sandbox.lock:
        unknown = ctx.sandbox.events.confirm(input["eventsIds"])
    warnings = [
        {"message": f"Event {i} is not in the queue", "path": ["input", "eventsIds"]}
        for i in unknown
    ]
    return _payload(ctx, lambda: {"userWarnings": warnings})


def create_shipment(_root: object, info: GraphQLResolveInfo, input: dict[str, Any]) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "create shipments")
    lines = [(ln["orderLine"]["id"], ln["quantity"]) for ln in input["lines"]]
    return _shipment_payload(
        ctx,
        lambda: ctx.sandbox.create_shipment(
            input["order"]["number"],
            lines,
            is_good_to_go=bool(input.get("isGoodToGo")),
            is_paid=bool(input.get("isPaid")),
            capture=bool(input.get("capture")),
            send_email=bool(input.get("sendEmail")),
        ),
    )


def capture_shipment(_root: object, info: GraphQLResolveInfo, id: int) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "capture shipments")
    return _shipment_payload(ctx, lambda: ctx.sandbox.capture_shipment(id))


def update_shipment(
    _root: object, info: GraphQLResolveInfo, id: int, input: dict[str, Any]
) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "update shipments")
    return _shipment_payload(ctx, lambda: ctx.sandbox.update_shipment(id, input.get("isPaid")))


def complete_shipment(
    _root: object, info: GraphQLResolveInfo, id: int, input: dict[str, Any]
) -> Payload:
    ctx = context_of(info)
    ctx.require(SHIPMENT_WRITE, "complete shipments")
    info_input = input.get("shipmentInfo")
    shipment_info = None
    if info_input is not None:
        keys = ("carrier", "service", "packagesNumber", "trackingNumber", "returnTrackingNumber")
        shipment_info = {key: info_input.get(key) for key in keys}
    return _shipment_payload(
        ctx,
        lambda: ctx.sandbox.complete_shipment(id, input.get("shippedAt"), shipment_info),
    )


def set_stock(_root: object, info: GraphQLResolveInfo, input: dict[str, Any]) -> Payload:
    ctx = context_of(info)
    ctx.require(STOCK_WRITE, "set stock")
    levels = [(level["SKU"], level["quantity"]) for level in input["sizeStockLevels"]]

    def run() -> Payload:
        ctx.sandbox.set_stock(input["warehouse"]["id"], levels)
        return {}

    return _payload(ctx, run)


def change_stock(_root: object, info: GraphQLResolveInfo, input: dict[str, Any]) -> Payload:
    ctx = context_of(info)
    ctx.require(STOCK_WRITE, "change stock")
    into, out = input.get("intoWarehouse"), input.get("outFromWarehouse")

    def run() -> Payload:
        if (into is None) == (out is None):
            raise UserError("Give exactly one of intoWarehouse and outFromWarehouse", ["input"])
        bad = [i for i, c in enumerate(input["sizeChanges"]) if c["deliveredQuantity"] <= 0]
        if bad:
            path = ["input", "sizeChanges", str(bad[0]), "deliveredQuantity"]
            raise UserError("deliveredQuantity must be positive", path)
        sign = 1 if into is not None else -1
        warehouse = into if into is not None else out
        assert warehouse is not None
        changes = [(c["SKU"], sign * c["deliveredQuantity"]) for c in input["sizeChanges"]]
        ctx.sandbox.change_stock(warehouse["id"], changes)
        return {}

    return _payload(ctx, run)
