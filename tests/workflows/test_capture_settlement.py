"""OrderFulfillment waiting for payment captures (patch `settle-captures`), on the time-skipping
server: an asynchronous capture is polled on durable timers until it settles (days, without a
sleeping activity); a failed one parks the order as CAPTURE_FAILED until `retry` captures it
again; one pending too long is raised to a person without being captured twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import CaptureRequest, ConfirmResult, ParcelConfirmRequest
from domain.capture import CaptureState, PaymentCapture
from domain.exceptions import ExceptionKind
from domain.lifecycle import OperatorRequest, OrderStage, OrderStatus
from tests.workflows.fakes import FakeWorld, dispatch, make_order, parcel
from tests.workflows.test_order_fulfillment import Harness, until
from workflows.order_fulfillment import CAPTURE_PATIENCE, OrderFulfillment


@dataclass
class CaptureWorld(FakeWorld):
    """FakeWorld whose channel captures payment: confirm_parcel answers `at_confirm`, and each
    settle_capture check answers the next of `checks` (the last one repeats)."""

    at_confirm: CaptureState = CaptureState.PENDING
    checks: list[CaptureState] = field(default_factory=lambda: [CaptureState.CAPTURED])
    settles: list[CaptureRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="confirm_parcel")
        async def confirm_parcel(request: ParcelConfirmRequest) -> ConfirmResult:
            self.confirms.append(request)
            number = len(self.confirms)
            capture = PaymentCapture(
                parcel_id=request.parcel.parcel_id,
                shipment_id=str(100 + number),
                state=self.at_confirm,
                requests=[str(500 + number)] if self.at_confirm is CaptureState.PENDING else [],
                message="declined" if self.at_confirm is CaptureState.FAILED else None,
            )
            return ConfirmResult(
                package_reference=request.package_reference, carrier_code="DHL", capture=capture
            )

        @activity.defn(name="settle_capture")
        async def settle_capture(request: CaptureRequest) -> PaymentCapture:
            self.settles.append(request)
            state = self.checks.pop(0) if len(self.checks) > 1 else self.checks[0]
            return request.capture.model_copy(
                update={
                    "state": state,
                    "requests": request.capture.requests if state is CaptureState.PENDING else [],
                    "message": "settled FAILED" if state is CaptureState.FAILED else None,
                }
            )

        others = [a for a in super().activities() if getattr(a, "__name__", "") != "confirm_parcel"]
        return [*others, confirm_parcel, settle_capture]


@pytest_asyncio.fixture
async def harness(time_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    world = CaptureWorld()
    queue = f"test-{uuid.uuid4()}"
    workers = [
        Worker(
            time_env.client,
            task_queue=q,
            workflows=[OrderFulfillment],
            activities=world.activities(),
        )
        for q in (queue, "amazon-getOrder", "amazon-confirmShipment")
    ]
    async with workers[0], workers[1], workers[2]:
        built = Harness(time_env, world, queue)
        yield built
        await built.terminate_open()


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
    await harness.env.sleep(CAPTURE_PATIENCE + timedelta(days=1))
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
