"""InventorySync: one per channel account. Pushes only what changed since the channel's last
accepted push (delta-first), as soon as GXO's stock moves; reconciles everything against what
the channel shows on a schedule; and raises INVENTORY_SYNC_STALLED when a change waits too
long, ACTIVITY_RETRYING while a call keeps failing and INVENTORY_PUSH_REJECTED when the
channel refuses a SKU.

A push a channel processes later (a listings feed: minutes to hours) is submitted
once and then asked about on durable timers (check_stock_submission: 30 s after it, doubling to
every 5 minutes) until it settles or FEED_WAIT_LIMIT passes; no activity waits for it. Meanwhile
SKUs it does not carry are pushed as usual, and a newer figure of a SKU it carries is held and
planned again the moment it settles (as are its accepted SKUs: a figure that moved back
meanwhile). Every activity heartbeats (HEARTBEAT) and is retried within seconds
(QUICK_FIRST_ROUND), like the intakes': one lost with a killed worker is retried within HEARTBEAT
plus at most 2 s."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import queues, refs
    from activities.models import (
        StalledRequest,
        StockNotice,
        StockPlanRequest,
        StockPushRequest,
        StockReadRequest,
        SubmissionCheck,
    )
    from activities.refs import ActivityRef
    from domain import search_attributes as sa
    from domain.exceptions import ExceptionKind
    from domain.inventory import PushOutcome, StockSubmission
    from domain.lifecycle import (
        STOCK_CHANGED_SIGNAL,
        retrying_after_success,
        still_retrying,
    )
    from domain.order import Channel
    from domain.sync_status import InventorySyncStatus, SubmissionShown
    from workflows.activity_rounds import execute_in_rounds
    from workflows.contracts import WorkflowContract
    from workflows.intakes import HEARTBEAT, QUICK_FIRST_ROUND
    from workflows.poll_loop import Next, PollLoop
    from workflows.run_length import RUN_EVENTS_LIMIT
    from workflows.waits import failure_text, wait_until

A = TypeVar("A")
T = TypeVar("T")

# Feeds waited for on timers, activities in rounds with heartbeats (DEVELOPERS.md).
FEED_WAIT_PATCH = "inventory-feed-wait"
TIMEOUT = timedelta(minutes=5)  # a plan, a stall check, one question about a submission
# A push or a read-back may call the channel once per SKU (at 5 per second, minutes for
# thousands of SKUs); heartbeats, not this, bound what a killed worker costs.
CHANNEL_TIMEOUT = timedelta(minutes=65)
FEED_FIRST_CHECK = timedelta(seconds=30)  # then doubling, up to FEED_CHECK_EVERY
FEED_CHECK_EVERY = timedelta(minutes=5)
FEED_WAIT_LIMIT = timedelta(hours=8)  # the longest a channel documents for processing a feed
# Runs started before FEED_WAIT_PATCH: unbounded retries, the push given up after 2 h.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))
PUSH_GIVE_UP = timedelta(hours=2)
SYNC_NOW_SIGNAL = "sync_now"  # a signal, and an update of the same name that answers
STATUS_QUERY = "status"
SYNC_ANSWER_WAIT = timedelta(minutes=2)  # the sync_now update answers after a cycle, or this


def inventory_sync_id(channel: Channel, account: str) -> str:
    return f"inventory:{channel}:{account}"


class AwaitedSubmission(BaseModel):
    """A submission the channel is still processing, and when to ask about it next."""

    submission: StockSubmission
    since: datetime
    next_check: datetime
    checks: int = 0


class InventorySyncInput(BaseModel):
    channel: Channel
    account: str
    reconcile_every_hours: float = 24
    stall_after_minutes: float = 30
    check_every_seconds: float = 300  # how often stalls are looked for with nothing moving
    cycles_per_run: int = 500
    events_per_run: int = RUN_EVENTS_LIMIT  # since SHORT_RUNS (workflows/run_length.py)
    next_reconcile_at: datetime | None = None  # carried across continue-as-new
    awaited: list[AwaitedSubmission] = Field(default_factory=list)  # likewise
    held: list[str] = Field(default_factory=list)  # likewise


class SyncRequest(BaseModel):
    full: bool = False  # plan every mapped SKU, not only moved items (push what differs)
    reconcile: bool = False  # read every SKU back from the channel first


def covers(queued: SyncRequest, asked: SyncRequest) -> bool:
    """A queued request that already does everything `asked` wants."""
    return (queued.full or not asked.full) and (queued.reconcile or not asked.reconcile)


class SyncAnswer(BaseModel):
    """The sync_now update's reply: the status after the cycle it asked for (`settled`), or
    as it stands when SYNC_ANSWER_WAIT passed first (the cycle still runs)."""

    settled: bool
    status: InventorySyncStatus


@workflow.defn(name="InventorySync")
class InventorySync:
    @workflow.init
    def __init__(self, params: InventorySyncInput) -> None:
        self._status = InventorySyncStatus(channel=params.channel, account=params.account)
        self._items: set[str] = set()
        self._request: SyncRequest | None = SyncRequest(full=True)  # converge on start
        self._kind: ExceptionKind | None = None
        self._force: set[str] = set()  # drifted SKUs to push again, kept until a push lands
        self._poked = False  # an operator asked for a sync: ends a pause after a failure
        self._awaited = list(params.awaited)
        self._held = set(params.held)  # newer figures of SKUs a pending submission carries
        self._replan: set[str] = set()  # SKUs to plan again: their submission settled
        self._asked = 0  # sync_now requests received ...
        self._served = 0  # ... and how many of them a finished cycle took
        self._ending = False  # the run is about to continue as new (with a full pass)
        self._paused = False  # after a failure: a sync_now ends the pause

    @workflow.query(
        name=STATUS_QUERY,
        description="Last push and reconcile, drift, rejected and stalled SKUs, last error.",
    )
    def status(self) -> InventorySyncStatus:
        self._status.pending_items = sorted(self._items)
        self._status.held = sorted(self._held)
        self._status.awaiting = [
            SubmissionShown(
                submission=a.submission.submission,
                skus=len(a.submission.quantities),
                since=a.since,
                next_check=a.next_check,
                checks=a.checks,
            )
            for a in self._awaited
        ]
        return self._status

    @workflow.signal(
        name=STOCK_CHANGED_SIGNAL,
        description="internal: GXO items whose stock moved (from the stock and warehouse intakes).",
    )
    def stock_changed(self, notice: StockNotice) -> None:
        self._items.update(notice.items)

    @workflow.signal(
        name=SYNC_NOW_SIGNAL,
        description="As the sync_now update, without an answer (kept for running workflows).",
    )
    def sync_now(self, request: SyncRequest) -> None:
        self._request = request
        self._poked = True
        self._asked += 1

    @workflow.update(
        name=SYNC_NOW_SIGNAL,
        description=(
            "Push now (full: every mapped SKU; reconcile: read every SKU back first); ends a "
            "pause after a failure. Body {full, reconcile}; answers the status after the cycle."
        ),
    )
    async def sync_now_update(self, request: SyncRequest) -> SyncAnswer:
        queued = self._request
        self._request = (
            request
            if queued is None
            else SyncRequest(
                full=queued.full or request.full, reconcile=queued.reconcile or request.reconcile
            )
        )
        self._poked = True
        self._asked += 1
        asked = self._asked
        await wait_until(lambda: self._served >= asked or self._ending, SYNC_ANSWER_WAIT)
        return SyncAnswer(settled=self._served >= asked, status=self.status())

    @sync_now_update.validator
    def _check_sync_now(self, request: SyncRequest) -> None:
        queued = self._request
        if queued is not None and covers(queued, request) and not self._paused:
            raise ValueError(
                f"a sync (full={queued.full}, reconcile={queued.reconcile}) is already queued "
                "and does this: it runs as soon as the cycle under way ends"
            )

    @workflow.run
    async def run(self, params: InventorySyncInput) -> None:
        workflow.upsert_search_attributes(
            [
                sa.CHANNEL.value_set(params.channel),
                sa.CHANNEL_ACCOUNT.value_set(params.account),
            ]
        )
        every = timedelta(hours=params.reconcile_every_hours)
        self._next_reconcile = params.next_reconcile_at or workflow.now() + every
        loop = PollLoop(
            params.cycles_per_run,
            params.events_per_run,
            wake=lambda: self._poked,
            until=lambda: bool(self._items or self._replan) or self._request is not None,
            interval=lambda: self._until_next_cycle(params),
            after_pause=self._resumed,
            before_end=self._end,
            at_end=self._ended,
        )
        await loop.run(
            lambda: self._cycle(params, every),
            lambda: params.model_copy(
                update={
                    "next_reconcile_at": self._next_reconcile,
                    "awaited": self._awaited,
                    "held": sorted(self._held),
                }
            ),
        )

    async def _cycle(self, params: InventorySyncInput, every: timedelta) -> Next:
        self._status.in_cycle = True
        try:
            return await self._cycle_once(params, every)
        finally:
            self._status.in_cycle = False

    async def _cycle_once(self, params: InventorySyncInput, every: timedelta) -> Next:
        due = workflow.now() >= self._next_reconcile
        request, self._request = self._request or SyncRequest(reconcile=due), None
        taken = self._asked
        items, self._items = self._items, set()
        replan, self._replan = self._replan, set()
        try:
            if request.reconcile:
                self._force.update(await self._reconcile(params))
                self._next_reconcile = workflow.now() + every
            full = request.full or request.reconcile
            await self._push(params, None if full else items, sorted(self._force), replan)
            self._force.clear()
            await self._check_submissions(params)
            await self._check_stalled(params)
        except ActivityError as err:
            # Nothing is lost: the items, a full pass and forced SKUs are tried again.
            self._items |= items
            self._replan |= replan
            if request.full or request.reconcile:
                self._request = self._request or SyncRequest(full=True)
            self._poked = False
            self._status.last_error = failure_text(err)
            with contextlib.suppress(ActivityError):  # a channel that is down stalls
                await self._check_stalled(params)
            self._served = taken
            self._paused = True
            raise  # the loop pauses
        self._status.last_error = None
        self._served = taken
        return Next.WAIT

    def _until_next_cycle(self, params: InventorySyncInput) -> timedelta:
        """The next reconcile, stall check or question about a submission, at least 1 s."""
        wait = min(
            self._next_reconcile - workflow.now(),
            timedelta(seconds=params.check_every_seconds),
            *(a.next_check - workflow.now() for a in self._awaited),
        )
        return max(wait, timedelta(seconds=1))

    async def _resumed(self) -> None:
        self._paused = False

    async def _end(self) -> None:
        self._ending = True

    async def _ended(self) -> None:
        self._items.clear()  # the next run begins with a full pass anyway (replanned SKUs too)

    async def _call(
        self,
        activity: ActivityRef[A, T],
        arg: A,
        start_to_close: timedelta,
        task_queue: str | None = None,
        give_up: timedelta | None = None,
    ) -> T:
        """One activity, heartbeating. Retried in rounds: while a round has run out the status
        shows the call (attempts, last failure) and ExceptionKind ACTIVITY_RETRYING. A run
        started before FEED_WAIT_PATCH keeps its unbounded retries (a push given up after
        `give_up`), so its history replays."""
        queue = task_queue or workflow.info().task_queue
        name = activity.name
        if not workflow.patched(FEED_WAIT_PATCH):
            return await workflow.execute_activity(
                name,
                arg,
                result_type=activity.result,
                task_queue=queue,
                start_to_close_timeout=start_to_close,
                schedule_to_close_timeout=give_up,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
            )
        try:
            return await execute_in_rounds(
                activity,
                arg,
                task_queue=queue,
                start_to_close_timeout=start_to_close,
                heartbeat_timeout=HEARTBEAT,
                round_failed=lambda attempts, failure: self._still_retrying(
                    name, attempts, failure
                ),
                first_round=QUICK_FIRST_ROUND,  # heartbeating, idempotent, paced by its queue
            )
        finally:
            self._stop_retrying(name)

    async def _push(
        self,
        params: InventorySyncInput,
        items: set[str] | None,
        force: list[str],
        replan: set[str],
    ) -> None:
        if items is not None and not items and not force and not replan:
            return
        plan = await self._call(
            refs.PLAN_STOCK_PUSH,
            StockPlanRequest(
                channel=params.channel,
                account=params.account,
                items=sorted(items) if items is not None else None,
                force_skus=force,
                skus=sorted(replan),
            ),
            TIMEOUT,
        )
        if items is None:
            self._status.unknown_to_gxo = plan.unknown_to_gxo
            self._status.unmapped_items = plan.unmapped_items
        # A SKU a pending submission carries waits for it: a second figure in flight could
        # land before the first and be overwritten by it.
        in_flight = self._in_flight()
        self._held |= {q.sku for q in plan.quantities if q.sku in in_flight}
        quantities = [q for q in plan.quantities if q.sku not in in_flight]
        if not quantities:
            return
        report = await self._call(
            refs.PUSH_STOCK,
            StockPushRequest(channel=params.channel, account=params.account, quantities=quantities),
            CHANNEL_TIMEOUT,
            task_queue=queues.stock_push_queue(params.channel, workflow.info().task_queue),
            give_up=PUSH_GIVE_UP,
        )
        now = workflow.now()
        self._status.pushes += 1
        self._status.skus_pushed += len(quantities)
        self._status.last_push_at = now
        submitted: set[str] = set()
        for submission in report.pending:
            submitted.update(submission.skus())
            self._awaited.append(
                AwaitedSubmission(
                    submission=submission, since=now, next_check=now + FEED_FIRST_CHECK
                )
            )
        self._answered({q.sku for q in quantities} - submitted, report.rejected)

    async def _check_submissions(self, params: InventorySyncInput) -> None:
        """Ask once about each pending submission whose time has come; the last time after
        FEED_WAIT_LIMIT, when one still processing counts as not accepted."""
        for awaited in [a for a in self._awaited if a.next_check <= workflow.now()]:
            waited = workflow.now() - awaited.since
            checked = await self._call(
                refs.CHECK_STOCK_SUBMISSION,
                SubmissionCheck(
                    channel=params.channel,
                    account=params.account,
                    submission=awaited.submission,
                    waited_hours=waited / timedelta(hours=1) if waited >= FEED_WAIT_LIMIT else None,
                ),
                TIMEOUT,
            )
            awaited.checks += 1
            if not checked.settled:
                pause = FEED_FIRST_CHECK * 2 ** min(awaited.checks, 4)
                awaited.next_check = min(
                    workflow.now() + min(pause, FEED_CHECK_EVERY), awaited.since + FEED_WAIT_LIMIT
                )
                continue
            self._awaited.remove(awaited)
            skus = set(awaited.submission.skus())
            self._replan |= set(checked.accepted) | (self._held & skus)
            self._held -= skus
            self._answered(skus, checked.rejected)

    def _in_flight(self) -> set[str]:
        return {sku for a in self._awaited for sku in a.submission.skus()}

    def _answered(self, skus: set[str], rejected: list[PushOutcome]) -> None:
        """The channel answered for these SKUs: their earlier rejections give way to these."""
        kept = [r for r in self._status.rejected if r.sku not in skus]
        self._status.rejected = kept + rejected
        self._flag()

    async def _reconcile(self, params: InventorySyncInput) -> list[str]:
        """Read every SKU back; what the channel shows wrongly is pushed again."""
        report = await self._call(
            refs.READ_CHANNEL_STOCK,
            StockReadRequest(channel=params.channel, account=params.account),
            CHANNEL_TIMEOUT,
            task_queue=queues.stock_read_queue(params.channel, workflow.info().task_queue),
        )
        self._status.last_reconcile_at = workflow.now()
        self._status.drift = report.drift
        return [line.sku for line in report.drift]

    async def _check_stalled(self, params: InventorySyncInput) -> None:
        stalled = await self._call(
            refs.STALLED_STOCK_SKUS,
            StalledRequest(
                channel=params.channel,
                account=params.account,
                older_than_seconds=params.stall_after_minutes * 60,
            ),
            TIMEOUT,
        )
        in_flight = self._in_flight()  # awaited within FEED_WAIT_LIMIT, not stalled
        self._status.stalled = [sku for sku in stalled.skus if sku not in in_flight]
        self._flag()

    def _still_retrying(self, activity: str, attempts: int, failure: str) -> None:
        self._status.retrying = still_retrying(
            self._status.retrying, activity, attempts, failure, workflow.now()
        )
        workflow.logger.warning("%s still failing after %d attempts", activity, attempts)
        self._flag()

    def _stop_retrying(self, activity: str) -> None:
        current = self._status.retrying
        self._status.retrying = retrying_after_success(current, activity)
        if self._status.retrying is not current:
            self._flag()

    def _flag(self) -> None:
        """ExceptionKind shows a stalled sync first, then a call that keeps failing, then
        rejected SKUs, in the Web UI."""
        kind = (
            ExceptionKind.INVENTORY_SYNC_STALLED
            if self._status.stalled
            else ExceptionKind.ACTIVITY_RETRYING
            if self._status.retrying
            else ExceptionKind.INVENTORY_PUSH_REJECTED
            if self._status.rejected
            else None
        )
        if kind is not self._kind:
            self._kind = kind
            update = (
                sa.EXCEPTION_KIND.value_set(kind.value) if kind else sa.EXCEPTION_KIND.value_unset()
            )
            workflow.upsert_search_attributes([update])


CONTRACT = WorkflowContract.of(
    InventorySync,
    "InventorySync",
    InventorySyncInput,
    inventory_sync_id,
    signals=(STOCK_CHANGED_SIGNAL, SYNC_NOW_SIGNAL),
    queries=(STATUS_QUERY,),
    updates=(SYNC_NOW_SIGNAL,),
)
