"""OrderFulfillment keeps its history short: it continues as new from the points where it waits,
carrying its whole state, upserts search attributes only when they change, and ignores notices
that say nothing new. These run on a time-skipping server of their own: they skip months."""

from __future__ import annotations

import asyncio
import gzip
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.testing import WorkflowEnvironment

from domain.lifecycle import OperatorRequest, OrderStage
from domain.order import ChannelOrderStatus
from tests.e2e.histories import decoded_json, save_histories
from tests.workflows.conftest import start_time_skipping
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import (
    Harness,
    OrderHandle,
    at,
    finished,
    notice,
    until,
)
from tests.workflows.time_skipping import skip
from workflows.order_fulfillment import HISTORY_EVENTS_LIMIT, OrderFulfillment

HELD_DAYS = 60
# A held order re-reads the channel hourly: a timer, a workflow task, the read, a workflow
# task: 11 events an hour. Each run stops at HISTORY_EVENTS_LIMIT events, checked once per
# hourly turn, so a run never exceeds the limit by more than one turn.
RUN_BOUND = HISTORY_EVENTS_LIMIT + 20
TOTAL_BOUND = HELD_DAYS * 24 * 12  # every run of 60 held days together
UPSERT = EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES


@pytest_asyncio.fixture(scope="module")
async def order_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()


async def runs(harness: Harness, handle: OrderHandle) -> list[list[HistoryEvent]]:
    """The events of every run of the workflow, first run first."""
    found: list[list[HistoryEvent]] = []
    run_id: str | None = handle.first_execution_run_id
    while run_id:
        run = harness.env.client.get_workflow_handle(handle.id, run_id=run_id)
        events = list((await run.fetch_history()).events)
        found.append(events)
        last = events[-1]
        continued = last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        run_id = (
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            if continued
            else None
        )
    return found


async def continued(handle: OrderHandle, first_run: str) -> bool:
    return (await handle.describe()).run_id != first_run


async def eventually_async(condition: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(600):  # a bound (60 s), not a timing assertion
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("never happened")


async def test_an_order_held_for_sixty_days_keeps_its_history_bounded(harness: Harness) -> None:
    handle = await harness.start(make_order(status=ChannelOrderStatus.PENDING))
    order = harness.order(handle)
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    await skip(harness.env, timedelta(days=HELD_DAYS), step=timedelta(days=1))

    histories = await runs(harness, handle)
    sizes = [len(events) for events in histories]
    assert len(histories) >= 2, sizes
    assert max(sizes) <= RUN_BOUND, sizes
    assert sum(sizes) <= TOTAL_BOUND, sizes
    assert harness.world.fetches >= HELD_DAYS * 24  # it kept re-reading all along
    upserts = [sum(1 for e in events if e.event_type == UPSERT) for events in histories]
    # The order is started with its identity and RECEIVED (as the intakes start it); the first
    # run upserts its ship-by, AWAITING_PAYMENT and the SDK its patch marker's
    # TemporalChangeVersion; a later run inherits them all and upserts only its own patch
    # marker: never one per hourly re-read.
    assert upserts[0] <= 3 and set(upserts[1:]) <= {1}, upserts
    pending_notes = [n for n in (await handle.query(OrderFulfillment.status)).history]
    assert sum("still pending" in note for note in pending_notes) == 1

    released = order.model_copy(
        update={
            "status": ChannelOrderStatus.READY,
            "last_updated_at": order.last_updated_at + timedelta(days=HELD_DAYS),
        }
    )
    harness.world.orders[order.ref.order_id] = released
    await handle.signal(OrderFulfillment.order_changed, released.change())
    status = await until(handle, lambda s: s.injections == 1)
    assert len(harness.world.injections) == 1
    assert status.ship_by == order.ship_by
    assert status.stage is OrderStage.LATE and status.late  # held past its ship-by date


async def test_a_held_order_continued_as_new_is_released_and_ships(harness: Harness) -> None:
    """The run that continues a held order picks up where the first left off. With
    CONSIGN_CAPTURE_HISTORIES=<dir> both runs are saved for the replay test."""
    held = make_order(status=ChannelOrderStatus.PENDING, ship_by_in=timedelta(days=30))
    handle = await harness.start(held)
    order = harness.order(handle)
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    first_run = (await handle.describe()).run_id
    await eventually_async(lambda: skipped_until_continued(harness, handle, first_run))
    released = order.model_copy(update={"status": ChannelOrderStatus.READY})
    harness.world.orders[order.ref.order_id] = released
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(released, timedelta(days=9), ChannelOrderStatus.READY),
    )
    await until(handle, at(OrderStage.INJECTED))
    await harness.ship(handle, 1, parcel("P1", ("10000", 1)))
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    assert any("still pending" in note for note in result.history)  # carried from run one
    histories = await runs(harness, handle)
    assert len(histories) == 2
    if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
        first, resumed = [
            await harness.env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
            for run_id in (first_run, (await handle.describe()).run_id)
        ]
        stored = Path(target)
        save_histories(
            {"bounded_order_continued_then_shipped": await decoded_json(resumed)}, stored
        )
        long_run = stored / "bounded_order_held_until_continued.json.gz"
        long_run.write_bytes(gzip.compress((await decoded_json(first)).encode()))


