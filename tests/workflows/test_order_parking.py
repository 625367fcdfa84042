"""Every way OrderFulfillment parks an order: each ends in a visible EXCEPTION a signal clears,
never in a workflow task that fails and is retried forever."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain import search_attributes as sa
from domain import shipment
from domain.capture import CaptureState
from domain.exceptions import ExceptionKind
from domain.lifecycle import OperatorRequest, OrderStage, OrderStatus
from domain.order import ChannelOrderStatus
from domain.shipment import LineProgress
from domain.warehouse import CancelOutcome, Parcel
from tests.workflows.fakes import CaptureWorld, FakeWorld, dispatch, make_order, parcel
from tests.workflows.order_harness import (
    Harness,
    OrderHandle,
    at,
    eventually,
    finished,
    notice,
    rejected,
    running_harness,
    task_failures,
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


# --- every parking path -----------------------------------------------------------------------


def refused(kind: ExceptionKind, message: str = "refused") -> ApplicationError:
    return ApplicationError(message, type=kind.value, non_retryable=True)


async def injected(harness: Harness, refused_first: bool, units: int = 2) -> OrderHandle:
    """An injected order of `units` of one line; with `refused_first`, the channel has
    cancelled it and GXO refused the cancellation (already picked)."""
    if refused_first:
        return await refused_cancel(harness, units)
    return await harness.inject(make_order(lines=[("TSHIRT-BLK-M", units)]))


@dataclass
class Case:
    harness: Harness
    refused_first: bool
    monkeypatch: pytest.MonkeyPatch


Step = Callable[[Case, OrderHandle], Awaitable[None]]


async def nothing(case: Case, handle: OrderHandle) -> None:
    """No fix needed before the retry."""


@dataclass
class ParkingPath:
    """How to park an order one way, what a person fixes, and what the order does once they
    send `retry`."""

    kind: ExceptionKind
    reach: Callable[[Case], Awaitable[OrderHandle]]
    after_retry: Step
    fix: Step = nothing
    after_injection: bool = True  # also reachable once GXO refused a cancellation
    world: Callable[[], FakeWorld] = FakeWorld


def failing_fetch(failure: ApplicationError) -> Callable[[Case], Awaitable[OrderHandle]]:
    async def reach(case: Case) -> OrderHandle:
        case.harness.world.fetch_failures.append(failure)
        return await case.harness.start(make_order())

    return reach


async def reach_unmapped_sku(case: Case) -> OrderHandle:
    world = case.harness.world
    order = world.add(make_order(lines=[("NEW-SKU-9", 1)]))
    world.mappings.skus = [m for m in world.mappings.skus if m.sku != "NEW-SKU-9"]
    return await case.harness.start(order, add=False)


async def add_the_mapping(case: Case, handle: OrderHandle) -> None:
    case.harness.world.add(case.harness.order(handle))


async def reach_refused_injection(case: Case) -> OrderHandle:
    case.harness.world.inject_failures.append(refused(ExceptionKind.WAREHOUSE_REJECTED))
    return await case.harness.start(make_order())


async def reach_gxo_rejection(case: Case) -> OrderHandle:
    handle = await injected(case.harness, case.refused_first)
    await handle.signal(OrderFulfillment.warehouse_event, rejected(case.harness.order(handle), 1))
    return handle


def bad_parcel(*lines: tuple[str, int]) -> Callable[[Case], Awaitable[OrderHandle]]:
    async def reach(case: Case) -> OrderHandle:
        handle = await injected(case.harness, case.refused_first)
        await case.harness.ship(handle, 1, parcel("P1", *lines))
        return handle

    return reach


async def reach_duplicate_tracking(case: Case) -> OrderHandle:
    handle = await injected(case.harness, case.refused_first)
    await case.harness.ship(handle, 1, parcel("P1", ("10000", 1), tracking="TRK-SAME"))
    await until(handle, lambda s: bool(s.parcels) and s.parcels[0].confirmed)
    await case.harness.ship(handle, 2, parcel("P2", ("10000", 1), tracking="TRK-SAME"))
    return handle


async def reach_refused_confirm(case: Case) -> OrderHandle:
    case.harness.world.confirm_failures["P1"] = refused(ExceptionKind.CHANNEL_REJECTED)
    handle = await injected(case.harness, case.refused_first)
    await case.harness.ship(handle, 1, parcel("P1", ("10000", 2)))
    return handle


async def reach_refused_reinject(case: Case) -> OrderHandle:
    handle = await injected(case.harness, case.refused_first)
    case.harness.world.inject_failures.append(refused(ExceptionKind.WAREHOUSE_REJECTED))
    await handle.signal(OrderFulfillment.reinject, OperatorRequest(reason="GXO lost it"))
    return handle


async def reach_refused_lookup(case: Case) -> OrderHandle:
    handle = await injected(case.harness, case.refused_first)
    case.harness.world.lookup_failures.append(refused(ExceptionKind.WAREHOUSE_REJECTED))
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="recover dispatches"))
    return handle


async def reach_refused_cancel_call(case: Case) -> OrderHandle:
    handle = await injected(case.harness, False)
    case.harness.world.cancel_failures.append(refused(ExceptionKind.WAREHOUSE_REJECTED))
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(case.harness.order(handle), timedelta(minutes=1), ChannelOrderStatus.CANCELLED),
    )
    return handle


async def reach_defect(case: Case) -> OrderHandle:
    """A defect in the workflow's own code, simulated by a domain rule that raises once. The
    patch is in place before the run starts, so the run's sandbox imports the faulty rule."""
    real = shipment.apply_parcel
    calls = itertools.count()

    def faulty(progress: list[LineProgress], shipped: Parcel) -> list[LineProgress]:
        if next(calls) == 0:
            raise RuntimeError("simulated defect")
        return real(progress, shipped)

    case.monkeypatch.setattr(shipment, "apply_parcel", faulty)
    handle = await injected(case.harness, case.refused_first)
    gxo_parcel = parcel("P1", ("10000", 2))
    case.harness.world.warehouse_parcels[case.harness.order(handle).ref.order_id] = [gxo_parcel]
    await case.harness.ship(handle, 1, gxo_parcel)
    return handle


