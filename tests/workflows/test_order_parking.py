"""Every way OrderFulfillment parks an order: each ends in a visible EXCEPTION a signal clears,
never in a workflow task that fails and is retried forever."""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError

from domain.exceptions import ExceptionKind
from domain.lifecycle import OperatorRequest, OrderStage, OrderStatus
from domain.order import ChannelOrderStatus
from domain.warehouse import CancelOutcome
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import (
    Harness,
    OrderHandle,
    at,
    finished,
    notice,
    rejected,
    until,
)
from workflows.order_fulfillment import OrderFulfillment

RETRY = OperatorRequest(reason="fixed", requested_by="ops")


def parked(kind: ExceptionKind) -> object:
    return lambda s: s.stage is OrderStage.EXCEPTION and s.exception and s.exception.kind is kind


async def refused_cancel(harness: Harness, lines: int = 1) -> OrderHandle:
    """An injected order the channel cancels after GXO has picked it."""
    harness.world.cancel_outcome = CancelOutcome.TOO_LATE
    handle = await harness.start(make_order(lines=[("TSHIRT-BLK-M", lines)]))
    order = harness.order(handle)
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(order, timedelta(minutes=1), ChannelOrderStatus.CANCELLED),
    )
    status: OrderStatus = await until(
        handle, lambda s: s.exception is not None and s.exception.kind.value == "CANCEL_TOO_LATE"
    )
    assert status.stage is OrderStage.INJECTED
    return handle


async def test_a_channel_refusing_the_confirm_after_a_refused_cancel_parks(
    harness: Harness,
) -> None:
    harness.world.confirm_failures["P1"] = ApplicationError(
        "the order is cancelled", type=ExceptionKind.CHANNEL_REJECTED.value, non_retryable=True
    )
    handle = await refused_cancel(harness)
    order = harness.order(handle)
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    await until(handle, parked(ExceptionKind.CHANNEL_REJECTED))  # type: ignore[arg-type]
    await handle.signal(OrderFulfillment.retry, RETRY)
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P1"]


async def test_an_over_shipment_after_a_refused_cancel_parks(harness: Harness) -> None:
    handle = await refused_cancel(harness)
    order = harness.order(handle)
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 2)))
    )
    await until(handle, parked(ExceptionKind.OVER_SHIPMENT))  # type: ignore[arg-type]
    await handle.signal(OrderFulfillment.retry, RETRY)
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 2, parcel("P2", ("10000", 1)))
    )
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P2"]


async def test_a_gxo_rejection_after_a_refused_cancel_closes_the_order(harness: Harness) -> None:
    """GXO dropped the order the channel cancelled: nothing is left to ship or to re-send."""
    handle = await refused_cancel(harness)
    await handle.signal(OrderFulfillment.warehouse_event, rejected(harness.order(handle), 1))
    result = await finished(handle)
    assert result.stage is OrderStage.CANCELLED
    assert result.exception is None
    assert len(harness.world.injections) == 1
