"""Returns activities: plan a return (the channel's return, its order's facility, SKUs to GXO
item codes), send GXO the notice, read the disposition policy, close the return in the channel
(record the units received back, complete, and refund when the policy says so), and the
intake's round: read the channel's return events, start one ReturnFulfillment per return,
confirm the events.

Each is idempotent: GXO deduplicates notices on (facility, RMA); closing reads the return first
and skips what the channel already shows (completed, refunded); a return's workflow id is its
RMA, so a repeated event starts nothing new."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowQueryRejectedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.account_ports import AccountKey, QueueOf, port_of, queue_of
from activities.errors import classified
from activities.heartbeat import heartbeating
from activities.models import (
    CloseRequest,
    PolicyRequest,
    ReturnClosed,
    ReturnIntakeRequest,
    ReturnPlan,
    ReturnPolicy,
    ReturnsTaken,
)
from domain.exceptions import ConsignError, ExceptionKind
from domain.lifecycle import STATUS_QUERY, OrderStatus
from domain.order import OrderRef
from domain.returns import (
    RETURN_WORKFLOW_NAME,
    ChannelReturn,
    NoticeResult,
    RefundEntry,
    ReturnFulfillmentInput,
    ReturnNotice,
    ReturnRef,
    notice_for,
)
from domain.routing import route_facility
from integrations.channel import (
    ChannelPort,
    ImmediateRefundPort,
    ReturnPort,
    SettlingRefundPort,
)
from integrations.errors import IntegrationError
from integrations.gxo.port import ReturnsPort
from store.mappings import list_facility_rules, list_sku_mappings
from store.returns import (
    disposition_policy,
    forget_refund,
    record_refund,
    record_returned_units,
    refund_entry,
)


class ReturnActivities:
    def __init__(
        self,
        returns: Mapping[AccountKey, ReturnPort],
        orders: Mapping[AccountKey, ChannelPort],
        warehouse: ReturnsPort,
        engine: Engine,
        client: Client | None = None,
        *,
        task_queue: str | QueueOf = "consign",
        not_arrived_days: float = 14,
    ) -> None:
        """`client` asks the order's workflow where it was injected and starts the return
        workflows (on `task_queue`, or on the account's queue it maps to, waiting
        `not_arrived_days` for GXO's receipts)."""
        self.returns = returns
        self.orders = orders
        self.warehouse = warehouse
        self.engine = engine
        self.client = client
        self.task_queue = queue_of(task_queue)
        self.not_arrived_days = not_arrived_days

    def _port(self, channel: str, account: str) -> ReturnPort:
        return port_of(self.returns, channel, account, "returns port")

    async def _read(self, ref: ReturnRef) -> ChannelReturn:
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            found = await self._port(ref.channel, ref.account).get_return(ref.rma)
            if found is None:
                raise ConsignError(
                    ExceptionKind.ORDER_NOT_FOUND, f"the channel has no return {ref.rma} (deleted?)"
                )
        return found

    @activity.defn(name="plan_return")
    async def plan(self, ref: ReturnRef) -> ReturnPlan:
        """The notice for GXO: the facility the order went out of, each SKU's item code."""
        found = await self._read(ref)
        facility = await self._facility(found)
        mappings = await asyncio.to_thread(list_sku_mappings, self.engine, ref.channel)
        codes = {m.sku: m.item_code for m in mappings}
        missing = sorted({line.sku for line in found.lines} - set(codes))
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            if missing:
                raise ConsignError(
                    ExceptionKind.UNMAPPED_SKU, f"no GXO item code for {', '.join(missing)}"
                )
            notice = notice_for(found, facility, codes)
        return ReturnPlan(notice=notice, completed=found.completed, refunded=found.refunded)

    async def _facility(self, found: ChannelReturn) -> str:
        """Where the order was injected (its workflow's status), else where routing sends it
        today (the order read from the channel, the facility rules in the store)."""
        ref = OrderRef(
            channel=found.ref.channel, account=found.ref.account, order_id=found.channel_order_id
        )
        injected = await self._injected_facility(ref)
        if injected is not None:
            return injected
        port = port_of(self.orders, ref.channel, ref.account, "channel port")
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            order = await port.get_order(ref.order_id)
            rules = await asyncio.to_thread(list_facility_rules, self.engine, ref.channel)
            return route_facility(order, rules).facility_id

    async def _injected_facility(self, ref: OrderRef) -> str | None:
        if self.client is None:
            return None
        try:
            status = await self.client.get_workflow_handle(ref.workflow_id).query(
                STATUS_QUERY, result_type=OrderStatus
            )
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                return None
            raise
        except (WorkflowQueryFailedError, WorkflowQueryRejectedError):
            return None
        return status.facility_id

    @activity.defn(name="notify_return")
    async def notify(self, notice: ReturnNotice) -> NoticeResult:
        """GXO's 180: idempotent on (facility, RMA)."""
        with classified(ExceptionKind.INVALID_WAREHOUSE_DATA):
            return await self.warehouse.notify_return(notice)

    @activity.defn(name="load_return_policy")
    async def load_policy(self, request: PolicyRequest) -> ReturnPolicy:
        """The policy in force (the store's rows, or the default while there are none)."""
        rules = await asyncio.to_thread(disposition_policy, self.engine)
        return ReturnPolicy(rules=rules)

    @activity.defn(name="close_return")
    async def close(self, request: CloseRequest) -> ReturnClosed:
        """Record the units received back (month-end's returns), complete the return, then
        refund it when asked; what the channel already shows is not done again. A refund the
        channel refuses is REFUND_REFUSED (non-retryable)."""
        found = await self._read(request.ref)
        if request.returned is not None:  # before the refund: a refused one parks after it
            await asyncio.to_thread(
                record_returned_units,
                self.engine,
                request.ref,
                found.channel_order_id,
                request.returned,
            )
        port = self._port(request.ref.channel, request.ref.account)
        closed = ReturnClosed(completed=False, refunded=False)
        with classified(ExceptionKind.INVALID_CHANNEL_DATA):
            if not found.completed:
                await port.complete(request.ref.rma)
                closed.completed = True
            if request.refund and not found.refunded:
                if isinstance(port, SettlingRefundPort):
                    await self._refund_once(request.ref, port)
                elif isinstance(port, ImmediateRefundPort):
                    await port.refund(request.ref.rma)
                else:
                    raise ConsignError(
                        ExceptionKind.REFUND_REFUSED,
                        f"channel {request.ref.channel} offers no refund call",
                    )
                closed.refunded = True
        return closed

    async def _refund_once(self, ref: ReturnRef, port: SettlingRefundPort) -> None:
        """A refund the channel processes later (a feed it submits), through the
        ledger: prepared and recorded, sent and recorded, then asked about until applied (a
        retryable failure while it processes). A retry never sends a second refund: a ledger
        row with a sent id is only asked about; one prepared but not known to be sent (the
        send got no answer, or the worker died mid-call) is parked for a person to check."""
        entry = await asyncio.to_thread(refund_entry, self.engine, ref)
        if entry is not None and entry.sent is None:
            raise ConsignError(
                ExceptionKind.REFUND_REFUSED,
                f"refund {entry.prepared} was prepared and may have been submitted without an"
                " answer: check the channel's feed history, then clear the return_refund row"
                " (docs/operations.md)",
            )
        if entry is None:
            entry = RefundEntry(prepared=await port.prepare_refund(ref.rma))
            await asyncio.to_thread(record_refund, self.engine, ref, entry)
            try:
                sent = await port.send_refund(entry.prepared)
            except IntegrationError as err:
                status = getattr(err, "status", None)
                if isinstance(status, int) and 400 <= status < 500:  # answered: not taken
                    await asyncio.to_thread(forget_refund, self.engine, ref)
                raise
            entry = RefundEntry(prepared=entry.prepared, sent=sent)
            await asyncio.to_thread(record_refund, self.engine, ref, entry)
        assert entry.sent is not None
        if not await port.refund_result(ref.rma, entry.sent):
            raise ApplicationError(
                f"refund {entry.sent} is still being processed by the channel",
                type="REFUND_PROCESSING",
            )

    @activity.defn(name="take_channel_returns")
    async def take(self, request: ReturnIntakeRequest) -> ReturnsTaken:
        """One page of the account's return events: a ReturnFulfillment started for each
        return still in the channel, then the events confirmed (only after Temporal took every
        start: an attempt cut short reads the same events again, and a start that finds the
        return's workflow is harmless)."""
        port = self._port(request.channel, request.account)
        taken = ReturnsTaken()
        async with heartbeating():
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                events = await port.return_events(request.limit)
                rmas = list(dict.fromkeys(events.values()))
                found = await port.returns(rmas)
            taken.events = len(events)
            taken.more = len(events) >= request.limit
            taken.gone = len(rmas) - len(found)
            for channel_return in found:
                if await self._start(channel_return.ref):
                    taken.started += 1
                else:
                    taken.already += 1
            with classified(ExceptionKind.INVALID_CHANNEL_DATA):
                await port.confirm(list(events))
        return taken

    async def _start(self, ref: ReturnRef) -> bool:
        if self.client is None:
            raise LookupError("starting return workflows needs a Temporal client")
        try:
            await self.client.start_workflow(
                RETURN_WORKFLOW_NAME,
                ReturnFulfillmentInput(ref=ref, not_arrived_days=self.not_arrived_days),
                id=ref.workflow_id,
                task_queue=self.task_queue(ref.channel, ref.account),
                # A closed return is not restarted by a late event; a failed or terminated one
                # may be, so an operator can run it again.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            return False
        return True
