"""Centra order JSON -> the channel-neutral domain order. Pure functions, no I/O.

Centra's quantities differ from the domain's: `OrderLine.quantity` excludes cancelled units
(`cancelledQuantity` holds them) and there is no shipped quantity on a line, so the units
already in the order's shipments are passed in. The domain's `quantity` is what was ordered,
cancelled units included.

Centra has no ship-by date, so `ship_by` is createdAt plus the brand's dispatch SLA: the order
workflow's deadline watcher then flags an order not dispatched within it. The buyer's email is
never read here, so it never leaves Centra.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from domain.order import (
    ChannelOrder,
    ChannelOrderStatus,
    FulfilledBy,
    Money,
    OrderChange,
    OrderLine,
    OrderRef,
)
from integrations.centra.address import ship_to
from integrations.centra.errors import CentraUnknownStatus
from integrations.centra.settings import CHANNEL
from integrations.centra.wire import Json, Wire

_PLAIN_STATUS = {
    "PENDING": ChannelOrderStatus.PENDING,
    "SHIPPED": ChannelOrderStatus.SHIPPED,
    "ARCHIVED": ChannelOrderStatus.SHIPPED,  # spelling unverified: documented, never shown
    "CANCELLED": ChannelOrderStatus.CANCELLED,
}
_TO_PROCESS = {
    "CONFIRMED": ChannelOrderStatus.READY,
    "PROCESSING": ChannelOrderStatus.PARTIALLY_SHIPPED,
}
# An order still to ship must have a usable address; a finished one need not.
_NEEDS_ADDRESS = {
    ChannelOrderStatus.PENDING,
    ChannelOrderStatus.READY,
    ChannelOrderStatus.PARTIALLY_SHIPPED,
}


def _number(order: Json) -> int | None:
    number = order.get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _wire(order: Json, operation: str) -> Wire:
    number = _number(order)
    return Wire(operation, f"order {number if number is not None else '?'}")


def is_held(wire: Wire, order: Json, waiting_for_payment: bool) -> bool:
    """On hold, waiting for payment (known from the filter that found the order), or any hold
    reason (waiting for a fraud check, a payment mismatch, ...): not to be processed yet."""
    return (
        wire.flag(order, "isOnHold")
        or waiting_for_payment
        or wire.text(order, "orderHoldReason") is not None
    )


def order_status(wire: Wire, order: Json, waiting_for_payment: bool = False) -> ChannelOrderStatus:
    """Hold and waiting-for-payment are flags, not statuses: a CONFIRMED or PROCESSING order
    carrying one is PENDING, so the gate waits for it to clear. An unknown status raises
    CentraUnknownStatus rather than being guessed."""
    status = wire.required_text(order, "status")
    if status in _TO_PROCESS:
        if is_held(wire, order, waiting_for_payment):
            return ChannelOrderStatus.PENDING
        return _TO_PROCESS[status]
    if status not in _PLAIN_STATUS:
        raise CentraUnknownStatus(wire.operation, _number(order), status)
    return _PLAIN_STATUS[status]


def _ref(wire: Wire, order: Json, account: str) -> OrderRef:
    return OrderRef(channel=CHANNEL, account=account, order_id=str(wire.integer(order, "number")))


def change_from_centra(
    order: Json, account: str, waiting_for_payment: bool = False, operation: str = "orders"
) -> OrderChange:
    """The PII-free notice: it never looks at the address, so one bad address cannot stop
    intake handing every other order's change on."""
    wire = _wire(order, operation)
    return OrderChange(
        ref=_ref(wire, order, account),
        status=order_status(wire, order, waiting_for_payment),
        fulfilled_by=FulfilledBy.MERCHANT,
        last_updated_at=wire.time(order, "updatedAt"),
    )


def _money(wire: Wire, value: Json) -> Money | None:
    """MonetaryValue {value currency {code}}."""
    amount = wire.decimal(value, "value")
    code = wire.text(wire.obj(value, "currency"), "code")
    return Money(amount=amount, currency=code) if amount is not None and code else None


def _line(wire: Wire, line: Json, shipped: Mapping[int, int]) -> OrderLine:
    line_id = wire.integer(line, "id")
    size = wire.obj(line, "productSize")
    sku = wire.text(size, "SKU")
    if sku is None:
        raise wire.fail(f"line {line_id} has no productSize.SKU")
    cancelled = wire.integer(line, "cancelledQuantity", 0)
    return OrderLine(
        line_id=str(line_id),
        sku=sku,
        gtin=wire.text(size, "EAN"),
        quantity=wire.integer(line, "quantity") + cancelled,
        quantity_shipped=shipped.get(line_id, 0),
        quantity_cancelled=cancelled,
        unit_price=_money(wire, wire.obj(line, "unitPrice")),
        title=wire.text(line, "productName"),
    )


def order_from_centra(
    order: Json,
    account: str,
    dispatch_sla: timedelta,
    *,
    shipped: Mapping[int, int] | None = None,
    waiting_for_payment: bool = False,
    operation: str = "orders",
) -> ChannelOrder:
    """Centra orders always ship from the brand's warehouse, so fulfilled_by is MERCHANT.
    `shipped`: units per order line id already in the order's shipments. Raises
    CentraMissingAddress for an order still to ship whose address GXO would reject."""
    wire = _wire(order, operation)
    status = order_status(wire, order, waiting_for_payment)
    created_at = wire.time(order, "createdAt")
    option = wire.obj(wire.obj(order, "shippingPriceGroup"), "shippingOption")
    address = order.get("shippingAddress")
    if address is not None and not isinstance(address, dict):
        raise wire.fail("shippingAddress is not an object")
    total = wire.obj(order, "grandTotal")
    return ChannelOrder(
        ref=_ref(wire, order, account),
        status=status,
        fulfilled_by=FulfilledBy.MERCHANT,
        ship_service_level=wire.text(option, "name"),
        created_at=created_at,
        last_updated_at=wire.time(order, "updatedAt"),
        ship_by=created_at + dispatch_sla,
        ship_to=ship_to(wire, address) if status in _NEEDS_ADDRESS else None,
        currency=wire.text(wire.obj(total, "currency"), "code"),
        total=_money(wire, total),  # grandTotal(includingTax: true), the schema's default
        lines=[_line(wire, line, shipped or {}) for line in wire.objects(order, "lines")],
    )
