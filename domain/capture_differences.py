"""Captured payments against completed shipments, per order: for a channel that captures the
buyer's payment per shipment, what was captured should equal what was shipped, and a
capture the payment provider settles later (Adyen, Klarna) should not stay pending for long.
Pure; the channel's integration reads the shipments and the payment history into these models.

Amounts, not entry-to-shipment links: a payment history entry does not name its shipment, so
the order's captured total is compared with its shipped total. Where the order has no capture
entry at all, a shipment the channel marks captured or paid (paid outside the channel) counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

ZERO = Decimal(0)
DEFAULT_PENDING_AFTER = timedelta(days=3)  # Adyen and Klarna usually settle within a day


class CaptureState(StrEnum):
    SUCCESS = "SUCCESS"
    PENDING = "PENDING"
    FAILED = "FAILED"


class ShipmentPayment(BaseModel):
    model_config = ConfigDict(frozen=True)

    shipment_id: str
    shipped: bool  # completed: it left the warehouse
    paid: bool  # the channel marks it captured or paid
    value: Decimal  # its lines at the order's unit prices


class CaptureEntry(BaseModel):
    """One capture of the order, as its outcome stands (a request the provider settled
    carries the settlement's outcome)."""

    model_config = ConfigDict(frozen=True)

    entry_id: str
    state: CaptureState
    value: Decimal
    at: datetime


class OrderPayments(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_id: str
    currency: str
    shipments: tuple[ShipmentPayment, ...] = ()
    captures: tuple[CaptureEntry, ...] = ()

    @property
    def shipped(self) -> Decimal:
        return sum((s.value for s in self.shipments if s.shipped), ZERO)

    @property
    def captured(self) -> Decimal:
        if self.captures:
            return sum((c.value for c in self.captures if c.state is CaptureState.SUCCESS), ZERO)
        return sum((s.value for s in self.shipments if s.paid), ZERO)

    @property
    def pending(self) -> Decimal:
        return sum((c.value for c in self.captures if c.state is CaptureState.PENDING), ZERO)


class CaptureDifferenceKind(StrEnum):
    CAPTURED_NOT_SHIPPED = "captured_not_shipped"  # more captured than shipped
    SHIPPED_NOT_CAPTURED = "shipped_not_captured"  # shipped, neither captured nor pending
    CAPTURE_PENDING_TOO_LONG = "capture_pending_too_long"


class CaptureDifference(BaseModel):
    """`shipped` and `captured` are the order's totals (in its currency)."""

    model_config = ConfigDict(frozen=True)

    kind: CaptureDifferenceKind
    order_id: str
    currency: str
    shipped: Decimal
    captured: Decimal
    detail: str


def capture_differences(
    orders: Iterable[OrderPayments],
    now: datetime,
    pending_after: timedelta = DEFAULT_PENDING_AFTER,
) -> list[CaptureDifference]:
    return [d for order in orders for d in _order_differences(order, now, pending_after)]


def _order_differences(
    order: OrderPayments, now: datetime, pending_after: timedelta
) -> list[CaptureDifference]:
    shipped, captured, pending = order.shipped, order.captured, order.pending
    found: list[tuple[CaptureDifferenceKind, str]] = []
    if captured > shipped:
        found.append(
            (CaptureDifferenceKind.CAPTURED_NOT_SHIPPED, f"captured {captured}, shipped {shipped}")
        )
    elif shipped > captured + pending:
        detail = f"shipped {shipped}, captured {captured}, pending {pending}"
        found.append((CaptureDifferenceKind.SHIPPED_NOT_CAPTURED, detail))
    for entry in order.captures:
        age = now - entry.at
        if entry.state is CaptureState.PENDING and age > pending_after:
            detail = f"capture {entry.entry_id} of {entry.value} pending {age.days} day(s)"
            found.append((CaptureDifferenceKind.CAPTURE_PENDING_TOO_LONG, detail))
    return [
        CaptureDifference(
            kind=kind,
            order_id=order.order_id,
            currency=order.currency,
            shipped=shipped,
            captured=captured,
            detail=detail,
        )
        for kind, detail in found
    ]
