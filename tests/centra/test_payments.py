"""Centra's orders read for month-end against the sandbox: shipments valued at the order's unit
prices, captures with the outcome each stands at, and the differences they make."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.capture_differences import CaptureDifferenceKind, capture_differences
from integrations.centra.payments import order_payments
from tests.centra.support import NOW
from tests.centra.test_dispatch import NUMBER, parcel, ready


async def test_a_captured_shipment_matches_and_a_declined_one_differs() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness))
    [paid] = await order_payments(harness.channel.orders, [NUMBER, 9999])  # 9999: no order
    assert paid.order_id == str(NUMBER) and paid.shipped == paid.captured > Decimal(0)
    assert capture_differences([paid], NOW) == []

    declined = ready(capture_fails=True)
    await declined.channel.confirm_parcel(parcel(declined))
    [order] = await order_payments(declined.channel.orders, [NUMBER])
    [difference] = capture_differences([order], NOW)
    assert difference.kind is CaptureDifferenceKind.SHIPPED_NOT_CAPTURED
    assert difference.shipped == paid.shipped and difference.captured == 0


async def test_a_capture_pending_for_days_is_named() -> None:
    harness = ready(payment="asynchronous")
    await harness.channel.confirm_parcel(parcel(harness))
    [order] = await order_payments(harness.channel.orders, [NUMBER])
    assert order.pending == order.shipped and capture_differences([order], NOW) == []
    [late] = capture_differences([order], NOW + timedelta(days=4))
    assert late.kind is CaptureDifferenceKind.CAPTURE_PENDING_TOO_LONG
