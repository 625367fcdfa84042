"""ChannelIntake hands each order notice over once: polls that re-read an overlapping window
(and sweeps of every open order) must not signal the same notice to an order again and again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import ChangeBatch, ChangeSet, PollRequest, StartReport
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from integrations.registry import Channel
from workflows.channel_intake import (
    NAMED_PER_POLL,
    ChannelIntake,
    ChannelIntakeInput,
    IntakeProgress,
    OrdersNotified,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def start_intake(
    env: WorkflowEnvironment, queue: str, poll_interval_seconds: float
) -> WorkflowHandle[ChannelIntake, None]:
    return await env.client.start_workflow(
        ChannelIntake.run,
        ChannelIntakeInput(
            channel=Channel.AMAZON,
            account="A1",
            cursor=T0,
            poll_interval_seconds=poll_interval_seconds,
        ),
        id=f"intake-{uuid.uuid4()}",
        task_queue=queue,
    )


def change(order_id: str, updated: datetime, status: ChannelOrderStatus) -> OrderChange:
    return OrderChange(
        ref=OrderRef(channel=Channel.AMAZON, account="A1", order_id=order_id),
        status=status,
        fulfilled_by=FulfilledBy.MERCHANT,
        last_updated_at=updated,
    )


class NamedReads:
    """The intake's two activities: a named read finds each named order READY; the hand-over
    records what it was given."""

    def __init__(self) -> None:
        self.polls: list[PollRequest] = []
        self.handed: list[OrderChange] = []
        self.batches: list[int] = []  # changes per hand-over

    @activity.defn(name="poll_channel_changes")
    async def poll(self, request: PollRequest) -> ChangeBatch:
        self.polls.append(request)
        named = [change(i, T0, ChannelOrderStatus.READY) for i in request.order_ids]
        return ChangeBatch(changes=named, cursor=request.since)

    @activity.defn(name="start_order_workflows")
    async def start(self, batch: ChangeSet) -> StartReport:
        self.handed.extend(batch.changes)
        self.batches.append(len(batch.changes))
        return StartReport(signalled=len(batch.changes))

    def worker(self, env: WorkflowEnvironment, queue: str) -> Worker:
        activities: list[Callable[..., Any]] = [self.start, self.poll]
        return Worker(
            env.client, task_queue=queue, workflows=[ChannelIntake], activities=activities
        )

    async def until(self, found: Callable[[], bool]) -> None:
        for _ in range(400):  # a bound (10 s), not a timing assertion
            if found():
                return
            await asyncio.sleep(0.025)
        raise AssertionError(f"polls {self.polls}, handed {self.handed}")


async def test_a_notice_re_read_by_every_poll_is_handed_over_once(
    time_env: WorkflowEnvironment,
) -> None:
    pending = change("A", T0, ChannelOrderStatus.PENDING)
    cleared = change("A", T0 + timedelta(minutes=5), ChannelOrderStatus.READY)
    window = [pending]  # what every poll re-reads of the overlapping window
    polls: list[PollRequest] = []
    handed: list[OrderChange] = []

    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        polls.append(request)
        return ChangeBatch(changes=list(window), cursor=request.since)

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        handed.extend(batch.changes)
        return StartReport(signalled=len(batch.changes))

    queue = f"intake-{uuid.uuid4()}"
    async with (
        Worker(
            time_env.client, task_queue=queue, workflows=[ChannelIntake], activities=[start, poll]
        ),
    ):
        handle = await start_intake(time_env, queue, poll_interval_seconds=1)
        await time_env.sleep(timedelta(seconds=30))  # a 1 s poll: ~25 polls
        progress = await handle.query(ChannelIntake.progress)
        assert isinstance(progress, IntakeProgress)
        assert len(polls) >= 25
        assert handed == [pending]
        window.append(cleared)  # the order changes: that notice is news, once
        await time_env.sleep(timedelta(seconds=10))
        for _ in range(400):  # a bound (10 s), not a timing assertion
            if len(handed) == 2:
                break
            await asyncio.sleep(0.025)
        assert handed == [pending, cleared]
        await handle.terminate("test done")


async def test_a_named_read_leaves_the_scan_to_its_interval(
    time_env: WorkflowEnvironment,
) -> None:
    """Orders a notification named are read at once, and the next scan still waits for the
    poll interval: at Amazon's real rate each extra searchOrders costs a 3-minute token."""
    stand_in = NamedReads()
    polls = stand_in.polls

    async def reads(count: int) -> None:
        await stand_in.until(lambda: len(polls) >= count)

    queue = f"intake-{uuid.uuid4()}"
    async with stand_in.worker(time_env, queue):
        handle = await start_intake(time_env, queue, poll_interval_seconds=60)
        await reads(1)
        await handle.signal(ChannelIntake.orders_notified, OrdersNotified(order_ids=["B"]))
        await reads(2)
        await time_env.sleep(timedelta(seconds=30))  # within the interval: no scan
        assert [p.order_ids for p in polls] == [[], ["B"]]
        await handle.signal(ChannelIntake.orders_notified, OrdersNotified(order_ids=["C"]))
        await reads(3)
        await time_env.sleep(timedelta(seconds=40))  # the interval is over: the scan runs
        await reads(4)
        await handle.terminate("test done")
    assert [p.order_ids for p in polls[:4]] == [[], ["B"], ["C"], []]


