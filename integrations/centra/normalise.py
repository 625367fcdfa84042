"""Centra order JSON -> the channel-neutral domain order. Pure functions, no I/O.

Centra has no ship-by date, so `ship_by` is createdAt plus the brand's dispatch SLA: the order
workflow's deadline watcher then flags an order not dispatched within it. The buyer's email is
never read here, so it never leaves Centra.
"""

from __future__ import annotations

from datetime import timedelta

from domain.order import (
    Channel,
    ChannelOrder,
    ChannelOrderStatus,
    FulfilledBy,
    Money,
    OrderChange,
    OrderLine,
    OrderRef,
)
from integrations.centra.address import ship_to
from integrations.centra.wire import Json, Wire

_PLAIN_STATUS = {
    "PENDING": ChannelOrderStatus.PENDING,
    "PROCESSING": ChannelOrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": ChannelOrderStatus.SHIPPED,
    "ARCHIVED": ChannelOrderStatus.SHIPPED,
    "CANCELLED": ChannelOrderStatus.CANCELLED,
}
# An order still to ship must have a usable address; a finished one need not.
_NEEDS_ADDRESS = {
    ChannelOrderStatus.PENDING,
    ChannelOrderStatus.READY,
    ChannelOrderStatus.PARTIALLY_SHIPPED,
}


def _wire(order: Json, operation: str) -> Wire:
    number = order.get("number")
    return Wire(operation, f"order {number if isinstance(number, int) else '?'}")


def order_status(wire: Wire, order: Json) -> ChannelOrderStatus:
    """On hold and waiting for payment are flags, not statuses: such a CONFIRMED order is
    PENDING so the gate waits for it to clear."""
    status = wire.required_text(order, "status")
    if status == "CONFIRMED":
        held = wire.flag(order, "isOnHold") or wire.flag(order, "isWaitingForPayment")
        return ChannelOrderStatus.PENDING if held else ChannelOrderStatus.READY
    if status not in _PLAIN_STATUS:
        raise wire.fail(f"status {status!r} is not a known value")
    return _PLAIN_STATUS[status]


def _ref(wire: Wire, order: Json, account: str) -> OrderRef:
    return OrderRef(
        channel=Channel.CENTRA, account=account, order_id=str(wire.integer(order, "number"))
    )


def change_from_centra(order: Json, account: str, operation: str = "orders") -> OrderChange:
    """The PII-free notice: it never looks at the address, so one bad address cannot stop
    intake handing every other order's change on."""
    wire = _wire(order, operation)
    return OrderChange(
        ref=_ref(wire, order, account),
        status=order_status(wire, order),
        fulfilled_by=FulfilledBy.MERCHANT,
        last_updated_at=wire.time(order, "updatedAt"),
    )


def _line(wire: Wire, line: Json) -> OrderLine:
    line_id = wire.integer(line, "id")
    size = wire.obj(line, "productSize")
    sku = wire.text(size, "SKU")
    if sku is None:
        raise wire.fail(f"line {line_id} has no productSize.SKU")
    price = wire.obj(line, "unitPrice")
    amount = wire.decimal(price, "value")
    currency = wire.text(price, "currency")
    return OrderLine(
        line_id=str(line_id),
        sku=sku,
        gtin=wire.text(size, "GTIN"),
        quantity=wire.integer(line, "quantity"),
        quantity_shipped=wire.integer(line, "shippedQuantity", 0),
        quantity_cancelled=wire.integer(line, "cancelledQuantity", 0),
        unit_price=Money(amount=amount, currency=currency)
        if amount is not None and currency
        else None,
        title=wire.text(line, "productName"),
    )


def order_from_centra(
    order: Json, account: str, dispatch_sla: timedelta, operation: str = "orders"
) -> ChannelOrder:
    """Centra orders always ship from the brand's warehouse, so fulfilled_by is MERCHANT.
    Raises CentraMissingAddress for an order still to ship whose address GXO would reject."""
    wire = _wire(order, operation)
    status = order_status(wire, order)
    created_at = wire.time(order, "createdAt")
    option = wire.obj(wire.obj(order, "shippingPriceGroup"), "shippingOption")
    address = order.get("shippingAddress")
    if address is not None and not isinstance(address, dict):
        raise wire.fail("shippingAddress is not an object")
    return ChannelOrder(
        ref=_ref(wire, order, account),
        status=status,
        fulfilled_by=FulfilledBy.MERCHANT,
        ship_service_level=wire.text(option, "name"),
        created_at=created_at,
        last_updated_at=wire.time(order, "updatedAt"),
        ship_by=created_at + dispatch_sla,
        ship_to=ship_to(wire, address) if status in _NEEDS_ADDRESS else None,
        currency=wire.text(order, "currency"),
        lines=[_line(wire, line) for line in wire.objects(order, "lines")],
    )
