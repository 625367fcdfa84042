"""ChannelIntake: one per channel account. Polls order changes since a cursor and hands each
to its OrderFulfillment by signal-with-start (duplicates are harmless), then continues-as-new."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import queues, refs
    from activities.models import AckRequest, ChangeBatch, ChangeSet, PollRequest
    from domain.order import Channel, OrderChange
    from workflows.contracts import WorkflowContract
    from workflows.intakes import (
        HAND_OVER_TIMEOUT,
        READ_TIMEOUT,
        IntakeCalls,
        IntakeHealth,
        count_set_aside,
    )
    from workflows.poll_loop import Next, PollLoop
    from workflows.run_length import RUN_EVENTS_LIMIT
    from workflows.waits import wait_until

POLL_NOW_SIGNAL = "poll_now"
ORDERS_NOTIFIED_SIGNAL = "orders_notified"
PROGRESS_QUERY = "progress"
NAMED_PER_POLL = 100  # orders one named read asks for; more wait for the next poll
BOUNDED_NAMED_READS = "bounded-named-reads"  # workflow.patched id, 2026-12-02
COALESCE_NOTICES = "coalesce-notices"  # workflow.patched id, 2026-11-29
NAMED_READS_WAIT = "named-reads-wait"  # workflow.patched id, 2026-11-30
SCANS_BEFORE_NAMED = "scans-before-named"  # workflow.patched id, 2026-11-30
NOTIFIED_CHANGES = "notified-changes"  # workflow.patched id, 2026-11-30
RECENT_NOTICES_KEPT = 5000  # 16 characters each: ~95 KB in the continue-as-new input


def notice_key(change: OrderChange) -> str:
    """What makes a notice news to its order (its order, update time, status and cancel ask),
    as a short digest so thousands fit in the intake's state (a sweep of every open order)."""
    text = (
        f"{change.ref.order_id}|{change.last_updated_at.isoformat()}|"
        f"{change.status.value}|{int(change.buyer_cancel_requested)}"
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def intake_id(channel: Channel, account: str) -> str:
    return f"intake:{channel}:{account}"


class ChannelIntakeInput(BaseModel):
    channel: Channel
    account: str
    cursor: datetime | None = None  # None: start `lookback_hours` ago
    lookback_hours: float = 24
    poll_interval_seconds: float = 60
    polls_per_run: int = 500  # continue-as-new after this many polls to keep history short
    events_per_run: int = RUN_EVENTS_LIMIT  # since SHORT_RUNS (workflows/run_length.py)
    sweep_every_polls: int = 0  # >0: every Nth poll re-reads all open orders (change feeds)
    notified_order_ids: list[str] = Field(default_factory=list)  # carried across continue-as-new
    set_aside: int = 0  # carried across continue-as-new, like the last one's summary
    last_set_aside: str | None = None
    recent_notices: list[str] = Field(default_factory=list)  # notice_key of the last ones sent


class OrdersNotified(BaseModel):
    """A webhook named these orders as changed: read them now rather than at the next poll.
    A feed that says how they changed (a channel's own notification summary) also gives
    `changes`: those are handed to their orders as they are, without reading them again."""

    order_ids: list[str]
    changes: list[OrderChange] = Field(default_factory=list)


class IntakeProgress(IntakeHealth):
    cursor: datetime | None = None
    polls: int = 0
    signalled: int = 0
    skipped_afn: int = 0
    already_closed: int = 0


@workflow.defn(name="ChannelIntake")
class ChannelIntake:
    def __init__(self) -> None:
        self._progress = IntakeProgress()
        self._calls = IntakeCalls(self._progress)
        self._poll_now = False
        self._notified: list[str] = []
        self._told: list[OrderChange] = []  # notified with the change itself: no read needed
        self._sent: list[str] = []  # notice keys handed over lately, oldest first

    @workflow.query(
        name=PROGRESS_QUERY,
        description=(
            "Cursor, polls, orders signalled or started, AFN skipped, last error and its kind, "
            "a call still retrying, records set aside."
        ),
    )
    def progress(self) -> IntakeProgress:
        return self._progress

    @workflow.signal(
        name=POLL_NOW_SIGNAL,
        description="Poll now, without waiting for the interval; ends a pause after a failure.",
    )
    def poll_now(self) -> None:
        self._poll_now = True

    @workflow.signal(
        name=ORDERS_NOTIFIED_SIGNAL,
        description="internal: orders a webhook or channel notification named (read at once).",
    )
    def orders_notified(self, notice: OrdersNotified) -> None:
        """The orders are named in `_notified` even when their change came along: one not yet
        handed over when the run continues as new is read by name in the next."""
        self._notified.extend(i for i in notice.order_ids if i not in self._notified)
        self._told.extend(notice.changes)

    async def _hand_over(self, changes: list[OrderChange], coalesce: bool) -> None:
        """The cursor moves only after Temporal accepted every order's signal. With `coalesce`
        a notice already handed over is not sent again: polls re-read overlapping windows (and
        sweeps every open order), and each repeat would grow the order's history."""
        if coalesce:
            sent = set(self._sent)
            changes = [c for c in changes if notice_key(c) not in sent]
            if not changes:
                return
        report = await self._calls.run(
            refs.START_ORDER_WORKFLOWS,
            ChangeSet(changes=changes),
            HAND_OVER_TIMEOUT,
        )
        self._progress.signalled += report.signalled
        self._progress.skipped_afn += report.skipped_afn
        self._progress.already_closed += report.already_closed
        if coalesce:
            keys = [notice_key(c) for c in changes]
            self._sent = [*self._sent, *keys][-RECENT_NOTICES_KEPT:]

    @workflow.run
    async def run(self, params: ChannelIntakeInput) -> None:
        self._cursor = params.cursor or workflow.now() - timedelta(hours=params.lookback_hours)
        self._notified = [*params.notified_order_ids, *self._notified]
        self._coalesce = workflow.patched(COALESCE_NOTICES)
        self._sent = list(params.recent_notices)
        self._progress.cursor = self._cursor
        self._progress.set_aside = params.set_aside
        self._progress.last_set_aside = params.last_set_aside
        self._page_token: str | None = None
        self._loop = PollLoop(
            params.polls_per_run,
            params.events_per_run,
            wake=lambda: self._poll_now,
            until=lambda: self._poll_now or bool(self._notified),
            interval=timedelta(seconds=params.poll_interval_seconds),
            calls=self._calls,
        )
        self._next_scan = workflow.now()  # when the poll interval lets the next scan run
        self._scans_first = workflow.patched(SCANS_BEFORE_NAMED)
        # Mid-scan, the cursor is still the scan's start: the next run re-reads those pages.
        await self._loop.run(
            lambda: self._poll(params),
            lambda: params.model_copy(
                update={
                    "cursor": self._cursor,
                    "notified_order_ids": self._notified,
                    "recent_notices": self._sent,
                    "set_aside": self._progress.set_aside,
                    "last_set_aside": self._progress.last_set_aside,
                }
            ),
        )

    async def _poll(self, params: ChannelIntakeInput) -> Next:
        """One poll: the changes notified with the orders, then a page of a scan (the cursor
        moves at its last page) or a read of the orders notifications named."""
        if self._told and workflow.patched(NOTIFIED_CHANGES):
            await self._hand_over_told()
            if not self._notified and self._page_token is None and workflow.now() < self._next_scan:
                if self._loop.over():
                    return Next.END
                await self._rest_of_interval()
                return Next.MORE
        named: list[str] = []
        if not self._scans_first or (self._page_token is None and workflow.now() < self._next_scan):
            named, self._notified = self._take_named()
        if not named:
            self._poll_now = False  # a poke asks for the scan that starts now
        try:
            batch = await self._read(params, named)
        except ActivityError:
            self._notified = [*named, *self._notified]  # read them on the next attempt
            raise
        self._progress.polls += 1
        self._calls.succeeded()
        if batch.next_page_token:
            self._page_token = batch.next_page_token
            return Next.MORE
        self._page_token = None
        if named:  # a named read does not move the cursor
            if self._scans_first and self._loop.over():
                return Next.END
            if workflow.patched(NAMED_READS_WAIT):
                await self._rest_of_interval()
            return Next.MORE
        self._cursor = batch.cursor
        self._progress.cursor = self._cursor
        self._next_scan = workflow.now() + timedelta(seconds=params.poll_interval_seconds)
        return Next.WAIT

    async def _read(self, params: ChannelIntakeInput, named: list[str]) -> ChangeBatch:
        """Reads a page (or the `named` orders), hands its changes over and acks them."""
        sweep = (
            params.sweep_every_polls > 0
            and self._page_token is None
            and not named
            and self._progress.polls % params.sweep_every_polls == 0
        )
        main = workflow.info().task_queue
        batch = await self._calls.run(
            refs.POLL_CHANNEL_CHANGES,
            PollRequest(
                channel=params.channel,
                account=params.account,
                since=self._cursor,
                page_token=self._page_token,
                sweep=sweep,
                order_ids=named,
            ),
            READ_TIMEOUT,
            task_queue=queues.poll_queue(params.channel, main),
        )
        count_set_aside(self._progress, batch.set_aside)
        if batch.changes:
            await self._hand_over(batch.changes, self._coalesce)
        if batch.ack:
            await self._calls.run(
                refs.ACK_CHANNEL_CHANGES,
                AckRequest(channel=params.channel, account=params.account, ack=batch.ack),
                READ_TIMEOUT,
                task_queue=queues.ack_queue(params.channel, main),
            )
        return batch

    async def _hand_over_told(self) -> None:
        """Hand the notified changes to their orders as they came (since NOTIFIED_CHANGES):
        each order's workflow reads the order itself, so reading it here too spent a second
        metered read an order on every notification. At most NAMED_PER_POLL a call, so a
        backlog never makes one oversized activity input. When a hand-over fails its orders
        are named again (beside any notified meanwhile), and the next poll reads them."""
        while self._told:
            told, self._told = self._told[:NAMED_PER_POLL], self._told[NAMED_PER_POLL:]
            handing = [change.ref.order_id for change in told]
            self._notified = [i for i in self._notified if i not in handing]
            try:
                await self._hand_over(told, self._coalesce)
            except ActivityError as err:
                self._notified.extend(i for i in handing if i not in self._notified)
                await self._loop.pause(err)
                return

    async def _rest_of_interval(self) -> None:
        """After reading the orders a notification named, the scan waits for its interval
        (since NAMED_READS_WAIT): before, every notification was followed by a scan at once,
        and with a change search of a few calls an hour (3 minutes a token past its burst)
        each scan held up the notifications behind it."""
        left = self._next_scan - workflow.now()
        if left > timedelta(0) and not self._poll_now:
            await wait_until(lambda: self._poll_now or bool(self._notified), left)

    def _take_named(self) -> tuple[list[str], list[str]]:
        """The orders to read now and those left for the next poll: at most NAMED_PER_POLL
        per read since BOUNDED_NAMED_READS (runs before it read them all at once)."""
        notified = self._notified
        if len(notified) > NAMED_PER_POLL and workflow.patched(BOUNDED_NAMED_READS):
            return notified[:NAMED_PER_POLL], notified[NAMED_PER_POLL:]
        return notified, []


CONTRACT = WorkflowContract.of(
    ChannelIntake,
    "ChannelIntake",
    ChannelIntakeInput,
    intake_id,
    signals=(POLL_NOW_SIGNAL, ORDERS_NOTIFIED_SIGNAL),
    queries=(PROGRESS_QUERY,),
)
