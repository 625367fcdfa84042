"""InventorySync and StockIntake on the time-skipping server, with stand-in activities registered
under the real names."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    DriftLine,
    DriftReport,
    FacilityRequest,
    PullRequest,
    SnapshotLoaded,
    StalledRequest,
    StalledSkus,
    StockNotice,
    StockPlan,
    StockPlanRequest,
    StockPulled,
    StockPushReport,
    StockPushRequest,
    StockReadRequest,
    SubmissionCheck,
    SubmissionChecked,
)
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.inventory import ListingQuantity, PushOutcome, StockSubmission
from domain.lifecycle import STOCK_CHANGED_SIGNAL
from integrations.registry import Channel
from tests.workflows.test_intakes import poll_until
from tests.workflows.time_skipping import round_span, skip
from workflows.intakes import QUICK_FIRST_ROUND
from workflows.inventory_sync import (
    FEED_WAIT_LIMIT,
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    InventorySync,
    InventorySyncInput,
    InventorySyncStatus,
    SyncAnswer,
    SyncRequest,
    covers,
)
from workflows.stock_intake import StockIntake, StockIntakeInput, StockIntakeProgress


class Channelside:
    """Stand-ins for the inventory activities: record every call, answer as scripted."""

    def __init__(self) -> None:
        self.plans: list[StockPlanRequest] = []
        self.pushes: list[StockPushRequest] = []
        self.reads: int = 0
        self.stall_checks: int = 0
        self.quantities = [ListingQuantity(sku="SKU-A", quantity=5)]
        self.reject: set[str] = set()
        self.stalled: list[str] = []
        self.drift: list[DriftLine] = []
        self.fail_plans = 0  # this many plans fail for good
        self.feed_skus: set[str] = set()  # pushed as a feed the channel processes later
        self.feed_done = False  # the channel has processed the feed
        self.checks: list[SubmissionCheck] = []
        self.flaky_stall_checks = 0  # this many stall checks fail for a passing reason
        self.hold_pushes: asyncio.Event | None = None  # pushes wait for it when set

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="plan_stock_push")
        async def plan(request: StockPlanRequest) -> StockPlan:
            self.plans.append(request)
            if self.fail_plans:
                self.fail_plans -= 1
                raise ApplicationError(
                    "not configured", type="CHANNEL_REJECTED", non_retryable=True
                )
            return StockPlan(quantities=self.quantities)

        @activity.defn(name="push_stock")
        async def push(request: StockPushRequest) -> StockPushReport:
            self.pushes.append(request)
            if self.hold_pushes is not None:
                await self.hold_pushes.wait()
            fed = [q for q in request.quantities if q.sku in self.feed_skus]
            pending = [StockSubmission(submission="feed-1", quantities=fed)] if fed else []
            rejected = [
                PushOutcome(sku=q.sku, quantity=q.quantity, accepted=False, submission="f1")
                for q in request.quantities
                if q.sku in self.reject and q not in fed
            ]
            return StockPushReport(
                accepted=len(request.quantities) - len(rejected) - len(fed),
                rejected=rejected,
                pending=pending,
            )

        @activity.defn(name="check_stock_submission")
        async def check(request: SubmissionCheck) -> SubmissionChecked:
            self.checks.append(request)
            if self.feed_done:
                return SubmissionChecked(settled=True, accepted=request.submission.skus())
            if request.waited_hours is not None:
                return SubmissionChecked(
                    settled=True, rejected=request.submission.refused("still processing")
                )
            return SubmissionChecked(settled=False)

        @activity.defn(name="read_channel_stock")
        async def read(request: StockReadRequest) -> DriftReport:
            self.reads += 1
            return DriftReport(checked=3, drift=self.drift)

        @activity.defn(name="stalled_stock_skus")
        async def stalled(request: StalledRequest) -> StalledSkus:
            if self.flaky_stall_checks:
                self.flaky_stall_checks -= 1
                raise RuntimeError("store unreachable")
            self.stall_checks += 1
            return StalledSkus(skus=self.stalled)

        return [plan, push, check, read, stalled]


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        if predicate():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never reached")


async def exception_kind(handle: WorkflowHandle) -> str | None:
    described = await handle.describe()
    return described.typed_search_attributes.get(sa.EXCEPTION_KIND)


async def kind_becomes(handle: WorkflowHandle, expected: str | None) -> None:
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        if await exception_kind(handle) == expected:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"ExceptionKind never became {expected}: {await exception_kind(handle)}")


async def status(handle: WorkflowHandle) -> InventorySyncStatus:
    return await handle.query(STATUS_QUERY, result_type=InventorySyncStatus)


@asynccontextmanager
async def running_sync(
    env: WorkflowEnvironment, side: Channelside, **params: float
) -> AsyncIterator[WorkflowHandle]:
    queue = f"inv-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=queue, workflows=[InventorySync], activities=side.activities()
    ):
        handle = await env.client.start_workflow(
            InventorySync.run,
            InventorySyncInput(channel=Channel.AMAZON, account="A1", **params),
            id=f"inv-{uuid.uuid4()}",
            task_queue=queue,
        )
        try:
            yield handle
        finally:
            await handle.terminate("test done")


async def test_a_full_push_on_start_then_exactly_the_items_that_moved(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    async with running_sync(time_env, side) as handle:
        await until(lambda: len(side.pushes) == 1 and side.stall_checks == 1)
        assert [(p.items, p.force_skus) for p in side.plans] == [(None, [])]
        assert side.pushes[0].quantities == side.quantities

        # Stall checks only: nothing moved. Landing between the 5-minute timers, not on one:
        # see time_skipping.py on a signal that races a timer due just after a skip.
        await time_env.sleep(timedelta(minutes=22))
        assert side.stall_checks > 1
        assert len(side.plans) == 1

        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-2", "GXO-1"]))
        await until(lambda: len(side.pushes) == 2)
        assert side.plans[1].items == ["GXO-1", "GXO-2"] and side.plans[1].force_skus == []
        # The stand-in records a push as it starts; the status counts it once the workflow has
        # its answer (a query in between saw 1 on a loaded machine).
        current = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.pushes == 2
        )
        assert (current.pushes, current.skus_pushed, current.pending_items) == (2, 2, [])


async def test_the_status_shows_a_cycle_under_way_while_its_items_are_out_of_pending(
    time_env: WorkflowEnvironment,
) -> None:
    """A push in flight took its items out of `pending_items`: `in_cycle` tells it from a sync
    with nothing to do (bench.chaos counts only the latter as idle)."""
    side = Channelside()
    side.hold_pushes = asyncio.Event()
    async with running_sync(time_env, side) as handle:
        await until(lambda: len(side.pushes) == 1)
        held = await status(handle)
        assert (held.in_cycle, held.pending_items, held.pushes) == (True, [], 0)
        side.hold_pushes.set()
        done = await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: not s.in_cycle)
        assert done.pushes == 1


async def test_nothing_is_pushed_when_the_plan_is_empty(time_env: WorkflowEnvironment) -> None:
    side = Channelside()
    side.quantities = []
    async with running_sync(time_env, side) as handle:
        await until(lambda: side.stall_checks == 1)
        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-1"]))
        await until(lambda: side.stall_checks == 2)
        assert [p.items for p in side.plans] == [None, ["GXO-1"]]
        assert side.pushes == []
        assert (await status(handle)).pushes == 0


async def test_rejected_skus_flag_the_workflow_until_a_later_push_accepts_them(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    side.quantities = [
        ListingQuantity(sku="SKU-A", quantity=5),
        ListingQuantity(sku="SKU-B", quantity=0),
    ]
    side.reject = {"SKU-B"}
    async with running_sync(time_env, side) as handle:
        rejected = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: bool(s.rejected)
        )
        assert [r.sku for r in rejected.rejected] == ["SKU-B"]
        await kind_becomes(handle, ExceptionKind.INVENTORY_PUSH_REJECTED.value)

        side.reject = set()
        await handle.signal(InventorySync.sync_now, SyncRequest(full=True))
        await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.pushes == 2)
        assert (await status(handle)).rejected == []
        await kind_becomes(handle, None)


async def test_stalled_skus_flag_the_workflow_ahead_of_rejections(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    side.reject = {"SKU-A"}
    side.stalled = ["SKU-A"]
    async with running_sync(time_env, side) as handle:
        current = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: bool(s.stalled)
        )
        assert current.stalled == ["SKU-A"] and [r.sku for r in current.rejected] == ["SKU-A"]
        await kind_becomes(handle, ExceptionKind.INVENTORY_SYNC_STALLED.value)

        side.stalled = []
        await time_env.sleep(timedelta(minutes=6))  # the next stall check
        await kind_becomes(handle, ExceptionKind.INVENTORY_PUSH_REJECTED.value)


async def test_a_scheduled_reconcile_forces_the_drifted_skus(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    async with running_sync(
        time_env, side, reconcile_every_hours=24, check_every_seconds=6 * 3600
    ) as handle:
        await until(lambda: side.stall_checks == 1)
        assert side.reads == 0
        side.drift = [DriftLine(sku="SKU-A", expected=5, shown=4)]

        await time_env.sleep(timedelta(hours=25))

        await until(lambda: side.reads == 1 and len(side.plans) == 2)
        assert (side.plans[1].items, side.plans[1].force_skus) == (None, ["SKU-A"])
        current = await status(handle)
        assert current.last_reconcile_at is not None and current.drift == side.drift


async def test_sync_now_full_plans_everything(time_env: WorkflowEnvironment) -> None:
    side = Channelside()
    async with running_sync(time_env, side) as handle:
        await until(lambda: side.stall_checks == 1)
        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-1"]))
        await until(lambda: side.stall_checks == 2)

        await handle.signal(InventorySync.sync_now, SyncRequest(full=True))

        await until(lambda: len(side.plans) == 3)
        assert [p.items for p in side.plans] == [None, ["GXO-1"], None]
        assert side.reads == 0  # full, not a reconcile


async def test_the_sync_now_update_answers_after_its_cycle(time_env: WorkflowEnvironment) -> None:
    side = Channelside()
    side.drift = [DriftLine(sku="SKU-A", expected=5, shown=9)]
    async with running_sync(time_env, side) as handle:
        await until(lambda: side.stall_checks == 1)
        answer = await handle.execute_update(
            SYNC_NOW_SIGNAL, SyncRequest(full=True, reconcile=True), result_type=SyncAnswer
        )
        assert answer.settled and side.reads == 1
        assert answer.status.pushes == 2 and answer.status.drift == side.drift
        assert [p.items for p in side.plans] == [None, None]


async def test_the_sync_now_update_answers_a_failed_cycle_and_refuses_bad_bodies(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    async with running_sync(time_env, side) as handle:
        await until(lambda: side.stall_checks == 1)
        side.fail_plans = 1
        answer = await handle.execute_update(
            SYNC_NOW_SIGNAL, SyncRequest(full=True), result_type=SyncAnswer
        )
        assert answer.settled and answer.status.last_error is not None
        assert "CHANNEL_REJECTED" in answer.status.last_error
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("sync_now", {"full": "perhaps"})
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("sync_nwo", SyncRequest())
        answer = await handle.execute_update(SYNC_NOW_SIGNAL, SyncRequest(), result_type=SyncAnswer)
        assert answer.settled and answer.status.last_error is None  # the pause ended at once
        assert len(side.plans) == 3


def test_a_queued_request_covers_the_narrower_ones() -> None:
    assert covers(SyncRequest(full=True, reconcile=True), SyncRequest(full=True))
    assert covers(SyncRequest(full=True), SyncRequest())
    assert not covers(SyncRequest(full=True), SyncRequest(reconcile=True))
    assert not covers(SyncRequest(), SyncRequest(full=True))


async def test_a_permanent_plan_failure_pauses_and_keeps_the_items(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    async with running_sync(time_env, side) as handle:
        await until(lambda: side.stall_checks == 1)
        side.fail_plans = 1
        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-1"]))

        failed = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.last_error is not None
        )
        assert failed.last_error is not None and "CHANNEL_REJECTED" in failed.last_error
        assert failed.pending_items == ["GXO-1"]  # put back for the next try
        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-2"]))
        await time_env.sleep(timedelta(minutes=6))  # the pause ends

        recovered = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.last_error is None
        )
        assert [p.items for p in side.plans] == [None, ["GXO-1"], ["GXO-1", "GXO-2"]]
        assert recovered.pushes == 2


async def test_a_failed_full_pass_on_start_is_tried_again(time_env: WorkflowEnvironment) -> None:
    side = Channelside()
    side.fail_plans = 1
    async with running_sync(time_env, side, check_every_seconds=3600) as handle:
        await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.last_error is not None
        )
        await time_env.sleep(timedelta(minutes=6))  # the pause ends
        await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.last_error is None)
        await until(lambda: side.stall_checks >= 1)
        assert [p.items for p in side.plans] == [None, None]
        assert len(side.pushes) == 1


async def test_a_feed_is_waited_for_on_timers_and_a_newer_figure_of_its_skus_waits_for_it(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    side.quantities = [
        ListingQuantity(sku="SKU-A", quantity=5),
        ListingQuantity(sku="SKU-B", quantity=3),
    ]
    side.feed_skus = {"SKU-A"}
    async with running_sync(time_env, side) as handle:
        waiting = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: bool(s.awaiting)
        )
        assert [(a.submission, a.skus) for a in waiting.awaiting] == [("feed-1", 1)]
        await until(lambda: side.stall_checks == 1)

        # A newer figure of both SKUs: SKU-B goes at once, SKU-A waits for its feed.
        side.quantities = [
            ListingQuantity(sku="SKU-A", quantity=4),
            ListingQuantity(sku="SKU-B", quantity=2),
        ]
        await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-1"]))
        held = await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.pushes == 2)
        assert [q.sku for q in side.pushes[1].quantities] == ["SKU-B"]
        assert held.held == ["SKU-A"]

        await time_env.sleep(timedelta(minutes=30))  # the feed is still processing
        assert len(side.checks) >= 4 and len(side.pushes) == 2
        side.feed_done = True
        side.feed_skus = set()  # the next push is answered at once
        await time_env.sleep(timedelta(minutes=5))

        done = await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.pushes == 3)
        assert done.awaiting == [] and done.held == []
        # Planned again the moment the feed settled: its accepted and held SKUs.
        assert side.plans[-1].skus == ["SKU-A"]
        assert [q.sku for q in side.pushes[2].quantities] == ["SKU-A", "SKU-B"]
        assert all(check.waited_hours is None for check in side.checks)


async def test_a_feed_still_processing_after_the_wait_limit_counts_as_not_accepted(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    side.feed_skus = {"SKU-A"}
    # One run for the whole 8 hours: with runs of 500 events the sync continues as new after
    # ~1 simulated hour, and the time-skipping test server's clock then stood still at the new
    # run's first timer through every later skip (the awaited feed itself is carried over).
    async with running_sync(time_env, side, events_per_run=100_000) as handle:
        await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: bool(s.awaiting))
        side.stalled = ["SKU-A"]  # pending in the ledger all along: not shown while awaited
        await time_env.sleep(timedelta(hours=1))
        assert (await status(handle)).stalled == []

        await skip(time_env, FEED_WAIT_LIMIT)

        gave_up = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: not s.awaiting
        )
        last = side.checks[-1]
        assert last.waited_hours is not None and last.waited_hours >= 8
        assert [(r.sku, r.message) for r in gave_up.rejected] == [("SKU-A", "still processing")]
        assert len(side.checks) < 120  # asked every 5 minutes at most, not in a tight loop
        current = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.stalled == ["SKU-A"]
        )
        assert current.stalled == ["SKU-A"]
        await kind_becomes(handle, ExceptionKind.INVENTORY_SYNC_STALLED.value)


async def test_a_call_that_keeps_failing_shows_as_retrying_until_it_succeeds(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    first = QUICK_FIRST_ROUND.maximum_attempts
    side.flaky_stall_checks = first  # the first round runs out, the next call succeeds
    async with running_sync(time_env, side) as handle:
        await until(lambda: len(side.pushes) == 1)
        # Past the first round (~3.3 min), before the next begins (5 min later).
        await skip(
            time_env,
            round_span(QUICK_FIRST_ROUND) + timedelta(minutes=1),
            step=timedelta(minutes=1),
        )
        retrying = await poll_until(
            handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.retrying is not None
        )
        assert retrying.retrying is not None
        assert (retrying.retrying.activity, retrying.retrying.attempts) == (
            "stalled_stock_skus",
            first,
        )
        assert "store unreachable" in retrying.retrying.last_failure
        await kind_becomes(handle, ExceptionKind.ACTIVITY_RETRYING.value)

        await skip(time_env, timedelta(minutes=6), step=timedelta(minutes=1))  # 5 min between

        await poll_until(handle, STATUS_QUERY, InventorySyncStatus, lambda s: s.retrying is None)
        await kind_becomes(handle, None)
        assert side.stall_checks == 1 and side.flaky_stall_checks == 0


async def test_stock_intake_loads_the_snapshot_then_pulls_from_its_cursor(
    time_env: WorkflowEnvironment,
) -> None:
    calls: list[str] = []
    notices: list[StockNotice] = []

    @activity.defn(name="load_stock_snapshot")
    async def load(request: FacilityRequest) -> SnapshotLoaded:
        calls.append(f"snapshot {request.facility_id}")
        return SnapshotLoaded(cursor=7, items=["GXO-1", "GXO-2"])

    @activity.defn(name="pull_stock_changes")
    async def pull(request: PullRequest) -> StockPulled:
        calls.append(f"pull {request.cursor}")
        if request.cursor == 7:
            return StockPulled(next_cursor=9, items=["GXO-2"], count=3)
        return StockPulled(next_cursor=request.cursor, items=[], count=0)

    @activity.defn(name="notify_stock_changed")
    async def notify(notice: StockNotice) -> None:
        notices.append(notice)

    targets = ["inventory:amazon:A1", "inventory:centra:eu"]
    queue = f"stock-{uuid.uuid4()}"
    async with Worker(
        time_env.client,
        task_queue=queue,
        workflows=[StockIntake],
        activities=[load, pull, notify],
    ):
        handle = await time_env.client.start_workflow(
            StockIntake.run,
            StockIntakeInput(facility_id="GXO-UK-DAV", inventory_syncs=targets),
            id=f"stock-{uuid.uuid4()}",
            task_queue=queue,
        )
        try:
            await poll_until(handle, "progress", StockIntakeProgress, lambda p: p.polls == 1)
            await handle.signal(StockIntake.poll_now)
            progress = await poll_until(
                handle, "progress", StockIntakeProgress, lambda p: p.polls == 2
            )
            await handle.signal(StockIntake.poll_now)
            await poll_until(handle, "progress", StockIntakeProgress, lambda p: p.polls == 3)
        finally:
            await handle.terminate("test done")
    assert calls == ["snapshot GXO-UK-DAV", "pull 7", "pull 9"]
    assert [(n.items, n.targets) for n in notices] == [
        (["GXO-1", "GXO-2"], targets),
        (["GXO-2"], targets),
    ]  # nothing moved on the third poll: no notice
    assert (progress.cursor, progress.changes) == (9, 3)
