"""Order status transitions the seller does not drive: payment clears (Pending ->
Unshipped) and buyer or seller cancellation. Every change bumps LastUpdateDate, which is
what incremental readers (LastUpdatedAfter) depend on."""

from __future__ import annotations

from datetime import datetime

from sandbox.amazon.records import (
    Cancellation,
    FulfillmentChannel,
    OrderStatus,
    SandboxOrder,
)


class TransitionError(Exception):
    """The order is not in a state that allows the requested change."""


def touch(order: SandboxOrder, now: datetime) -> None:
    """Bump LastUpdateDate to now; it never moves backwards, even if the clock does."""
    order.last_update_date = max(now, order.last_update_date)


def release(order: SandboxOrder, now: datetime) -> None:
    """Payment and fraud checks cleared. Amazon ships AFN orders itself, so those go
    straight to Shipped."""
    if order.status is not OrderStatus.PENDING:
        raise TransitionError(f"order {order.order_id} is {order.status}, not Pending")
    order.release_at = None
    if order.fulfillment_channel is FulfillmentChannel.AFN:
        for item in order.items:
            item.quantity_shipped = item.quantity_ordered
        order.status = OrderStatus.SHIPPED
    else:
        order.status = OrderStatus.UNSHIPPED
    touch(order, now)


def cancel(
    order: SandboxOrder,
    now: datetime,
    buyer_requested: bool,
    reason: str | None = None,
    request_only: bool = False,
) -> None:
    """Cancel before anything shipped. `request_only` records a buyer's cancellation
    request on an open MFN order without cancelling it, as Amazon does when the seller
    must decide."""
    if order.status not in (OrderStatus.PENDING, OrderStatus.UNSHIPPED):
        raise TransitionError(f"order {order.order_id} is {order.status}; cannot cancel")
    if request_only and not buyer_requested:
        raise TransitionError("only a buyer can request a cancellation")
    order.cancellation = Cancellation(
        buyer_requested=buyer_requested,
        reason=reason or ("Buyer canceled" if buyer_requested else "Seller canceled"),
        requested_at=now,
        executed=not request_only,
    )
    if not request_only:
        order.status = OrderStatus.CANCELED
        order.release_at = None
    touch(order, now)


def status_after_shipping(order: SandboxOrder) -> OrderStatus:
    if all(item.remaining == 0 for item in order.items):
        return OrderStatus.SHIPPED
    if any(item.quantity_shipped > 0 for item in order.items):
        return OrderStatus.PARTIALLY_SHIPPED
    return OrderStatus.UNSHIPPED
