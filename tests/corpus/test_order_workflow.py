"""What GXO reports about an order that the order must not act on as sent, through the real
OrderFulfillment on the shared dev server (no case waits on a timer, so no time needs skipping,
and the suite starts no second Java test server); the fakes of tests/workflows stand in for the
channel and GXO. Each ends in a named outcome on the order (parked with an ExceptionKind, or
the event set aside), and nothing is lost: nothing is confirmed on a bad dispatch's word, and
once a person acts (retry, reinject) the order ships the parcels GXO really sent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from domain.lifecycle import OperatorRequest, OrderStage, OrderStatus
from tests.activities.temporal_server import DevServer
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, rows
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import (
    Harness,
    OrderHandle,
    at,
    eventually,
    finished,
    running_harness,
    until,
)
from tests.workflows.test_order_parking import refused_cancel
from workflows.order_fulfillment import OrderFulfillment

SURFACE = "order workflow: GXO dispatch"
LINE = "10000"  # the one line of make_order's order
FIXED = OperatorRequest(reason="looked at it", requested_by="corpus")
Script = Callable[[Harness], Awaitable[Observed]]


@pytest.fixture
async def harness(dev_server: DevServer) -> AsyncIterator[Harness]:
    async with running_harness(dev_server.env) as running:
        yield running


def parked(status: OrderStatus) -> Observed:
    if status.stage is OrderStage.EXCEPTION and status.exception is not None:
        return Observed(f"parks {status.exception.kind.value}", status.exception.message)
    return Observed(status.stage.value, "; ".join(status.history[-2:]))


def confirmed(harness: Harness) -> list[str]:
    return [c.parcel.parcel_id for c in harness.world.confirms]


async def resumes(harness: Harness, handle: OrderHandle, signal: str, *expected: str) -> list[str]:
    """What is lost if, after a person's `signal` and GXO's real parcel P-GOOD, the order does
    not ship exactly `expected` parcels."""
    await handle.signal(signal, FIXED)
    order = harness.order(handle)
    if "P-GOOD" in expected:
        await handle.signal(
            OrderFulfillment.warehouse_event, dispatch(order, 9, parcel("P-GOOD", (LINE, 1)))
        )
    result = await finished(handle)
    shipped = [] if result.stage is OrderStage.SHIPPED else [f"ended {result.stage.value}"]
    return shipped + missing("parcels confirmed", list(expected), confirmed(harness))


async def over_shipment(harness: Harness) -> Observed:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 1)]))
    await harness.ship(handle, 1, parcel("P-BAD", (LINE, 3)))
    observed = parked(await until(handle, at(OrderStage.EXCEPTION)))
    observed.lost += missing("confirmed before a person looked", [], confirmed(harness))
    observed.lost += await resumes(harness, handle, "retry", "P-GOOD")
    return observed


async def unknown_line(harness: Harness) -> Observed:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 1)]))
    await harness.ship(handle, 1, parcel("P-BAD", ("99999", 1)))
    observed = parked(await until(handle, at(OrderStage.EXCEPTION)))
    observed.lost += missing("confirmed before a person looked", [], confirmed(harness))
    observed.lost += await resumes(harness, handle, "retry", "P-GOOD")
    return observed


async def resent_parcel(harness: Harness) -> Observed:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 2)]))
    first = parcel("P1", (LINE, 1))
    for sequence in (1, 2):  # the same parcel under two event ids
        await harness.ship(handle, sequence, first)
    await harness.ship(handle, 3, parcel("P2", (LINE, 1)))
    result = await finished(handle)
    sent = confirmed(harness)
    name = "confirmed once" if sent.count("P1") == 1 else f"confirmed {sent.count('P1')} times"
    observed = Observed(name, f"parcels confirmed: {', '.join(sent)}")
    observed.lost += missing("the order shipped", OrderStage.SHIPPED, result.stage)
    observed.lost += missing("parcels confirmed", ["P1", "P2"], sent)
    return observed


async def tracking_twice(harness: Harness) -> Observed:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 2)]))
    await harness.ship(handle, 1, parcel("P1", (LINE, 1), tracking="TRK-1"))
    await harness.ship(handle, 2, parcel("P1-AGAIN", (LINE, 1), tracking="TRK-1"))
    observed = parked(await until(handle, at(OrderStage.EXCEPTION)))
    observed.lost += missing("confirmed before a person looked", ["P1"], confirmed(harness))
    # The operator finds it is a two-piece shipment under one tracking number: reinject.
    observed.lost += await resumes(harness, handle, "reinject", "P1", "P1-AGAIN")
    return observed


async def foreign_facility(harness: Harness) -> Observed:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 1)]))
    order = harness.order(handle)
    stray = dispatch(order, 1, parcel("P-STRAY", (LINE, 1))).model_copy(
        update={"facility_id": "GXO-DE-KOB"}
    )
    await handle.signal(OrderFulfillment.warehouse_event, stray)
    await until(handle, lambda s: any("set aside" in note for note in s.history))
    await eventually(lambda: bool(harness.world.set_aside))  # the note comes first
    kept = [(s.event.event_id, s.reason.value, s.detail) for s in harness.world.set_aside]
    observed = (
        Observed(f"set aside {kept[0][1]}", kept[0][2])
        if len(kept) == 1
        else Observed(f"{len(kept)} events set aside")
    )
    observed.lost += missing("the stray event kept", [stray.event_id], [k[0] for k in kept])
    observed.lost += missing("confirmed on its word", [], confirmed(harness))
    await harness.ship(handle, 2, parcel("P-GOOD", (LINE, 1)))
    result = await finished(handle)
    observed.lost += missing("the order shipped", OrderStage.SHIPPED, result.stage)
    observed.lost += missing("parcels confirmed", ["P-GOOD"], confirmed(harness))
    return observed


async def over_shipment_after_refused_cancel(harness: Harness) -> Observed:
    handle = await refused_cancel(harness)
    await harness.ship(handle, 1, parcel("P-BAD", (LINE, 2)))
    observed = parked(await until(handle, at(OrderStage.EXCEPTION)))
    observed.lost += missing("confirmed before a person looked", [], confirmed(harness))
    observed.lost += await resumes(harness, handle, "retry", "P-GOOD")
    return observed


WORKFLOW_CASES: list[tuple[Case, Script]] = [
    (
        Case(
            "wf-over-shipment",
            SURFACE,
            "3 units shipped of a line of 1",
            Outcome("parks OVER_SHIPMENT"),
        ),
        over_shipment,
    ),
    (
        Case(
            "wf-unknown-order-line",
            SURFACE,
            "a parcel line for channel line 99999",
            Outcome("parks UNKNOWN_ORDER_LINE", "99999"),
        ),
        unknown_line,
    ),
    (
        Case(
            "wf-parcel-resent",
            SURFACE,
            "the same parcel id under a new event id",
            Outcome("confirmed once"),
        ),
        resent_parcel,
    ),
    (
        Case(
            "wf-tracking-under-new-parcel",
            SURFACE,
            "a known tracking number under another parcel id",
            Outcome("parks DUPLICATE_TRACKING", "TRK-1"),
        ),
        tracking_twice,
    ),
    (
        Case(
            "wf-dispatch-other-facility",
            SURFACE,
            "a dispatch reported by a facility the order is not at",
            Outcome("set aside FACILITY", "at GXO-UK-DAV"),
        ),
        foreign_facility,
    ),
    (
        Case(
            "wf-over-shipment-after-refused-cancel",
            SURFACE,
            "GXO refused the cancel (TOO_LATE), then ships 2 of 1",
            Outcome("parks OVER_SHIPMENT"),
        ),
        over_shipment_after_refused_cancel,
    ),
]


@rows("script", WORKFLOW_CASES)
async def test_a_dispatch_the_order_must_not_act_on_as_sent(
    case: Case, script: Script, harness: Harness, corpus: Corpus
) -> None:
    corpus.check(case, await script(harness))
