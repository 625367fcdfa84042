"""Hand changes and warehouse events to the order workflows, durably.

Intake confirms a change (advances its cursor) only after these activities return, i.e. after
Temporal has accepted every signal: nothing is lost between a poll and a workflow. A retried
attempt resumes after the last item its predecessor recorded (activities/heartbeat.py hand_over);
an item handed over twice is harmless (orders dedupe notices), and the report carried in the
heartbeat counts each item once.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.account_ports import QueueOf, queue_of
from activities.heartbeat import hand_over
from activities.models import (
    ChangeSet,
    DeliveryReport,
    EventDelivery,
    SetAsideEvent,
    StartReport,
    StockNotice,
)
from domain.deadlines import DeadlinePolicy
from domain.lifecycle import (
    ORDER_CHANGED_SIGNAL,
    STOCK_CHANGED_SIGNAL,
    WAREHOUSE_EVENT_SIGNAL,
    WORKFLOW_NAME,
    OrderFulfillmentInput,
)
from domain.order import OrderChange, OrderRef, is_merchant_fulfilled
from domain.returns import RETURN_RECEIVED_SIGNAL, ReturnReceivedEvent
from domain.search_attributes import of_new_order
from domain.warehouse import EventMismatch, FeedEvent, WarehouseEvent, WarehouseEventKind
from store.inventory import close_demand
from store.unmatched import record_unmatched_event

# Signal-with-starts in flight at once: one at a time, a batch took as long as the sum of its
# RPCs, and under a kill every 10 s a poll's hand-over fell behind for good (bench/README.md,
# bench.chaos at 1,000 orders; bench.hand_over measures the window).
START_WINDOW = 10


class DeliveryActivities:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        order_task_queue: str | QueueOf,
        deadlines: DeadlinePolicy | None = None,
        start_window: int = START_WINDOW,
    ) -> None:
        """Order workflows start on `order_task_queue`, or on the queue of the order's
        account it maps to (integrations.registry.account_queue), `start_window` at a time."""
        self.client = client
        self.engine = engine
        self.order_task_queue = queue_of(order_task_queue)
        self.deadlines = deadlines or DeadlinePolicy()
        self.start_window = start_window

    @activity.defn(name="start_order_workflows")
    async def start_order_workflows(self, batch: ChangeSet) -> StartReport:
        """Signal-with-start one OrderFulfillment per change; duplicates only signal again.
        AFN orders are dropped here, and the workflow checks again (defence in depth)."""
        return await hand_over(batch.changes, StartReport(), self._start, self.start_window)

    async def _start(self, change: OrderChange, report: StartReport) -> None:
        if not is_merchant_fulfilled(change.fulfilled_by):
            report.skipped_afn += 1
            return
        ref = change.ref
        try:
            await self.client.start_workflow(
                WORKFLOW_NAME,
                OrderFulfillmentInput(ref=ref, change=change, deadlines=self.deadlines),
                id=ref.workflow_id,
                task_queue=self.order_task_queue(ref.channel, ref.account),
                start_signal=ORDER_CHANGED_SIGNAL,
                start_signal_args=[change],
                search_attributes=of_new_order(ref),
                # A finished order is not restarted by a late notice; a failed or terminated
                # one may be, so an operator can re-run it.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            report.already_closed += 1
            return
        report.signalled += 1

    @activity.defn(name="deliver_warehouse_events")
    async def deliver_warehouse_events(self, delivery: EventDelivery) -> DeliveryReport:
        """Signal each event to the order it names (by channel order id, or by the reference
        itself for orders injected before references were per account). An event no running
        order owns is kept in the store's unmatched list for a person, never dropped; only a
        cancel or reject notice for an order whose workflow already finished is counted and
        left (it changes nothing). The order itself checks facility, reference and warehouse
        order id, and sets aside an event that is not about its warehouse order."""
        return await hand_over(delivery.events, DeliveryReport(), self._deliver)

    async def _deliver(self, event: FeedEvent, report: DeliveryReport) -> None:
        if isinstance(event, ReturnReceivedEvent):
            await self._deliver_receipt(event, report)
            return
        ref = event.order_ref
        if event.kind is WarehouseEventKind.REJECTED:
            await asyncio.to_thread(close_demand, self.engine, ref)
        try:
            await self.client.get_workflow_handle(ref.workflow_id).signal(
                WAREHOUSE_EVENT_SIGNAL, event
            )
            report.delivered += 1
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            if event.kind is not WarehouseEventKind.DISPATCH and await self._exists(ref):
                report.ignored += 1
                return
            detail = f"no order workflow {ref.workflow_id}"
            await self._keep(event, EventMismatch.NO_ORDER, detail)
            report.unmatched += 1

    async def _deliver_receipt(self, event: ReturnReceivedEvent, report: DeliveryReport) -> None:
        """A return receipt goes to the ReturnFulfillment of its RMA. One that names no RMA,
        or an RMA no return workflow holds, is kept in the unmatched list, never dropped."""
        receipt = event.receipt
        ref = receipt.ref
        if ref is None:
            await self._keep_receipt(event, "NO_RMA: GXO received a parcel naming no RMA")
            report.unmatched += 1
            return
        try:
            await self.client.get_workflow_handle(ref.workflow_id).signal(
                RETURN_RECEIVED_SIGNAL, receipt
            )
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            await self._keep_receipt(event, f"NO_RETURN: no running return {ref.workflow_id}")
            report.unmatched += 1
            return
        report.returns += 1

    async def _keep_receipt(self, event: ReturnReceivedEvent, reason: str) -> None:
        """Kept under the receipt id (what GXO and a person both quote)."""
        await asyncio.to_thread(
            record_unmatched_event,
            self.engine,
            event.facility_id,
            event.receipt.rma or event.receipt.receipt_id,
            event.model_dump_json(),
            reason,
        )

    @activity.defn(name="set_aside_warehouse_event")
    async def set_aside_warehouse_event(self, request: SetAsideEvent) -> None:
        """Keep an event its order refused (another facility, reference or warehouse order)
        in the unmatched list, so a person sees it and nothing is confirmed on its word."""
        await self._keep(request.event, request.reason, request.detail)

    async def _keep(self, event: WarehouseEvent, reason: EventMismatch, detail: str) -> None:
        await asyncio.to_thread(
            record_unmatched_event,
            self.engine,
            event.facility_id,
            event.reference,
            event.model_dump_json(),
            f"{reason.value}: {detail}",
        )

    async def _exists(self, ref: OrderRef) -> bool:
        """Whether the order ever had a workflow (it has finished if signalling failed)."""
        try:
            await self.client.get_workflow_handle(ref.workflow_id).describe()
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    @activity.defn(name="notify_stock_changed")
    async def notify_stock_changed(self, notice: StockNotice) -> None:
        """Signal each inventory sync in turn; a retry skips those already told."""

        async def signal(workflow_id: str, _: None) -> None:
            await _signal_stock_changed(self.client, workflow_id, notice.items)

        await hand_over(notice.targets, None, signal)


async def signal_stock_changed(client: Client, targets: list[str], items: list[str]) -> None:
    """Tell each inventory sync which items moved."""
    for workflow_id in targets:
        await _signal_stock_changed(client, workflow_id, items)


async def _signal_stock_changed(client: Client, workflow_id: str, items: list[str]) -> None:
    """A sync that is not running catches up at its next full pass: a missing one is no error."""
    try:
        await client.get_workflow_handle(workflow_id).signal(
            STOCK_CHANGED_SIGNAL, StockNotice(items=items)
        )
    except RPCError as err:
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
