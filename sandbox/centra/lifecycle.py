"""Centra's order and shipment rules: what createShipment, updateShipment and completeShipment
accept, line cancellation, and the order status that follows. Violations are `UserError`s,
which the API reports in the payload's userErrors with HTTP 200, as Centra does."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sandbox.centra.records import Order, OrderLine, OrderStatus, Shipment

SHIPPABLE = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING)


class UserError(Exception):
    """A business rejection: the mutation's userErrors entry (message and input path)."""

    def __init__(self, message: str, path: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class UserErrors(Exception):
    """Several business rejections of one mutation (a stock batch names each bad size)."""

    def __init__(self, errors: list[UserError]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def in_shipments(order: Order, line: OrderLine) -> int:
    """Units of `line` already in any shipment, completed or not."""
    return sum(
        sl.quantity for s in order.shipments for sl in s.lines if sl.order_line_id == line.id
    )


def unshipped(order: Order, line: OrderLine) -> int:
    return line.quantity - in_shipments(order, line)


def check_shipment(order: Order, requested: list[tuple[int, int]]) -> None:
    """Raise the first rule `requested` (order line id, quantity) breaks. Only confirmed orders
    get shipments; a held order gets none."""
    if order.status not in SHIPPABLE:
        raise UserError(
            f"Order {order.number} has status {order.status.value} and cannot be shipped",
            ["input", "order"],
        )
    if order.is_on_hold:
        raise UserError(f"Order {order.number} is on hold", ["input", "order"])
    if not requested:
        raise UserError("A shipment needs at least one line", ["input", "lines"])
    totals: Counter[int] = Counter()
    for index, (line_id, quantity) in enumerate(requested):
        path = ["input", "lines", str(index)]
        line = order.line(line_id)
        if line is None:
            raise UserError(
                f"Order line {line_id} does not belong to order {order.number}",
                [*path, "orderLine", "id"],
            )
        if quantity < 1:
            raise UserError("Quantity must be at least 1", [*path, "quantity"])
        totals[line_id] += quantity
        if totals[line_id] > unshipped(order, line):
            raise UserError(
                f"Quantity {totals[line_id]} exceeds the {unshipped(order, line)} unshipped "
                f"units of order line {line_id}",
                [*path, "quantity"],
            )


def cancel_line(order: Order, line_id: int, quantity: int, index: int) -> OrderLine:
    """updateDirectToConsumerOrder(cancelLines): units not yet in a shipment only."""
    path = ["input", "cancelLines", str(index)]
    line = order.line(line_id)
    if line is None:
        raise UserError(f"Order line {line_id} does not exist", [*path, "line", "id"])
    if quantity < 1 or quantity > unshipped(order, line):
        raise UserError(
            f"Cannot cancel {quantity} units of order line {line_id}", [*path, "quantity"]
        )
    line.cancelled_quantity += quantity
    return line


def complete(
    order: Order,
    shipment: Shipment,
    shipped_at: datetime,
    now: datetime,
    info: dict[str, object] | None,
) -> None:
    """Mark shipped and count the lines as shipped (the sandbox counts completed shipments)."""
    if shipment.is_shipped:
        raise UserError(f"Shipment {shipment.number} is already completed", ["id"])
    if shipped_at > now:
        raise UserError("shippedAt cannot be in the future", ["input", "shippedAt"])
    shipment.is_shipped = True
    shipment.shipped_at = shipped_at
    if info is not None:
        shipment.shipment_info = info
    for shipment_line in shipment.lines:
        line = order.line(shipment_line.order_line_id)
        if line is not None:
            line.shipped_quantity += shipment_line.quantity


def derive_status(order: Order) -> OrderStatus:
    """PROCESSING once a shipment exists and something is left; SHIPPED when every unit is
    shipped in a completed shipment or cancelled and every shipment is paid; CANCELLED when
    every unit is cancelled."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.ARCHIVED, OrderStatus.PENDING):
        return order.status
    if all(line.quantity == 0 for line in order.lines):
        return OrderStatus.CANCELLED
    if not order.shipments:
        return order.status
    done = all(line.shipped_quantity >= line.quantity for line in order.lines)
    paid = all(s.is_paid for s in order.shipments)
    return OrderStatus.SHIPPED if done and paid else OrderStatus.PROCESSING
