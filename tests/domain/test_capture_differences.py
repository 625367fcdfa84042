"""Captured amounts against shipped ones, per order, with each difference named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.capture_differences import (
    CaptureDifferenceKind,
    CaptureEntry,
    CaptureState,
    OrderPayments,
    ShipmentPayment,
    capture_differences,
)

NOW = datetime(2026, 7, 31, tzinfo=UTC)
D = Decimal


def shipment(value: str, shipped: bool = True, paid: bool = False) -> ShipmentPayment:
    return ShipmentPayment(shipment_id=value, shipped=shipped, paid=paid, value=D(value))


def capture(value: str, state: CaptureState, days_ago: float = 0) -> CaptureEntry:
    at = NOW - timedelta(days=days_ago)
    return CaptureEntry(entry_id=f"{value}-{state}", state=state, value=D(value), at=at)


def kinds(order: OrderPayments) -> list[CaptureDifferenceKind]:
    return [d.kind for d in capture_differences([order], NOW)]


@pytest.mark.parametrize(
    ("shipments", "captures", "expected"),
    [
        ((shipment("50.00"),), (capture("50.00", CaptureState.SUCCESS),), []),
        ((shipment("50.00"),), (capture("50.00", CaptureState.PENDING, 1),), []),
        (
            (shipment("50.00"), shipment("20.00", shipped=False)),
            (capture("70.00", CaptureState.SUCCESS),),
            [CaptureDifferenceKind.CAPTURED_NOT_SHIPPED],
        ),
        (
            (shipment("50.00"),),
            (capture("50.00", CaptureState.FAILED),),
            [CaptureDifferenceKind.SHIPPED_NOT_CAPTURED],
        ),
        ((shipment("50.00"),), (), [CaptureDifferenceKind.SHIPPED_NOT_CAPTURED]),
        ((shipment("50.00", paid=True),), (), []),  # paid outside the channel
        (
            (shipment("50.00"),),
            (capture("50.00", CaptureState.PENDING, 5),),
            [CaptureDifferenceKind.CAPTURE_PENDING_TOO_LONG],
        ),
    ],
    ids=["matched", "pending", "over", "failed", "none", "paid", "pending-long"],
)
def test_each_order_is_judged(
    shipments: tuple[ShipmentPayment, ...],
    captures: tuple[CaptureEntry, ...],
    expected: list[CaptureDifferenceKind],
) -> None:
    order = OrderPayments(order_id="1001", currency="EUR", shipments=shipments, captures=captures)
    assert kinds(order) == expected
