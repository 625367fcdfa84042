"""InventorySync: one per channel account. Pushes only what changed since the channel's last
accepted push (delta-first), as soon as GXO's stock moves; reconciles everything against what
the channel shows on a schedule; and raises INVENTORY_SYNC_STALLED when a change waits too
long and INVENTORY_PUSH_REJECTED when the channel refuses a SKU."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import queues
    from activities.models import (
        DriftLine,
        DriftReport,
        StalledRequest,
        StalledSkus,
        StockNotice,
        StockPlan,
        StockPlanRequest,
        StockPushReport,
        StockPushRequest,
        StockReadRequest,
    )
    from domain.exceptions import ExceptionKind
    from domain.inventory import PushOutcome
    from domain.lifecycle import STOCK_CHANGED_SIGNAL
    from domain.order import Channel
    from workflows import search_attributes as sa
    from workflows.waits import failure_text, pause_after_failure, wait_until

RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))
TIMEOUT = timedelta(minutes=5)
PUSH_TIMEOUT = timedelta(minutes=65)  # an Amazon feed may take up to an hour to process
PUSH_GIVE_UP = timedelta(hours=2)  # then the sync pauses, reports it and looks for stalls
SYNC_NOW_SIGNAL = "sync_now"
STATUS_QUERY = "status"


def inventory_sync_id(channel: Channel, account: str) -> str:
    return f"inventory:{channel.value}:{account}"


class InventorySyncInput(BaseModel):
    channel: Channel
    account: str
    reconcile_every_hours: float = 24
    stall_after_minutes: float = 30
    check_every_seconds: float = 300  # how often stalls are looked for with nothing moving
    cycles_per_run: int = 500
    next_reconcile_at: datetime | None = None  # carried across continue-as-new


class SyncRequest(BaseModel):
    full: bool = False  # plan every mapped SKU, not only moved items (push what differs)
    reconcile: bool = False  # read every SKU back from the channel first


class InventorySyncStatus(BaseModel):
    channel: Channel
    account: str
    last_push_at: datetime | None = None
    pushes: int = 0
    skus_pushed: int = 0
    pending_items: list[str] = Field(default_factory=list)
    rejected: list[PushOutcome] = Field(default_factory=list)
    stalled: list[str] = Field(default_factory=list)
    last_reconcile_at: datetime | None = None
    drift: list[DriftLine] = Field(default_factory=list)
    unknown_to_gxo: list[str] = Field(default_factory=list)
    unmapped_items: list[str] = Field(default_factory=list)
    last_error: str | None = None


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

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> InventorySyncStatus:
        self._status.pending_items = sorted(self._items)
        return self._status

    @workflow.signal(name=STOCK_CHANGED_SIGNAL)
    def stock_changed(self, notice: StockNotice) -> None:
        self._items.update(notice.items)

    @workflow.signal(name=SYNC_NOW_SIGNAL)
    def sync_now(self, request: SyncRequest) -> None:
        self._request = request
        self._poked = True

    @workflow.run
    async def run(self, params: InventorySyncInput) -> None:
        workflow.upsert_search_attributes(
            [
                sa.CHANNEL.value_set(params.channel.value),
                sa.CHANNEL_ACCOUNT.value_set(params.account),
            ]
        )
        every = timedelta(hours=params.reconcile_every_hours)
        next_reconcile = params.next_reconcile_at or workflow.now() + every
        for _ in range(params.cycles_per_run):
            due = workflow.now() >= next_reconcile
            request, self._request = self._request or SyncRequest(reconcile=due), None
            items, self._items = self._items, set()
            try:
                if request.reconcile:
                    self._force.update(await self._reconcile(params))
                    next_reconcile = workflow.now() + every
                full = request.full or request.reconcile
                await self._push(params, None if full else items, sorted(self._force))
                self._force.clear()
                await self._check_stalled(params)
            except ActivityError as err:
                # Nothing is lost: the items, a full pass and forced SKUs are tried again.
                self._items |= items
                if request.full or request.reconcile:
                    self._request = self._request or SyncRequest(full=True)
                self._poked = False
                self._status.last_error = failure_text(err)
                with contextlib.suppress(ActivityError):  # a channel that is down stalls
                    await self._check_stalled(params)
                await pause_after_failure(err, lambda: self._poked)
                continue
            self._status.last_error = None
            if workflow.info().is_continue_as_new_suggested():
                break
            wait = min(
                next_reconcile - workflow.now(), timedelta(seconds=params.check_every_seconds)
            )
            await wait_until(
                lambda: bool(self._items) or self._request is not None,
                max(wait, timedelta(seconds=1)),
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._items.clear()  # the next run begins with a full pass anyway
        workflow.continue_as_new(params.model_copy(update={"next_reconcile_at": next_reconcile}))

    async def _push(
        self, params: InventorySyncInput, items: set[str] | None, force: list[str]
    ) -> None:
        if items is not None and not items and not force:
            return
        plan = await workflow.execute_activity(
            "plan_stock_push",
            StockPlanRequest(
                channel=params.channel,
                account=params.account,
                items=sorted(items) if items is not None else None,
                force_skus=force,
            ),
            result_type=StockPlan,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if items is None:
            self._status.unknown_to_gxo = plan.unknown_to_gxo
            self._status.unmapped_items = plan.unmapped_items
        if not plan.quantities:
            return
        report = await workflow.execute_activity(
            "push_stock",
            StockPushRequest(
                channel=params.channel, account=params.account, quantities=plan.quantities
            ),
            result_type=StockPushReport,
            task_queue=queues.centra_write_queue(params.channel, workflow.info().task_queue),
            start_to_close_timeout=PUSH_TIMEOUT,
            schedule_to_close_timeout=PUSH_GIVE_UP,
            retry_policy=RETRY,
        )
        self._status.pushes += 1
        self._status.skus_pushed += len(plan.quantities)
        self._status.last_push_at = workflow.now()
        pushed = {q.sku for q in plan.quantities}
        kept = [r for r in self._status.rejected if r.sku not in pushed]
        self._status.rejected = kept + report.rejected
        self._flag()

    async def _reconcile(self, params: InventorySyncInput) -> list[str]:
        """Read every SKU back; what the channel shows wrongly is pushed again."""
        report = await workflow.execute_activity(
            "read_channel_stock",
            StockReadRequest(channel=params.channel, account=params.account),
            result_type=DriftReport,
            task_queue=queues.stock_read_queue(params.channel, workflow.info().task_queue),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        self._status.last_reconcile_at = workflow.now()
        self._status.drift = report.drift
        return [line.sku for line in report.drift]

    async def _check_stalled(self, params: InventorySyncInput) -> None:
        stalled = await workflow.execute_activity(
            "stalled_stock_skus",
            StalledRequest(
                channel=params.channel,
                account=params.account,
                older_than_seconds=params.stall_after_minutes * 60,
            ),
            result_type=StalledSkus,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        self._status.stalled = stalled.skus
        self._flag()

    def _flag(self) -> None:
        """ExceptionKind shows a stalled sync first, then rejected SKUs, in the Web UI."""
        kind = (
            ExceptionKind.INVENTORY_SYNC_STALLED
            if self._status.stalled
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