async def skipped_until_continued(harness: Harness, handle: OrderHandle, first_run: str) -> bool:
    """Skip a simulated day, then say whether the order has continued as new."""
    await harness.env.sleep(timedelta(days=1))
    return await continued(handle, first_run)


async def test_a_continued_order_carries_its_parcels_and_decisions(harness: Harness) -> None:
    """Flooded with notices an injected order continues as new mid-fulfilment; what it knew
    (confirmed parcels, package numbers, a parcel set aside) survives the new run."""
    handle = await harness.start(make_order(lines=[("TSHIRT-BLK-M", 3)]))
    order = harness.order(handle)
    await until(handle, at(OrderStage.INJECTED))
    first, bad = parcel("P1", ("10000", 1)), parcel("PX", ("10000", 9))
    await handle.signal(OrderFulfillment.warehouse_event, dispatch(order, 1, first, bad))
    await until(handle, at(OrderStage.EXCEPTION))  # PX over-ships
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="GXO will correct it"))
    await until(handle, lambda s: s.stage is not OrderStage.EXCEPTION)

    second = parcel("P2", ("10000", 1))
    first_run = (await handle.describe()).run_id
    sent = 0
    # The first run's own history: the workflow's latest run raced with the continuation (a
    # loaded worker could continue between two checks, and the loop went on filling the second
    # run until `sent` passed the limit).
    first_run_handle = harness.env.client.get_workflow_handle(handle.id, run_id=first_run)
    while len((await first_run_handle.fetch_history()).events) < HISTORY_EVENTS_LIMIT:
        for _ in range(100):  # every notice is news (a later update) and adds events
            sent += 1
            later = notice(order, timedelta(minutes=sent), ChannelOrderStatus.READY)
            await handle.signal(OrderFulfillment.order_changed, later)
        if sent == 300:
            await handle.signal(OrderFulfillment.warehouse_event, dispatch(order, 2, second))
        assert sent <= HISTORY_EVENTS_LIMIT, "notices add no events"
    await eventually_async(lambda: continued(handle, first_run))
    assert len(await runs(harness, handle)) >= 2
    third = parcel("P3", ("10000", 1))
    harness.world.warehouse_parcels[order.ref.order_id] = [first, bad, second, third]
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="recover dispatches"))
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    confirmed = [(c.parcel.parcel_id, c.package_reference) for c in harness.world.confirms]
    assert confirmed == [("P1", "1"), ("P2", "2"), ("P3", "3")]
    assert [p.parcel_id for p in result.parcels] == ["P1", "P2", "P3"]


async def test_a_notice_that_says_nothing_new_does_not_wake_a_held_order(
    harness: Harness,
) -> None:
    """Intakes re-read overlapping windows: the same notice 25 times is one notice."""
    handle = await harness.start(make_order(status=ChannelOrderStatus.PENDING))
    order = harness.order(handle)
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    for _ in range(25):
        await handle.signal(OrderFulfillment.order_changed, order.change())
    news = notice(order, timedelta(minutes=1), ChannelOrderStatus.PENDING)
    for _ in range(25):
        await handle.signal(OrderFulfillment.order_changed, news)
    await until(handle, lambda s: harness.world.fetches >= 2)
    status = await until(handle, at(OrderStage.AWAITING_PAYMENT))
    assert harness.world.fetches == 2  # the first read, and one for the one real change
    assert status.stage is OrderStage.AWAITING_PAYMENT
