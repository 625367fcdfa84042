"""ProductSync: one per channel account whose channel masters product data. Sweeps the
products changed since its cursor, sends GXO's item master (every facility) the records it
lacks, asks GXO about records it has not loaded yet, and releases the orders parked until an
item was accepted (ITEM_NOT_LAUNCHED). Runs every `interval_minutes`, sooner while GXO has
records pending, and at once on `sync_now` (a signal, and an update of the same name that
answers what the sweep did); continues as new with its cursor."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import queues, refs
    from activities.models import (
        PRODUCT_SYNC_NOW_SIGNAL,
        ItemCheckRequest,
        ItemSendRequest,
        ProductReadRequest,
        ReleaseRequest,
    )
    from workflows.contracts import WorkflowContract
    from workflows.intakes import HAND_OVER_TIMEOUT, READ_TIMEOUT, IntakeCalls, IntakeHealth
    from workflows.poll_loop import Next, PollLoop
    from workflows.run_length import RUN_EVENTS_LIMIT
    from workflows.waits import wait_until

SYNC_NOW_SIGNAL = PRODUCT_SYNC_NOW_SIGNAL  # a signal, and an update of the same name
STATUS_QUERY = "status"
SYNC_ANSWER_WAIT = timedelta(minutes=2)  # the sync_now update answers after a cycle, or this
CHECK_SECONDS = 30.0  # how often GXO is asked about records it has not loaded yet


def product_sync_id(channel: str, account: str) -> str:
    return f"products:{channel}:{account}"


class ProductSyncInput(BaseModel):
    channel: str
    account: str
    interval_minutes: float = Field(default=15, gt=0)
    check_seconds: float = Field(default=CHECK_SECONDS, gt=0)  # while GXO has records pending
    item_codes_from_products: bool = False
    cursor: datetime | None = None  # newest product change already sent; None: every product
    # Channels that master product data: a SKU one of them has is left to it (a channel that
    # only fills the gaps, such as a marketplace's listings beside the brand's PIM).
    defer_to: list[str] = Field(default_factory=list)
    cycles_per_run: int = 200
    events_per_run: int = RUN_EVENTS_LIMIT


class ProductSyncStatus(IntakeHealth):
    cursor: datetime | None = None
    cycles: int = 0
    products_read: int = 0  # SKUs read this run
    sent: int = 0  # records GXO took this run
    unchanged: int = 0
    pending: int = 0  # records GXO has not loaded yet (last check)
    released: int = 0  # parked orders signalled this run
    unmapped: list[str] = Field(default_factory=list)  # SKUs with no GXO item code (last sweep)
    refused: list[str] = Field(default_factory=list)  # GXO's refusals (last sweep and check)
    deferred: list[str] = Field(default_factory=list)  # SKUs left to a master channel (last sweep)
    incomplete: list[str] = Field(default_factory=list)  # "SKU: no weight", sent (last sweep)
    unreadable: list[str] = Field(default_factory=list)  # records set aside (last sweep)


class SyncAnswer(BaseModel):
    """The sync_now update's reply: what happened between the request and the end of the cycle
    it asked for (`settled`), or until SYNC_ANSWER_WAIT passed first (the cycle still runs)."""

    settled: bool
    read: int = 0  # SKUs read from the channel
    sent: int = 0  # records GXO's item master took
    unchanged: int = 0  # records GXO already had as they are
    released: int = 0  # parked orders signalled: their item was accepted
    status: ProductSyncStatus  # as it stands then: pending, refused, unmapped, last error


def answer(before: ProductSyncStatus, now: ProductSyncStatus, settled: bool) -> SyncAnswer:
    """Counters since `before` (never negative: a run that continued as new starts at 0)."""
    return SyncAnswer(
        settled=settled,
        read=max(now.products_read - before.products_read, 0),
        sent=max(now.sent - before.sent, 0),
        unchanged=max(now.unchanged - before.unchanged, 0),
        released=max(now.released - before.released, 0),
        status=now.model_copy(deep=True),
    )


@workflow.defn(name="ProductSync")
class ProductSync:
    def __init__(self) -> None:
        self._status = ProductSyncStatus()
        self._calls = IntakeCalls(self._status)
        self._sync_now = False
        self._asked = 0  # sync_now updates received ...
        self._served = 0  # ... and how many of them a finished cycle took
        self._ending = False  # the run is about to continue as new

    @workflow.query(
        name=STATUS_QUERY,
        description="Cursor, products read, records sent to GXO, pending, refused, last error.",
    )
    def status(self) -> ProductSyncStatus:
        return self._status

    @workflow.signal(
        name=SYNC_NOW_SIGNAL,
        description=(
            "As the sync_now update, without an answer: sent by the channel's intake when a "
            "product changed, and kept for running workflows and scripts."
        ),
    )
    def sync_now(self) -> None:
        self._sync_now = True

    @workflow.update(
        name=SYNC_NOW_SIGNAL,
        description=(
            "Sweep the channel's products and check GXO now; ends a pause after a failure. No "
            "body; answers what the cycle did (SKUs read, records sent, unchanged, orders "
            "released) and the status after it."
        ),
    )
    async def sync_now_update(self) -> SyncAnswer:
        before = self._status.model_copy()
        self._sync_now = True
        self._asked += 1
        asked = self._asked
        await wait_until(lambda: self._served >= asked or self._ending, SYNC_ANSWER_WAIT)
        return answer(before, self._status, self._served >= asked)

    @sync_now_update.validator
    def _check_sync_now(self) -> None:
        if self._sync_now:
            raise ValueError(
                "a sweep is already queued: it runs as soon as the cycle under way ends "
                "(see `consign products status`)"
            )

    @workflow.run
    async def run(self, params: ProductSyncInput) -> None:
        interval = timedelta(minutes=params.interval_minutes)
        loop = PollLoop(
            params.cycles_per_run,
            params.events_per_run,
            wake=lambda: self._sync_now,
            # sooner while GXO has records pending
            interval=lambda: (
                timedelta(seconds=params.check_seconds) if self._status.pending else interval
            ),
            calls=self._calls,
            after_wait=self._sweep_if_asked,
            before_end=self._end,
        )
        self._cursor = params.cursor
        self._status.cursor = self._cursor
        self._last_sweep: datetime | None = None
        await loop.run(
            lambda: self._cycle(params, interval),
            lambda: params.model_copy(update={"cursor": self._cursor}),
        )

    async def _cycle(self, params: ProductSyncInput, interval: timedelta) -> Next:
        self._sync_now = False
        taken = self._asked
        try:
            due = self._last_sweep is None or workflow.now() - self._last_sweep >= interval
            if due:
                self._cursor = await self._sweep(params, self._cursor)
                self._last_sweep = workflow.now()
            await self._check(params)
            self._status.cycles += 1
            self._calls.succeeded()
        finally:
            self._served = taken  # the updates asked before it are answered (also on a failure)
        return Next.WAIT

    async def _end(self) -> None:
        self._ending = True

    async def _sweep_if_asked(self) -> None:
        """A sync_now during the wait asks for a sweep, not only a check."""
        if self._sync_now:
            self._last_sweep = None

    async def _sweep(self, params: ProductSyncInput, cursor: datetime | None) -> datetime | None:
        """Every page of products changed since `cursor`, sent page by page; the new cursor
        is the newest change seen (kept only once the whole sweep went through)."""
        queue = queues.product_read_queue(params.channel, workflow.info().task_queue)
        page_number: int | None = 1
        token: str | None = None
        newest = cursor
        unmapped: list[str] = []
        refused: list[str] = []
        deferred: list[str] = []
        incomplete: list[str] = []
        unreadable: list[str] = []
        while page_number is not None:
            request = ProductReadRequest(
                channel=params.channel,
                account=params.account,
                since=cursor,
                page=page_number,
                token=token,
            )
            page = await self._calls.run(refs.READ_CHANNEL_PRODUCTS, request, READ_TIMEOUT, queue)
            self._status.products_read += len(page.products)
            unreadable += page.unreadable
            if page.products:
                sent = await self._calls.run(
                    refs.SEND_ITEMS,
                    ItemSendRequest(
                        channel=params.channel,
                        account=params.account,
                        products=page.products,
                        item_codes_from_products=params.item_codes_from_products,
                        defer_to=params.defer_to,
                    ),
                    HAND_OVER_TIMEOUT,
                )
                self._status.sent += sent.sent
                self._status.unchanged += sent.unchanged
                unmapped += sent.unmapped
                refused += sent.refused
                deferred += sent.deferred
                incomplete += sent.incomplete
            if page.cursor is not None and (newest is None or page.cursor > newest):
                newest = page.cursor
            page_number = None if page.complete else page.page
            token = None if page.complete else page.token
        self._status.unmapped = sorted(set(unmapped))
        self._status.refused = refused
        self._status.deferred = sorted(set(deferred))
        self._status.incomplete = sorted(set(incomplete))
        self._status.unreadable = unreadable
        self._status.cursor = newest
        return newest

    async def _check(self, params: ProductSyncInput) -> None:
        request = ItemCheckRequest(channel=params.channel, account=params.account)
        checked = await self._calls.run(refs.CHECK_ITEMS, request, HAND_OVER_TIMEOUT)
        self._status.pending = checked.pending
        self._status.refused += checked.rejected
        if checked.releases:
            await self._calls.run(
                refs.RELEASE_LAUNCHED_ORDERS,
                ReleaseRequest(releases=checked.releases),
                HAND_OVER_TIMEOUT,
            )
            self._status.released += len(checked.releases)


CONTRACT = WorkflowContract.of(
    ProductSync,
    "ProductSync",
    ProductSyncInput,
    product_sync_id,
    signals=(SYNC_NOW_SIGNAL,),
    queries=(STATUS_QUERY,),
    updates=(SYNC_NOW_SIGNAL,),
)
