"""ChannelIntake and WarehouseIntake on the time-skipping server, with stand-in activities."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    ChangeBatch,
    ChangeSet,
    DeliveryReport,
    EventDelivery,
    PollRequest,
    PullRequest,
    StartReport,
    StockNotice,
    StockPulled,
)
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from domain.warehouse import EventPage, WarehouseEvent
from integrations.registry import Channel
from tests.workflows.fakes import dispatch, make_order, parcel
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress
from workflows.stock_intake import StockIntake, StockIntakeInput, StockIntakeProgress
from workflows.warehouse_intake import (
    WarehouseIntake,
    WarehouseIntakeInput,
    WarehouseIntakeProgress,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def change(order_id: str, fulfilled_by: FulfilledBy = FulfilledBy.MERCHANT) -> OrderChange:
    return OrderChange(
        ref=OrderRef(channel=Channel.AMAZON, account="A1", order_id=order_id),
        status=ChannelOrderStatus.READY,
        fulfilled_by=fulfilled_by,
        last_updated_at=T0,
    )


P = TypeVar("P")


async def poll_until(
    handle: WorkflowHandle, query: str, result_type: type[P], predicate: Callable[[P], bool]
) -> P:
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        progress = await handle.query(query, result_type=result_type)
        if predicate(progress):
            return progress
        await asyncio.sleep(0.025)
    raise AssertionError(f"never reached; last {progress!r}")


async def test_channel_intake_pages_then_moves_the_cursor_and_survives_a_failure(
    time_env: WorkflowEnvironment,
) -> None:
    polls: list[PollRequest] = []
    handed: list[list[str]] = []
    fail_next = [False]

    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        polls.append(request)
        if fail_next[0]:
            fail_next[0] = False
            raise ApplicationError(
                "bad client secret", type="CHANNEL_AUTH_FAILED", non_retryable=True
            )
        if request.page_token is None and len(polls) == 1:
            return ChangeBatch(changes=[change("A")], next_page_token="p2", cursor=request.since)
        if request.page_token == "p2":
            return ChangeBatch(
                changes=[change("B"), change("C", FulfilledBy.CHANNEL)],
                cursor=T0 + timedelta(hours=1),
            )
        return ChangeBatch(changes=[], cursor=request.since)

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        handed.append([c.ref.order_id for c in batch.changes])
        afn = sum(1 for c in batch.changes if c.fulfilled_by is FulfilledBy.CHANNEL)
        return StartReport(signalled=len(batch.changes) - afn, skipped_afn=afn)

    queue = f"intake-{uuid.uuid4()}"
    async with (
        Worker(
            time_env.client, task_queue=queue, workflows=[ChannelIntake], activities=[start, poll]
        ),
    ):
        handle = await time_env.client.start_workflow(
            ChannelIntake.run,
            ChannelIntakeInput(channel=Channel.AMAZON, account="A1", cursor=T0),
            id=f"intake-{uuid.uuid4()}",
            task_queue=queue,
        )
        progress = await poll_until(
            handle, "progress", IntakeProgress, lambda p: p.cursor == T0 + timedelta(hours=1)
        )
        assert handed == [["A"], ["B", "C"]]
        assert [p.page_token for p in polls[:2]] == [None, "p2"]
        assert all(p.since == T0 for p in polls[:2])  # the cursor holds while paging
        assert progress.signalled == 2 and progress.skipped_afn == 1
        fail_next[0] = True
        await handle.signal(ChannelIntake.poll_now)
        failed = await poll_until(
            handle, "progress", IntakeProgress, lambda p: p.last_error is not None
        )
        assert failed.last_error is not None and "CHANNEL_AUTH_FAILED" in failed.last_error
        await time_env.sleep(timedelta(minutes=6))  # the pause ends; polling resumes
        recovered = await poll_until(
            handle, "progress", IntakeProgress, lambda p: p.last_error is None
        )
        assert recovered.cursor == T0 + timedelta(hours=1)  # not lost by the failure
        await handle.terminate("test done")


async def test_warehouse_intake_merges_pull_and_push_and_drops_repeats(
    time_env: WorkflowEnvironment,
) -> None:
    order = make_order()
    first = dispatch(order, 1, parcel("P1", ("10000", 1)))
    second = dispatch(order, 2, parcel("P2", ("10000", 1)))
    delivered: list[str] = []
    pulls: list[int] = []

    @activity.defn(name="pull_warehouse_events")
    async def pull(request: PullRequest) -> EventPage:
        pulls.append(request.cursor)
        events = [first] if request.cursor == 0 else []
        return EventPage(events=events, next_cursor=max(request.cursor, 1))

    @activity.defn(name="deliver_warehouse_events")
    async def deliver(batch: EventDelivery) -> DeliveryReport:
        delivered.extend(e.event_id for e in batch.events)
        return DeliveryReport(delivered=len(batch.events))

    queue = f"wh-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[WarehouseIntake], activities=[pull, deliver]
    ):
        handle = await time_env.client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(facility_id="GXO-UK-DAV"),
            id=f"wh-{uuid.uuid4()}",
            task_queue=queue,
        )
        await poll_until(handle, "progress", WarehouseIntakeProgress, lambda p: p.delivered == 1)
        pushed: list[WarehouseEvent] = [first, second, second]  # a repeat of pulled and pushed
        await handle.signal(WarehouseIntake.events_pushed, EventDelivery(events=pushed))
        progress = await poll_until(
            handle, "progress", WarehouseIntakeProgress, lambda p: p.delivered == 2
        )
        assert delivered == [first.event_id, second.event_id]
        assert progress.duplicates_dropped == 2
        assert progress.cursor == 1 and pulls[0] == 0
        await handle.terminate("test done")


async def test_a_delivery_that_fails_for_good_pauses_the_intake_and_loses_nothing(
    time_env: WorkflowEnvironment,
) -> None:
    """Before, the failure left WarehouseIntake.run and closed the intake: no facility events
    flowed until someone started it again."""
    order = make_order()
    first = dispatch(order, 1, parcel("P1", ("10000", 1)))
    delivered: list[str] = []
    pulls: list[int] = []
    refuse = [True]

    @activity.defn(name="pull_warehouse_events")
    async def pull(request: PullRequest) -> EventPage:
        pulls.append(request.cursor)
        events = [first] if request.cursor == 0 else []
        return EventPage(events=events, next_cursor=1)

    @activity.defn(name="deliver_warehouse_events")
    async def deliver(batch: EventDelivery) -> DeliveryReport:
        if refuse[0]:
            raise ApplicationError("store refused", type="UNEXPECTED_ERROR", non_retryable=True)
        delivered.extend(e.event_id for e in batch.events)
        return DeliveryReport(delivered=len(batch.events))

    queue = f"wh-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[WarehouseIntake], activities=[pull, deliver]
    ):
        handle = await time_env.client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(facility_id="GXO-UK-DAV", poll_interval_seconds=24 * 3600),
            id=f"wh-{uuid.uuid4()}",
            task_queue=queue,
        )
        paused = await poll_until(
            handle, "progress", WarehouseIntakeProgress, lambda p: p.last_error is not None
        )
        assert paused.cursor == 0 and paused.delivered == 0  # the page was not passed over
        refuse[0] = False
        await handle.signal(WarehouseIntake.poll_now)
        progress = await poll_until(
            handle, "progress", WarehouseIntakeProgress, lambda p: p.delivered == 1
        )
        assert delivered == [first.event_id]
        assert progress.cursor == 1 and pulls[:2] == [0, 0]  # the same page, pulled again
        await handle.terminate("test done")


async def test_stock_changes_the_syncs_never_heard_of_are_read_and_announced_again(
    time_env: WorkflowEnvironment,
) -> None:
    """Before, the cursor moved past changes whose notice failed for good: the channels showed
    the old figure until the next daily reconcile."""
    notified: list[list[str]] = []
    pulls: list[int] = []
    refuse = [True]

    @activity.defn(name="pull_stock_changes")
    async def pull(request: PullRequest) -> StockPulled:
        pulls.append(request.cursor)
        items = ["I-1"] if request.cursor == 0 else []
        return StockPulled(next_cursor=1, items=items, count=len(items))

    @activity.defn(name="notify_stock_changed")
    async def notify(notice: StockNotice) -> None:
        if refuse[0]:
            raise ApplicationError("no such sync", type="UNEXPECTED_ERROR", non_retryable=True)
        notified.append(notice.items)

    queue = f"stock-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[StockIntake], activities=[pull, notify]
    ):
        handle = await time_env.client.start_workflow(
            StockIntake.run,
            StockIntakeInput(
                facility_id="GXO-UK-DAV",
                cursor=0,
                poll_interval_seconds=24 * 3600,
                inventory_syncs=["inventory:amazon:A1"],
            ),
            id=f"stock-{uuid.uuid4()}",
            task_queue=queue,
        )
        await poll_until(
            handle, "progress", StockIntakeProgress, lambda p: p.last_error is not None
        )
        refuse[0] = False
        await handle.signal(StockIntake.poll_now)
        progress = await poll_until(
            handle, "progress", StockIntakeProgress, lambda p: p.last_error is None
        )
        assert notified == [["I-1"]] and pulls[:2] == [0, 0]
        assert progress.cursor == 1
        await handle.terminate("test done")
