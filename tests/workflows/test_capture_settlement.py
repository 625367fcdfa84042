"""OrderFulfillment waiting for payment captures (patch `settle-captures`), on the time-skipping
server: an asynchronous capture is polled on durable timers until it settles (days, without a
sleeping activity); a failed one parks the order as CAPTURE_FAILED until `retry` captures it
again; one pending too long is raised to a person without being captured twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.capture import CaptureState
from domain.exceptions import ExceptionKind
from domain.lifecycle import OperatorRequest, OrderStage, OrderStatus
from tests.workflows.fakes import CaptureWorld, dispatch, make_order, parcel
from tests.workflows.order_harness import Harness, running_harness, until
from tests.workflows.time_skipping import skip
from workflows.order_fulfillment import CAPTURE_PATIENCE, OrderFulfillment


@pytest_asyncio.fixture
async def harness(time_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    async with running_harness(time_env, CaptureWorld()) as running:
        yield running


def world_of(harness: Harness) -> CaptureWorld:
    assert isinstance(harness.world, CaptureWorld)
    return harness.world


def parked(status: OrderStatus) -> bool:
    return status.stage is OrderStage.EXCEPTION


async def ship(harness: Harness, *parcels: str) -> WorkflowHandle[OrderFulfillment, OrderStatus]:
    handle = await harness.start(make_order(lines=[("TSHIRT-BLK-M", len(parcels))]))
    order = harness.world.orders[handle.id.rsplit(":", 1)[-1]]  # as re-based on the server clock
    await until(handle, lambda s: s.stage is OrderStage.INJECTED)
    for sequence, parcel_id in enumerate(parcels, start=1):
        await handle.signal(
            OrderFulfillment.warehouse_event,
            dispatch(order, sequence, parcel(parcel_id, ("10000", 1))),
        )
    return handle


async def test_a_pending_capture_is_polled_on_timers_until_it_settles(harness: Harness) -> None:
    world_of(harness).checks = [CaptureState.PENDING, CaptureState.PENDING, CaptureState.CAPTURED]
    handle = await ship(harness, "P1")
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED and result.captures == [] and result.exception is None
    assert [s.again for s in world_of(harness).settles] == [False, False, False]
    assert any("payment capture(s) to settle" in note for note in result.history)
    assert any("every payment capture settled" in note for note in result.history)


async def test_the_second_parcel_is_told_the_first_ones_pending_capture(harness: Harness) -> None:
    handle = await ship(harness, "P1", "P2")
    await handle.result()
    first, second = harness.world.confirms
    assert first.other_captures == [] and second.other_captures == ["501"]


async def test_a_failed_capture_parks_until_retry_captures_again(harness: Harness) -> None:
    world_of(harness).at_confirm = CaptureState.FAILED
    handle = await ship(harness, "P1")
    status = await until(handle, parked)
    assert status.exception is not None and status.exception.kind is ExceptionKind.CAPTURE_FAILED
    assert status.exception.message == "declined"
    assert [c.state for c in status.captures] == [CaptureState.FAILED]
    assert world_of(harness).settles == []  # nothing is captured again without a person
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="card updated"))
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED and result.captures == []
    assert [s.again for s in world_of(harness).settles] == [True]


async def test_an_asynchronous_capture_failing_days_later_parks_the_order(harness: Harness) -> None:
    world_of(harness).checks = [
        CaptureState.PENDING,
        CaptureState.FAILED,
        CaptureState.PENDING,
        CaptureState.CAPTURED,
    ]
    handle = await ship(harness, "P1")
    await harness.env.sleep(timedelta(hours=1))
    status = await until(handle, parked)
    assert status.exception is not None and status.exception.message == "settled FAILED"
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="retry the capture"))
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [s.again for s in world_of(harness).settles] == [False, False, True, False]


async def test_a_capture_pending_too_long_is_raised_and_never_captured_twice(
    harness: Harness,
) -> None:
    world_of(harness).checks = [CaptureState.PENDING]
    handle = await ship(harness, "P1")
    await skip(harness.env, CAPTURE_PATIENCE + timedelta(days=1), step=timedelta(days=1))
    status = await until(handle, parked)
    assert (
        status.exception is not None and "still pending after 14 days" in status.exception.message
    )
    checks = len(world_of(harness).settles)
    assert checks < 200  # backed off to CAPTURE_MAX_CHECK, not polled every minute
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="look again"))
    status = await until(
        handle, lambda s: bool(s.captures) and s.captures[0].state is CaptureState.PENDING
    )
    assert status.stage is OrderStage.SHIPPED and status.exception is None
    assert status.captures[0].requests == ["501"]  # still the one request: waited for again
    retried = world_of(harness).settles[checks]
    assert retried.again is True  # the channel captures again only if the request failed