async def reach_failed_capture(case: Case) -> OrderHandle:
    """The channel could not capture the payment of the last parcel (Centra: declined)."""
    assert isinstance(case.harness.world, CaptureWorld)
    case.harness.world.at_confirm = CaptureState.FAILED
    handle = await injected(case.harness, case.refused_first, units=1)
    await case.harness.ship(handle, 1, parcel("P1", ("10000", 1)))
    return handle


async def injects(case: Case, handle: OrderHandle) -> None:
    await until(handle, at(OrderStage.INJECTED))


async def injects_again(case: Case, handle: OrderHandle) -> None:
    await until(handle, lambda s: s.injections == 2 and s.stage is not OrderStage.EXCEPTION)


def sets_the_parcel_aside(confirmed: list[str]) -> Step:
    async def check(case: Case, handle: OrderHandle) -> None:
        status = await until(handle, lambda s: s.stage is not OrderStage.EXCEPTION)
        assert "set aside" in status.history[-1]
        assert [c.parcel.parcel_id for c in case.harness.world.confirms] == confirmed

    return check


async def ships(case: Case, handle: OrderHandle) -> None:
    assert (await finished(handle)).stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in case.harness.world.confirms] == ["P1"]


async def looks_up_again(case: Case, handle: OrderHandle) -> None:
    await eventually(lambda: case.harness.world.lookups == 2)
    await until(handle, lambda s: s.stage is not OrderStage.EXCEPTION)


async def cancels(case: Case, handle: OrderHandle) -> None:
    assert (await finished(handle)).stage is OrderStage.CANCELLED
    assert len(case.harness.world.cancels) == 1