async def test_a_scan_of_several_pages_finishes_before_named_reads(
    time_env: WorkflowEnvironment,
) -> None:
    """A notification arriving mid-scan waits for the scan's last page (since
    SCANS_BEFORE_NAMED): a named read between pages dropped the scan's page token, so under a
    stream of notifications a long scan restarted for ever and the cursor never moved (10,000
    orders parked: the tail reached consign minutes late, bench/scale.py)."""
    polls: list[PollRequest] = []
    first_page_asked = asyncio.Event()
    go_on = asyncio.Event()
    pages = {None: "p2", "p2": "p3", "p3": None}

    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        polls.append(request)
        if request.order_ids:
            named = [change(i, T0, ChannelOrderStatus.READY) for i in request.order_ids]
            return ChangeBatch(changes=named, cursor=request.since)
        if request.page_token is None and not first_page_asked.is_set():
            first_page_asked.set()
            await go_on.wait()
        following = pages[request.page_token]
        cursor = request.since if following else T0 + timedelta(hours=1)
        return ChangeBatch(changes=[], cursor=cursor, next_page_token=following)

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        return StartReport(signalled=len(batch.changes))

    queue = f"intake-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[ChannelIntake], activities=[start, poll]
    ):
        handle = await start_intake(time_env, queue, poll_interval_seconds=60)
        await asyncio.wait_for(first_page_asked.wait(), 10)
        await handle.signal(ChannelIntake.orders_notified, OrdersNotified(order_ids=["B"]))
        go_on.set()
        for _ in range(400):  # a bound (10 s), not a timing assertion
            if len(polls) >= 4:
                break
            await asyncio.sleep(0.025)
        progress = await handle.query(ChannelIntake.progress)
        await handle.terminate("test done")
    assert [(p.page_token, p.order_ids) for p in polls[:4]] == [
        (None, []),
        ("p2", []),
        ("p3", []),
        (None, ["B"]),
    ]
    assert progress.cursor == T0 + timedelta(hours=1)


async def test_a_notified_change_reaches_its_order_without_a_read(
    time_env: WorkflowEnvironment,
) -> None:
    """A notification that says how its order changed (Amazon's ORDER_CHANGE summary) is handed
    over as it came, without a named read (since NOTIFIED_CHANGES: each read was a getOrder the
    order's workflow repeats) and without an early scan; one that only names its order is read
    by name, as before."""
    stand_in = NamedReads()
    polls, handed, until = stand_in.polls, stand_in.handed, stand_in.until
    told = change("B", T0 + timedelta(minutes=1), ChannelOrderStatus.READY)
    queue = f"intake-{uuid.uuid4()}"
    async with stand_in.worker(time_env, queue):
        handle = await start_intake(time_env, queue, poll_interval_seconds=60)
        await until(lambda: len(polls) == 1)
        notice = OrdersNotified(order_ids=["B"], changes=[told])
        await handle.signal(ChannelIntake.orders_notified, notice)
        await until(lambda: handed == [told])
        await time_env.sleep(timedelta(seconds=30))  # within the interval: no scan, no read
        assert [p.order_ids for p in polls] == [[]]
        await handle.signal(ChannelIntake.orders_notified, OrdersNotified(order_ids=["C"]))
        await until(lambda: len(handed) == 2)  # read by name, then handed over
        await handle.terminate("test done")
    assert [p.order_ids for p in polls] == [[], ["C"]]
    assert [c.ref.order_id for c in handed] == ["B", "C"]


async def test_a_backlog_of_notified_changes_is_handed_over_in_bounded_calls(
    time_env: WorkflowEnvironment,
) -> None:
    """A backlog (changes notified while a hand-over was retried: 600 in one 200 KB input in
    bench.chaos) goes over NAMED_PER_POLL at a time, with no read."""
    stand_in = NamedReads()
    told = [change(f"N-{n}", T0, ChannelOrderStatus.READY) for n in range(NAMED_PER_POLL + 50)]
    queue = f"intake-{uuid.uuid4()}"
    async with stand_in.worker(time_env, queue):
        handle = await start_intake(time_env, queue, poll_interval_seconds=60)
        await stand_in.until(lambda: len(stand_in.polls) == 1)
        notice = OrdersNotified(order_ids=[c.ref.order_id for c in told], changes=told)
        await handle.signal(ChannelIntake.orders_notified, notice)
        await stand_in.until(lambda: len(stand_in.handed) == len(told))
        await handle.terminate("test done")
    assert stand_in.batches == [NAMED_PER_POLL, 50]
    assert [p.order_ids for p in stand_in.polls] == [[]]