PATHS = {
    "unreadable order": ParkingPath(
        ExceptionKind.INVALID_CHANNEL_DATA,
        failing_fetch(refused(ExceptionKind.INVALID_CHANNEL_DATA)),
        injects,
        after_injection=False,
    ),
    "order not found": ParkingPath(
        ExceptionKind.ORDER_NOT_FOUND,
        failing_fetch(refused(ExceptionKind.ORDER_NOT_FOUND)),
        injects,
        after_injection=False,
    ),
    "failure of no known kind": ParkingPath(
        ExceptionKind.UNEXPECTED_ERROR,
        failing_fetch(ApplicationError("no kind", type="SurpriseError", non_retryable=True)),
        injects,
        after_injection=False,
    ),
    "unmapped SKU": ParkingPath(
        ExceptionKind.UNMAPPED_SKU,
        reach_unmapped_sku,
        injects,
        fix=add_the_mapping,
        after_injection=False,
    ),
    "injection refused": ParkingPath(
        ExceptionKind.WAREHOUSE_REJECTED, reach_refused_injection, injects, after_injection=False
    ),
    "GXO rejects later": ParkingPath(
        ExceptionKind.WAREHOUSE_REJECTED,
        reach_gxo_rejection,
        injects_again,
        after_injection=False,  # after a refused cancel it closes instead (tested above)
    ),
    "over-shipment": ParkingPath(
        ExceptionKind.OVER_SHIPMENT, bad_parcel(("10000", 3)), sets_the_parcel_aside([])
    ),
    "unknown line": ParkingPath(
        ExceptionKind.UNKNOWN_ORDER_LINE, bad_parcel(("99999", 1)), sets_the_parcel_aside([])
    ),
    "duplicate tracking": ParkingPath(
        ExceptionKind.DUPLICATE_TRACKING, reach_duplicate_tracking, sets_the_parcel_aside(["P1"])
    ),
    "confirm refused": ParkingPath(ExceptionKind.CHANNEL_REJECTED, reach_refused_confirm, ships),
    "reinject refused": ParkingPath(
        ExceptionKind.WAREHOUSE_REJECTED, reach_refused_reinject, injects_again
    ),
    "lookup refused": ParkingPath(
        ExceptionKind.WAREHOUSE_REJECTED, reach_refused_lookup, looks_up_again
    ),
    "cancel call refused": ParkingPath(
        ExceptionKind.WAREHOUSE_REJECTED, reach_refused_cancel_call, cancels, after_injection=False
    ),
    "defect in the workflow": ParkingPath(ExceptionKind.UNEXPECTED_ERROR, reach_defect, ships),
    "capture failed": ParkingPath(
        ExceptionKind.CAPTURE_FAILED, reach_failed_capture, ships, world=CaptureWorld
    ),
}
CASES = [(name, False) for name in PATHS] + [
    (name, True) for name, path in PATHS.items() if path.after_injection
]


@pytest.mark.parametrize(
    ("name", "refused_first"),
    CASES,
    ids=[f"{name}{', cancel refused first' if first else ''}" for name, first in CASES],
)
async def test_every_parking_path_parks_visibly_and_resumes(
    order_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    refused_first: bool,
) -> None:
    path = PATHS[name]
    async with running_harness(order_env, path.world()) as harness:
        await park_and_resume(path, Case(harness, refused_first, monkeypatch))


async def park_and_resume(path: ParkingPath, case: Case) -> None:
    handle = await path.reach(case)
    status = await until(handle, parked(path.kind))  # type: ignore[arg-type]
    assert status.exception is not None and status.exception.message
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.EXCEPTION_KIND) == path.kind.value
    assert attributes.get(sa.ORDER_STAGE) == OrderStage.EXCEPTION.value
    await path.fix(case, handle)
    await handle.signal(OrderFulfillment.retry, RETRY)
    await path.after_retry(case, handle)
    assert await task_failures(handle) == []
