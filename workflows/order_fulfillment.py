"""OrderFulfillment: one channel order from payment clearance to the last parcel confirmed.

Gate until the channel clears the order, plan and inject it into GXO, then confirm each parcel
GXO dispatches. A deadline watcher chases GXO before the ship-by date and marks the order late
after it. A buyer cancellation before dispatch cancels at GXO. Anything a person must fix parks
the order in EXCEPTION until a `retry` or `reinject` signal, or until `resolve` says a person
handled it by hand: the order then ends as RESOLVED.

Nothing but Temporal's own control flow (cancellation, continue-as-new) leaves `run`: an
unexpected error parks the order as UNEXPECTED_ERROR, and the signal that clears it resumes the
order from its state. A long-lived order continues as new from the points where it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities import queues, refs
    from activities.models import (
        ITEM_ACCEPTED_SIGNAL,
        CaptureRequest,
        ItemAccepted,
        ParcelConfirmRequest,
        SetAsideEvent,
        WarehouseLookup,
        WarehouseOrderRequest,
    )
    from activities.refs import ActivityRef
    from domain import search_attributes as sa
    from domain.capture import CaptureState, PaymentCapture
    from domain.deadlines import deadlines_for
    from domain.exceptions import ConsignError, ExceptionKind, describe_error
    from domain.lifecycle import (
        ALREADY_WAITING,
        NOT_PARKED,
        ORDER_CHANGED_SIGNAL,
        REINJECT_SIGNAL,
        RESOLVE_UPDATE,
        RETRY_SIGNAL,
        STATUS_QUERY,
        WAREHOUSE_EVENT_SIGNAL,
        WORKFLOW_NAME,
        CarriedState,
        ExceptionInfo,
        OperatorAnswer,
        OperatorRequest,
        OrderFulfillmentInput,
        OrderStage,
        OrderStatus,
        ParcelRecord,
        PendingSignal,
        still_retrying,
    )
    from domain.order import (
        ChannelOrder,
        ChannelOrderStatus,
        OrderChange,
        OrderRef,
        is_merchant_fulfilled,
    )
    from domain.shipment import all_shipped, any_shipped, apply_parcel, progress_from_lines
    from domain.warehouse import (
        CancelOutcome,
        InjectionResult,
        Parcel,
        WarehouseEvent,
        WarehouseEventKind,
        WarehouseOrder,
        mismatch,
    )
    from workflows import order_metrics
    from workflows.activity_rounds import execute_in_rounds
    from workflows.contracts import WorkflowContract
    from workflows.search_attributes import Published
    from workflows.waits import failure_kind, failure_text, wait_until

A = TypeVar("A")
T = TypeVar("T")

ACTIVITY_TIMEOUT = timedelta(seconds=60)
PENDING_RECHECK = timedelta(hours=1)
HISTORY_LIMIT = 50
# The retry/reinject updates answer once the order has acted on the request, or after this.
ANSWER_WAIT = timedelta(seconds=30)
# Continue as new when Temporal suggests it or, whichever comes first, after this many events.
HISTORY_EVENTS_LIMIT = 2_000
# workflow.patched ids (DEVELOPERS.md lists them)
RETRY_THROUGH_GATE = "retry-through-gate"  # 2026-11-25
MATCH_WAREHOUSE_EVENTS = "match-warehouse-events"  # 2026-11-29
SETTLE_CAPTURES = "settle-captures"  # 2026-11-29
BOUNDED_HISTORY = "bounded-history"  # 2026-11-29
LATE_FROM_THE_START = "late-from-the-start"  # 2026-11-29
DUPLICATE_TRACKING = "duplicate-tracking"  # 2026-11-29
LAUNCH_RELEASE = "launch-release"  # wip/products: ITEM_ACCEPTED releases an ITEM_NOT_LAUNCHED park
MAPPING_RELEASE = "mapping-release"  # wip/gate10: ITEM_ACCEPTED releases an UNMAPPED_SKU park
CLOSE_DEMAND_AT_END = "close-demand-at-end"  # 2026-11-30
RESOLVE_PARKED = "resolve-parked"  # 2026-11-30: `resolve` closes a parked order as RESOLVED
CAPTURE_FIRST_CHECK = timedelta(minutes=5)  # then doubling, up to CAPTURE_MAX_CHECK
CAPTURE_MAX_CHECK = timedelta(hours=2)
CAPTURE_PATIENCE = timedelta(days=14)  # a capture pending this long is raised for a person
DEADLINE_KINDS = (ExceptionKind.SHIP_BY_AT_RISK, ExceptionKind.SHIP_BY_MISSED)
WAITING_STAGES = (
    OrderStage.INJECTED,
    OrderStage.PARTIALLY_SHIPPED,
    OrderStage.AT_RISK,
    OrderStage.LATE,
)


class _Parked(Exception):
    """A step failed in a way only a person can fix."""

    def __init__(self, kind: ExceptionKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _ChannelCancelled(Exception):
    """The channel cancelled the order (or the buyer asked to) before it was fully shipped."""


class _Resolved(Exception):
    """An operator closed the parked order's exception as handled by hand: its life ends here,
    without another call to GXO or the channel."""


class _Closed(Exception):
    """A re-read before injection found the order out of our hands (cancelled, shipped
    elsewhere): the gate has already set the final stage."""


def _as_parked(err: ActivityError) -> _Parked:
    """A failure retrying cannot cure parks the order: under its ExceptionKind when its type
    names one, else as UNEXPECTED_ERROR (it would otherwise fail the workflow)."""
    kind, cause = failure_kind(err), err.cause
    if isinstance(cause, ApplicationError) and cause.type == kind.value:
        return _Parked(kind, cause.message)
    return _Parked(kind, failure_text(err))


def _is_temporal_control(err: Exception) -> bool:
    """Temporal's own signals to the workflow, which must never be turned into a park."""
    return is_cancelled_exception(err) or isinstance(
        err, (workflow.NondeterminismError, workflow.ReadOnlyContextError)
    )


def _wants_cancel(change: OrderChange | None) -> bool:
    return change is not None and (
        change.status is ChannelOrderStatus.CANCELLED or change.buyer_cancel_requested
    )


@workflow.defn(name=WORKFLOW_NAME)
class OrderFulfillment:
    @workflow.init
    def __init__(self, params: OrderFulfillmentInput) -> None:
        self._ref = params.ref
        self._policy = params.deadlines
        self._bounded = workflow.patched(BOUNDED_HISTORY)
        self._published = Published(only_changes=self._bounded)
        self._watcher: asyncio.Task[None] | None = None
        self._read: OrderChange | None = None  # the order as last read, as a notice
        state = params.carried or CarriedState(
            status=OrderStatus(ref=params.ref, stage=OrderStage.RECEIVED),
            latest_change=params.change,
            last_seen=params.change.last_updated_at if params.change else None,
        )
        self._status = state.status
        self._order: ChannelOrder | None = state.order
        self._plan: WarehouseOrder | None = state.plan
        self._sent_reference = state.sent_reference  # the reference GXO may hold for this order
        self._latest_change: OrderChange | None = state.latest_change
        self._last_seen = state.last_seen
        self._changed = state.changed
        self._events: list[WarehouseEvent] = list(state.events)
        self._recovered: list[Parcel] = list(state.recovered)
        self._seen_events: set[str] = set(state.seen_event_ids)
        self._operator: tuple[str, OperatorRequest] | None = (
            (state.operator.action, state.operator.request) if state.operator else None
        )
        self._cancel_refused = state.cancel_refused
        self._set_aside: set[str] = set(state.set_aside)  # parcels an operator chose not to confirm
        self._chased = state.chased
        self._ship_by_passed = state.ship_by_passed
        self._parks = 0  # times this run parked: an update's answer waits for a new one ...
        self._quiet = False  # ... or for the lifecycle to wait on the outside world again

    # --- handlers -----------------------------------------------------------------------------

    @workflow.query(
        name=STATUS_QUERY, description="The order's full state: stage, lines, parcels, exception."
    )
    def status(self) -> OrderStatus:
        return self._status

    @workflow.signal(
        name=ORDER_CHANGED_SIGNAL,
        description="internal: the channel intake saw the order change (status, cancel request).",
    )
    def order_changed(self, change: OrderChange) -> None:
        """Intake saw the order change; a notice older than the one we hold is ignored, and so
        is one that says nothing new (intakes re-read overlapping windows)."""
        if self._last_seen is not None and change.last_updated_at < self._last_seen:
            return
        if self._bounded and change in (self._latest_change, self._read):
            return
        self._last_seen = change.last_updated_at
        self._latest_change = change
        self._changed = True

    @workflow.signal(
        name=WAREHOUSE_EVENT_SIGNAL,
        description="internal: a GXO event about the order (dispatch, rejection, cancel).",
    )
    def warehouse_event(self, event: WarehouseEvent) -> None:
        """Duplicates (pull and push both deliver) are dropped by event id."""
        if event.event_id not in self._seen_events:
            self._seen_events.add(event.event_id)
            self._events.append(event)

    @workflow.signal(
        name=RETRY_SIGNAL,
        description="As the retry update, without an answer (kept for running workflows).",
    )
    def retry(self, request: OperatorRequest) -> None:
        self._operator = (RETRY_SIGNAL, request)

    @workflow.signal(
        name=ITEM_ACCEPTED_SIGNAL,
        description=(
            "internal: the product sync saw GXO accept an item (ends ITEM_NOT_LAUNCHED) or "
            "wrote a SKU's mapping (ends UNMAPPED_SKU)."
        ),
    )
    def item_accepted(self, accepted: ItemAccepted) -> None:
        """The product sync saw GXO accept an item (an order parked as ITEM_NOT_LAUNCHED), or
        wrote the mapping of a SKU (an order parked as UNMAPPED_SKU): the order plans again,
        and its history says why. Ignored otherwise (the sync repeats it while the
        order still waits)."""
        exception = self._status.exception
        if exception is None:
            return
        if exception.kind is ExceptionKind.UNMAPPED_SKU:
            # Since MAPPING_RELEASE: the product sync wrote the SKU's mapping (no facility).
            if not workflow.patched(MAPPING_RELEASE):
                return
            reason = f"the product sync mapped {accepted.sku} to GXO item {accepted.item_code}"
        elif exception.kind is ExceptionKind.ITEM_NOT_LAUNCHED:
            if not workflow.patched(LAUNCH_RELEASE):
                return
            reason = f"GXO accepted {accepted.item_code} ({accepted.sku}) at {accepted.facility_id}"
        else:
            return
        self._operator = (RETRY_SIGNAL, OperatorRequest(reason=reason, requested_by="product sync"))

    @workflow.signal(
        name=REINJECT_SIGNAL,
        description="As the reinject update, without an answer (kept for running workflows).",
    )
    def reinject(self, request: OperatorRequest) -> None:
        self._operator = (REINJECT_SIGNAL, request)

    @workflow.update(
        name=RETRY_SIGNAL,
        description=(
            "Parked: re-run the step that failed, after its cause was fixed. Injected: ask GXO "
            "for parcels consign never saw. Body {reason, requested_by}; answers the stage "
            "reached."
        ),
    )
    async def retry_update(self, request: OperatorRequest) -> OperatorAnswer:
        return await self._operator_update(RETRY_SIGNAL, request)

    @retry_update.validator
    def _check_retry(self, request: OperatorRequest) -> None:
        self._check_operator(RETRY_SIGNAL)

    @workflow.update(
        name=REINJECT_SIGNAL,
        description=(
            "Parked: as retry (a duplicate tracking number: confirm the parcel as its own). "
            "Injected: re-send the plan GXO has. Body {reason, requested_by}; answers the stage "
            "reached."
        ),
    )
    async def reinject_update(self, request: OperatorRequest) -> OperatorAnswer:
        return await self._operator_update(REINJECT_SIGNAL, request)

    @reinject_update.validator
    def _check_reinject(self, request: OperatorRequest) -> None:
        self._check_operator(REINJECT_SIGNAL)

    @workflow.update(
        name=RESOLVE_UPDATE,
        description=(
            "Mark an exception handled without retrying; who and why go into the order's "
            "history. A flag (at risk, late, refused cancel) is cleared and the order moves on; "
            "a parked order was handled by hand (e.g. shipped outside consign): it ends as "
            "RESOLVED without contacting GXO or the channel. Body {reason, requested_by}; "
            "answers the stage reached."
        ),
    )
    async def resolve(self, request: OperatorRequest) -> OperatorAnswer:
        exception = self._status.exception
        assert exception is not None  # the validator refused otherwise
        if self._status.stage is OrderStage.EXCEPTION and workflow.patched(RESOLVE_PARKED):
            return await self._operator_update(RESOLVE_UPDATE, request)
        self._note(
            f"exception {exception.kind.value} resolved by {request.requested_by}: {request.reason}"
        )
        self._status.exception = None
        self._publish()
        return self._answer(RESOLVE_UPDATE, settled=True)

    @resolve.validator
    def _check_resolve(self, request: OperatorRequest) -> None:
        exception = self._status.exception
        if not request.reason.strip():
            raise ValueError("say why the exception is resolved (a reason is required)")
        if exception is None:
            raise ValueError(f"the order is {self._status.stage.value} with no open exception")
        if self._status.stage is OrderStage.EXCEPTION and self._operator is not None:
            raise ValueError(f"a {self._operator[0]} {ALREADY_WAITING}")

    def _check_operator(self, action: str) -> None:
        """The update validators: refuse, with the reason, a request the order would not act
        on (the signal of the same name would be kept or ignored without a word)."""
        stage = self._status.stage
        if stage.is_final:
            raise ValueError(f"the order is {stage.value}: nothing to {action}")
        if self._operator is not None:
            raise ValueError(f"a {self._operator[0]} {ALREADY_WAITING}")
        if stage is OrderStage.EXCEPTION:
            return
        if self._plan is None or stage not in WAITING_STAGES:
            raise ValueError(
                f"{NOT_PARKED}: it is {stage.value} and moves on by itself; "
                f"{action} acts on a parked order, or on one GXO holds"
            )

    async def _operator_update(self, action: str, request: OperatorRequest) -> OperatorAnswer:
        """Hand the request to the lifecycle, as the signal does, and answer once the order
        parked again, closed or waits on the outside world again (or after ANSWER_WAIT)."""
        self._operator = (action, request)
        parks = self._parks
        settled = await wait_until(
            lambda: (
                self._operator is None
                and (self._quiet or self._parks > parks or self._status.stage.is_final)
            ),
            ANSWER_WAIT,
        )
        return self._answer(action, settled)

    def _answer(self, action: str, settled: bool) -> OperatorAnswer:
        return OperatorAnswer(
            action=action,
            stage=self._status.stage,
            settled=settled,
            exception=self._status.exception,
            retrying=self._status.retrying,
        )

    # --- main flow ----------------------------------------------------------------------------

    @workflow.run
    async def run(self, params: OrderFulfillmentInput) -> OrderStatus:
        self._upsert(
            [
                sa.CHANNEL.value_set(self._ref.channel),
                sa.CHANNEL_ACCOUNT.value_set(self._ref.account),
                sa.CHANNEL_ORDER_ID.value_set(self._ref.order_id),
            ]
        )
        if params.carried is None:
            self._set_stage(OrderStage.RECEIVED)
        try:
            await self._guarded(self._lifecycle)
        finally:
            if self._watcher is not None:
                self._watcher.cancel()
        if (
            self._plan is not None
            and self._status.stage.is_final
            and workflow.patched(CLOSE_DEMAND_AT_END)
        ):
            await self._guarded(lambda _: self._activity(refs.CLOSE_ORDER_DEMAND, self._ref))
        if self._status.stage is OrderStage.RESOLVED:
            self._leave_captures()
        elif self._status.captures and workflow.patched(SETTLE_CAPTURES):
            await self._guarded(lambda _: self._settle_captures())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status

    async def _guarded(self, part: Callable[[bool], Awaitable[None]]) -> None:
        """Run a part of the order's life; an exception nobody expected parks the order (a
        failing workflow task would retry forever, unseen), and the operator's signal resumes
        the part from the order's state (`part(resumed=True)`)."""
        resumed = False
        while True:
            try:
                await part(resumed)
                return
            except _Resolved:
                return
            except Exception as err:
                if _is_temporal_control(err):
                    raise
                stage = self._status.stage
                if stage is OrderStage.EXCEPTION and self._status.exception is not None:
                    stage = self._status.exception.stage
                workflow.logger.error(
                    "order %s: unexpected %s", self._ref.workflow_id, type(err).__name__
                )
                unexpected = _Parked(ExceptionKind.UNEXPECTED_ERROR, describe_error(err))
            try:
                await self._park(unexpected, stage, cancellable=False)
            except _Resolved:
                return
            resumed = True

    async def _lifecycle(self, resumed: bool = False) -> None:
        """From wherever the order is: a new order, a continued run, or `resumed` after an
        unexpected error, which may have dropped a cancellation or a dispatch in hand: those
        are looked at again (the channel's wish, GXO's parcels)."""
        while not self._status.stage.is_final:
            try:
                if self._plan is None:
                    order = await self._gate()
                    if order is None:
                        return
                    self._watch_deadlines()
                    await self._inject(order)
                else:
                    self._watch_deadlines()
                    if resumed:
                        resumed = False
                        if self._cancel_wanted():
                            raise _ChannelCancelled
                        await self._recover_from_warehouse()
                await self._fulfil()
                return
            except _ChannelCancelled:
                await self._cancel_at_warehouse()
            except _Closed:
                return

    async def _gate(self) -> ChannelOrder | None:
        """Wait until the channel clears the order. None when it never reaches the warehouse."""
        while True:
            self._changed = False
            order = await self._step(OrderStage.RECEIVED, self._fetch_order)
            self._order = order
            self._read = order.change()
            if self._last_seen is None or order.last_updated_at > self._last_seen:
                self._last_seen = order.last_updated_at
            if order.ship_by is not None and self._status.ship_by != order.ship_by:
                self._status.ship_by = order.ship_by
                self._upsert([sa.SHIP_BY.value_set(order.ship_by)])
            if not is_merchant_fulfilled(order.fulfilled_by):
                self._note("fulfilled by the channel (AFN): never sent to the warehouse")
                self._set_stage(OrderStage.SKIPPED_AFN)
                return None
            if order.status is ChannelOrderStatus.CANCELLED or order.buyer_cancel_requested:
                self._note("cancelled on the channel before injection")
                self._set_stage(OrderStage.CANCELLED)
                return None
            if order.status is ChannelOrderStatus.SHIPPED:
                self._note("already shipped on the channel: nothing to send")
                self._set_stage(OrderStage.SHIPPED)
                return None
            if order.status is not ChannelOrderStatus.PENDING:
                return order
            self._set_stage(OrderStage.AWAITING_PAYMENT)
            self._quiet = True
            if not await wait_until(lambda: self._changed, PENDING_RECHECK):
                self._note("still pending on the channel: re-reading it", repeat=False)
            if self._plan is None:  # not a re-plan after a GXO rejection
                await self._continue_as_new_if_due()
            self._quiet = False

    async def _inject(self, order: ChannelOrder) -> None:
        """Plan and inject as one step, so the retry after a person fixed a mapping, the
        address or the item at GXO re-reads the order and plans again. Re-sending the same
        reference to the same facility is deduplicated by GXO."""
        self._set_stage(OrderStage.PLANNING)
        eligible_at = workflow.now()
        attempts = 0

        async def plan_and_inject() -> tuple[WarehouseOrder, InjectionResult]:
            nonlocal attempts
            attempts += 1
            current = order if attempts == 1 else await self._refetch()
            plan = self._keep_reference(await self._plan_order(current))
            return plan, await self._inject_order(plan)

        plan, result = await self._step(OrderStage.PLANNING, plan_and_inject)
        self._record_injection(plan, result)
        order_metrics.eligible_to_injected(self._ref.channel, workflow.now() - eligible_at)

    def _keep_reference(self, plan: WarehouseOrder) -> WarehouseOrder:
        """GXO deduplicates on the reference, so once one was sent every later plan of this
        order keeps it, even where planning now makes references differently: an injection
        GXO accepted but whose answer was lost must never reach it under a second one."""
        sent = self._sent_reference or (self._plan.reference if self._plan else None)
        if sent is None:
            self._sent_reference = plan.reference
            return plan
        self._sent_reference = sent
        return plan if plan.reference == sent else plan.model_copy(update={"reference": sent})

    async def _refetch(self) -> ChannelOrder:
        """Re-read the order before planning again. Since RETRY_THROUGH_GATE it goes back
        through the gate, so a hold or an unpaid balance placed meanwhile waits again; runs
        started earlier keep the old path (only a cancellation stops them)."""
        if workflow.patched(RETRY_THROUGH_GATE):
            gated = await self._gate()
            if gated is None:
                raise _Closed
            if self._status.stage is not OrderStage.PLANNING:
                self._set_stage(OrderStage.PLANNING)
            return gated
        order = await self._fetch_order()
        self._order = order
        if order.status is ChannelOrderStatus.CANCELLED or order.buyer_cancel_requested:
            raise _ChannelCancelled
        return order

    async def _resend(self) -> None:
        """Re-send the plan GXO already has (never re-route a live warehouse order)."""
        assert self._plan is not None
        plan = self._plan
        result = await self._step(self._status.stage, lambda: self._inject_order(plan))
        self._record_injection(plan, result)

    def _record_injection(self, plan: WarehouseOrder, result: InjectionResult) -> None:
        assert self._order is not None
        self._plan = plan
        self._status.facility_id = plan.facility_id
        self._upsert([sa.FACILITY_ID.value_set(plan.facility_id)])
        if not self._status.lines:
            self._status.lines = progress_from_lines(self._order.lines)
        self._status.warehouse_order_id = result.warehouse_order_id
        self._status.warehouse_reference = plan.reference
        self._status.injections += 1
        known = " (GXO already had it)" if result.duplicate else ""
        self._note(f"injected into {plan.facility_id} as {result.warehouse_order_id}{known}")
        if self._status.stage in (OrderStage.PLANNING, OrderStage.EXCEPTION):
            if self._status.late and workflow.patched(LATE_FROM_THE_START):
                self._set_stage(OrderStage.LATE)
                return
            shipped = any_shipped(self._status.lines)
            self._set_stage(OrderStage.PARTIALLY_SHIPPED if shipped else OrderStage.INJECTED)

    async def _fulfil(self) -> None:
        """Confirm parcels as GXO dispatches them until every line is shipped or cancelled."""
        while not all_shipped(self._status.lines):
            self._quiet = True
            await self._continue_as_new_if_due()
            await workflow.wait_condition(
                lambda: (
                    bool(self._events or self._recovered)
                    or self._changed
                    or self._operator is not None
                )
            )
            self._quiet = False
            if self._changed:
                self._changed = False
                if self._cancel_wanted():
                    raise _ChannelCancelled
            if self._operator is not None:
                await self._handle_operator()
            await self._drain()
            if self._status.stage is OrderStage.CANCELLED:
                return
        self._status.exception = None
        self._set_stage(OrderStage.SHIPPED)

    async def _drain(self) -> None:
        recovered, self._recovered = self._recovered, []
        for parcel in recovered:
            await self._confirm(parcel)
        events, self._events = sorted(self._events, key=lambda e: e.sequence), []
        for event in events:
            if await self._not_ours(event):
                continue
            if event.kind is WarehouseEventKind.DISPATCH:
                for parcel in event.parcels:
                    await self._confirm(parcel)
            elif event.kind is WarehouseEventKind.REJECTED and self._cancel_refused:
                self._note("GXO rejected the order the channel had cancelled: nothing to ship")
                self._status.exception = None
                self._set_stage(OrderStage.CANCELLED)
                return
            elif event.kind is WarehouseEventKind.REJECTED and event.rejection is not None:
                rejection = event.rejection
                await self._park(
                    _Parked(
                        ExceptionKind.WAREHOUSE_REJECTED,
                        f"GXO rejected the order: {rejection.code.value} {rejection.message}",
                    ),
                    self._status.stage,
                )
                if self._order is not None:
                    await self._inject(self._order)
            elif event.kind is WarehouseEventKind.CANCELLED:
                self._note("GXO reports the order cancelled")
                self._set_stage(OrderStage.CANCELLED)
                return

    async def _not_ours(self, event: WarehouseEvent) -> bool:
        """An event not about the warehouse order we hold (another facility, reference or GXO
        order id) is kept for a person and never acted on. Since MATCH_WAREHOUSE_EVENTS; runs
        that acted on such an event before it keep doing so on replay."""
        assert self._plan is not None
        plan, warehouse_order_id = self._plan, self._status.warehouse_order_id
        reason = mismatch(event, plan, warehouse_order_id)
        if reason is None or not workflow.patched(MATCH_WAREHOUSE_EVENTS):
            return False
        expected = f"{plan.reference} at {plan.facility_id} as {warehouse_order_id}"
        self._note(
            f"{event.kind.value} event {event.event_id} set aside ({reason.value}): it names "
            f"{event.reference} at {event.facility_id} as {event.warehouse_order_id}, "
            f"the order is {expected}"
        )
        request = SetAsideEvent(event=event, reason=reason, detail=f"the order is {expected}")
        await self._activity(refs.SET_ASIDE_WAREHOUSE_EVENT, request)
        return True

    # --- steps --------------------------------------------------------------------------------

    async def _step(
        self, stage: OrderStage, action: Callable[[], Awaitable[T]], cancellable: bool = True
    ) -> T:
        """Run one step; a failure a person must fix parks the order, then the step re-runs."""
        while True:
            try:
                return await action()
            except _Parked as parked:
                await self._park(parked, stage, cancellable)

    async def _park(self, parked: _Parked, stage: OrderStage, cancellable: bool = True) -> str:
        """EXCEPTION until an operator signals; a channel cancellation also ends the wait
        (unless the order is already being cancelled, or GXO refused to cancel it)."""
        workflow.logger.warning("order %s parked: %s", self._ref.workflow_id, parked.kind.value)
        order_metrics.order_parked(self._ref.channel, parked.kind.value)
        self._raise_exception(parked.kind, parked.message, stage)
        self._note(f"exception {parked.kind.value}: {parked.message}")
        self._set_stage(OrderStage.EXCEPTION)
        self._operator = None
        self._parks += 1
        await workflow.wait_condition(
            lambda: self._operator is not None or (cancellable and self._cancel_wanted())
        )
        if self._operator is None:
            raise _ChannelCancelled
        action, request = self._operator
        self._operator = None
        if action == RESOLVE_UPDATE:
            self._resolve_parked(parked.kind, request, stage)
        self._note(f"{action} requested by {request.requested_by}: {request.reason}")
        self._status.exception = None
        self._set_stage(stage)
        return action

    def _resolve_parked(
        self, kind: ExceptionKind, request: OperatorRequest, stage: OrderStage
    ) -> NoReturn:
        """An operator handled the parked order by hand: note who and why, clear the
        exception and end the order's life (`_Resolved`) without another call to GXO or the
        channel. An order parked after it ended (a failed capture of a shipped order) keeps
        its final stage; any other is RESOLVED."""
        self._note(
            f"exception {kind.value} resolved by {request.requested_by}: {request.reason}; "
            "handled by hand, consign does nothing more for this order"
        )
        self._status.exception = None
        self._set_stage(stage if stage.is_final else OrderStage.RESOLVED)
        raise _Resolved

    def _cancel_wanted(self) -> bool:
        """The channel wants the order cancelled and GXO has not already refused to."""
        return _wants_cancel(self._latest_change) and not self._cancel_refused

    async def _activity(
        self, activity: ActivityRef[A, T], arg: A, task_queue: str | None = None
    ) -> T:
        """One activity, retried in rounds: while rounds run out the order shows it as
        ACTIVITY_RETRYING; a failure retrying cannot cure parks it."""
        name = activity.name
        try:
            result = await execute_in_rounds(
                activity,
                arg,
                task_queue=task_queue or workflow.info().task_queue,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                round_failed=lambda attempts, failure: self._still_retrying(
                    name, attempts, failure
                ),
            )
        except ActivityError as err:
            if is_cancelled_exception(err):
                raise
            parked = _as_parked(err)
            self._stop_retrying(name, f"parked as {parked.kind.value}")
            raise parked from err
        self._stop_retrying(name, "succeeded")
        return result

    async def _fetch_order(self) -> ChannelOrder:
        queue = queues.fetch_queue(self._ref.channel, workflow.info().task_queue)
        return await self._activity(refs.FETCH_CHANNEL_ORDER, self._ref, queue)

    async def _plan_order(self, order: ChannelOrder) -> WarehouseOrder:
        return await self._activity(refs.PLAN_FULFILMENT, order)

    async def _inject_order(self, plan: WarehouseOrder) -> InjectionResult:
        return await self._activity(refs.INJECT_WAREHOUSE_ORDER, plan)

    def _warehouse_request(self) -> WarehouseOrderRequest:
        assert self._plan is not None
        return WarehouseOrderRequest(
            ref=self._ref, facility_id=self._plan.facility_id, reference=self._plan.reference
        )

    async def _handle_operator(self) -> None:
        """Outside EXCEPTION, `reinject` re-sends the order to GXO (idempotent on the
        reference); `retry` asks GXO for the order to recover dispatches we never received."""
        assert self._operator is not None
        action, request = self._operator
        self._operator = None
        self._note(f"{action} requested by {request.requested_by}: {request.reason}")
        if action == REINJECT_SIGNAL and self._plan is not None:
            await self._resend()
        else:
            await self._recover_from_warehouse()

    async def _cancel_at_warehouse(self) -> None:
        """Cancel at GXO. When GXO has already picked, the order carries on (the lifecycle
        follows its dispatches) with CANCEL_TOO_LATE raised."""
        if self._plan is None:
            self._note("cancelled on the channel before injection")
            self._status.exception = None
            self._set_stage(OrderStage.CANCELLED)
            return
        request = self._warehouse_request()
        outcome = await self._step(
            self._status.stage,
            lambda: self._activity(refs.CANCEL_WAREHOUSE_ORDER, request),
            cancellable=False,
        )
        if outcome is CancelOutcome.TOO_LATE:
            self._cancel_refused = True
            self._raise_exception(
                ExceptionKind.CANCEL_TOO_LATE,
                "the channel cancelled the order but GXO has already picked it",
                self._status.stage,
            )
            self._note("cancel refused by GXO: already picked; still following its dispatches")
            self._set_stage(self._status.stage)
            return
        self._note(f"cancelled at GXO ({outcome.value})")
        self._status.exception = None
        self._set_stage(OrderStage.CANCELLED)

    async def _confirm(self, parcel: Parcel) -> None:
        """Confirm one parcel exactly once, with a package reference fixed on first sight."""
        record = next((p for p in self._status.parcels if p.parcel_id == parcel.parcel_id), None)
        if (record is not None and record.confirmed) or parcel.parcel_id in self._set_aside:
            return
        if record is None:
            if not await self._distinct_tracking(parcel):
                return
            try:
                lines = apply_parcel(self._status.lines, parcel)
            except ConsignError as err:
                await self._park(_Parked(err.kind, err.message), self._status.stage)
                self._set_aside_parcel(parcel)
                return
            self._status.lines = lines
            record = ParcelRecord(
                parcel_id=parcel.parcel_id,
                package_reference=str(len(self._status.parcels) + 1),
                tracking_number=parcel.tracking_number,
            )
            self._status.parcels.append(record)
            ship_by = self._status.ship_by
            if ship_by is not None and parcel.shipped_at > ship_by and not self._status.late:
                self._status.late = True
                self._note(f"parcel {parcel.parcel_id} left GXO after the ship-by date")
        request = ParcelConfirmRequest(
            ref=self._ref,
            marketplace_id=self._order.marketplace_id if self._order else None,
            package_reference=record.package_reference,
            parcel=parcel,
            other_captures=[r for c in self._status.captures for r in c.requests],
        )
        queue = queues.confirm_queue(self._ref.channel, workflow.info().task_queue)
        stage = self._status.stage
        result = await self._step(
            stage, lambda: self._activity(refs.CONFIRM_PARCEL, request, queue)
        )
        record.confirmed = True
        self._note(f"parcel {record.package_reference} confirmed to {self._ref.channel}")
        order_metrics.dispatch_to_confirmed(self._ref.channel, workflow.now() - parcel.shipped_at)
        if result.capture is not None and not result.capture.settled:
            self._status.captures.append(result.capture)
            self._note(f"parcel {record.package_reference}: capture {result.capture.state.value}")
        if self._status.stage in (OrderStage.INJECTED, OrderStage.EXCEPTION):
            self._set_stage(OrderStage.PARTIALLY_SHIPPED)

    async def _distinct_tracking(self, parcel: Parcel) -> bool:
        """A new parcel id with the tracking number of a parcel already recorded is GXO
        re-sending a dispatch under another id, or a multi-piece shipment: a person decides.
        `retry` sets it aside; `reinject` confirms it as a parcel of its own."""
        twin = next(
            (
                p.parcel_id
                for p in self._status.parcels
                if parcel.tracking_number and p.tracking_number == parcel.tracking_number
            ),
            None,
        )
        if twin is None or not workflow.patched(DUPLICATE_TRACKING):
            return True
        message = (
            f"parcel {parcel.parcel_id} carries tracking number {parcel.tracking_number}, "
            f"already sent for parcel {twin}"
        )
        action = await self._park(
            _Parked(ExceptionKind.DUPLICATE_TRACKING, message), self._status.stage
        )
        if action == REINJECT_SIGNAL:
            self._note(f"parcel {parcel.parcel_id} confirmed as a parcel of its own")
            return True
        self._set_aside_parcel(parcel)
        return False

    def _set_aside_parcel(self, parcel: Parcel) -> None:
        self._set_aside.add(parcel.parcel_id)
        self._note(f"parcel {parcel.parcel_id} set aside after the operator's decision")

    async def _settle_captures(self) -> None:
        """The parcels are confirmed but some payment captures are not done: an asynchronous
        one (Adyen, Klarna) settles when the provider answers, which can take days. Poll each
        on a durable timer, backing off; a failed one parks the order as CAPTURE_FAILED until
        `retry` captures it again. One pending for CAPTURE_PATIENCE is raised the same way; a
        retry then re-checks it and never captures while it is still pending."""
        stage = self._status.stage
        delay, waited = CAPTURE_FIRST_CHECK, timedelta(0)
        self._note(f"waiting for {len(self._status.captures)} payment capture(s) to settle")
        while self._status.captures:
            failed = next(
                (c for c in self._status.captures if c.state is CaptureState.FAILED), None
            )
            if failed is not None:
                message = failed.message or f"the capture of parcel {failed.parcel_id} failed"
                await self._park(_Parked(ExceptionKind.CAPTURE_FAILED, message), stage, False)
                await self._check_capture(failed, again=True)
                delay, waited = CAPTURE_FIRST_CHECK, timedelta(0)
                continue
            if waited >= CAPTURE_PATIENCE:
                stale = f"still pending after {CAPTURE_PATIENCE.days} days"
                self._status.captures = [
                    c.model_copy(update={"state": CaptureState.FAILED, "message": stale})
                    for c in self._status.captures
                ]
                continue
            self._quiet = True
            await workflow.sleep(delay)
            self._quiet = False
            waited += delay
            delay = min(delay * 2, CAPTURE_MAX_CHECK)
            for capture in list(self._status.captures):
                await self._check_capture(capture, again=False)
        self._note("every payment capture settled")

    def _leave_captures(self) -> None:
        """A resolved order is out of consign's hands: captures still pending are not followed
        (that would ask the channel), but the history says so."""
        if self._status.captures:
            parcels = ", ".join(c.parcel_id for c in self._status.captures)
            self._note(f"payment captures of parcel(s) {parcels} not followed: check the channel")

    async def _check_capture(self, capture: PaymentCapture, again: bool) -> None:
        request = CaptureRequest(ref=self._ref, capture=capture, again=again)
        queue = queues.capture_queue(self._ref.channel, workflow.info().task_queue, again)
        checked = await self._step(
            self._status.stage,
            lambda: self._activity(refs.SETTLE_CAPTURE, request, queue),
            cancellable=False,
        )
        captures = [c for c in self._status.captures if c.parcel_id != capture.parcel_id]
        if checked.settled:
            self._note(f"payment of parcel {capture.parcel_id} captured")
            self._status.captures = captures
        else:
            self._status.captures = [*captures, checked]

    async def _recover_from_warehouse(self, park: bool = True) -> None:
        """Queue every parcel GXO reports for this order; confirmed ones are skipped. The
        deadline watcher does not park the order when the lookup fails: it only notes it."""
        if self._plan is None:
            return
        request = self._warehouse_request()

        async def lookup_order() -> WarehouseLookup:
            return await self._activity(refs.GET_WAREHOUSE_ORDER, request)

        if park:
            lookup = await self._step(self._status.stage, lookup_order)
        else:
            try:
                lookup = await lookup_order()
            except _Parked as parked:
                self._note(f"chase of GXO failed: {parked.kind.value}: {parked.message}")
                return
        if lookup.state is not None:
            self._recovered.extend(lookup.state.parcels)

    # --- deadlines ----------------------------------------------------------------------------

    def _watch_deadlines(self) -> None:
        """Start the deadline watcher once per run, for an order with a ship-by date."""
        if self._watcher is None and self._status.ship_by is not None:
            self._watcher = asyncio.create_task(self._deadlines())

    async def _deadlines(self) -> None:
        """Before ship-by, chase GXO and flag the order at risk; after it, mark it late. The
        watcher runs beside the lifecycle, so it cannot park: anything unexpected is flagged."""
        try:
            await self._watch()
        except Exception as err:
            if _is_temporal_control(err):
                raise
            message = f"the deadline watcher stopped: {describe_error(err)}"
            self._note(message)
            if self._status.exception is None:
                self._raise_exception(ExceptionKind.UNEXPECTED_ERROR, message, self._status.stage)
                self._publish()

    async def _watch(self) -> None:
        assert self._status.ship_by is not None
        now = workflow.now()
        deadlines = deadlines_for(self._status.ship_by, self._policy, now)
        already_late = deadlines.ship_by <= now and not self._ship_by_passed
        if already_late and workflow.patched(LATE_FROM_THE_START):
            self._chased = self._ship_by_passed = True
            if self._open():
                self._mark_late("the ship-by date passed before the order reached GXO")
            return
        if not self._chased:
            await workflow.sleep(max(deadlines.chase_at - workflow.now(), timedelta(0)))
            if self._open():
                await self._recover_from_warehouse(park=False)
                self._flag_deadline(
                    ExceptionKind.SHIP_BY_AT_RISK,
                    "ship-by is near and GXO has not dispatched every line",
                    OrderStage.AT_RISK,
                )
            self._chased = True
        if not self._ship_by_passed:
            await workflow.sleep(max(deadlines.ship_by - workflow.now(), timedelta(0)))
            if self._open():
                self._mark_late("the ship-by deadline passed with lines still open")
            self._ship_by_passed = True

    def _mark_late(self, message: str) -> None:
        self._status.late = True
        self._flag_deadline(ExceptionKind.SHIP_BY_MISSED, message, OrderStage.LATE)

    def _open(self) -> bool:
        return not self._status.stage.is_final and not (
            self._status.lines and all_shipped(self._status.lines)
        )

    def _flag_deadline(self, kind: ExceptionKind, message: str, stage: OrderStage) -> None:
        """A deadline never hides an exception a person already has to fix."""
        self._note(message)
        current = self._status.exception
        if current is None or current.kind in DEADLINE_KINDS:
            self._raise_exception(kind, message, self._status.stage)
        self._set_stage(stage if self._status.stage in WAITING_STAGES else self._status.stage)

    # --- bounded history ----------------------------------------------------------------------

    async def _continue_as_new_if_due(self) -> None:
        """At a point where the run waits, hand the whole state to a fresh run once Temporal
        suggests it or the history reaches HISTORY_EVENTS_LIMIT events."""
        info = workflow.info()
        due = info.is_continue_as_new_suggested() or (
            info.get_current_history_length() >= HISTORY_EVENTS_LIMIT
        )
        if not (self._bounded and due):
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            OrderFulfillmentInput(ref=self._ref, deadlines=self._policy, carried=self._carry())
        )

    def _carry(self) -> CarriedState:
        operator = self._operator
        return CarriedState(
            status=self._status,
            order=self._order,
            plan=self._plan,
            sent_reference=self._sent_reference,
            latest_change=self._latest_change,
            last_seen=self._last_seen,
            changed=self._changed,
            events=self._events,
            recovered=self._recovered,
            seen_event_ids=sorted(self._seen_events),
            operator=PendingSignal(action=operator[0], request=operator[1]) if operator else None,
            cancel_refused=self._cancel_refused,
            set_aside=sorted(self._set_aside),
            chased=self._chased,
            ship_by_passed=self._ship_by_passed,
        )

    # --- visibility ---------------------------------------------------------------------------

    def _raise_exception(self, kind: ExceptionKind, message: str, stage: OrderStage) -> None:
        self._status.exception = ExceptionInfo(
            kind=kind, message=message, raised_at=workflow.now(), stage=stage
        )

    def _still_retrying(self, activity: str, attempts: int, failure: str) -> None:
        current = self._status.retrying
        first = current is None or current.activity != activity
        self._status.retrying = still_retrying(current, activity, attempts, failure, workflow.now())
        if first:
            self._note(f"{activity} still failing after {attempts} attempts: {failure}")
        self._publish()

    def _stop_retrying(self, activity: str, outcome: str) -> None:
        current = self._status.retrying
        if current is not None and current.activity == activity:
            self._status.retrying = None
            self._note(f"{activity} {outcome} after {current.attempts}+ attempts")
            self._publish()

    def _visible_kind(self) -> ExceptionKind | None:
        """What the ExceptionKind search attribute shows: an exception that parks the order,
        else a call that keeps failing, else a flag (at risk, late, cancel refused)."""
        exception = self._status.exception
        if self._status.stage is OrderStage.EXCEPTION and exception is not None:
            return exception.kind
        if self._status.retrying is not None:
            return ExceptionKind.ACTIVITY_RETRYING
        return exception.kind if exception is not None else None

    def _set_stage(self, stage: OrderStage) -> None:
        self._status.stage = stage
        self._publish()

    def _publish(self) -> None:
        kind = self._visible_kind()
        stage = self._status.stage.value
        self._upsert(
            [
                sa.ORDER_STAGE.value_set(stage),
                sa.EXCEPTION_KIND.value_set(kind.value)
                if kind
                else sa.EXCEPTION_KIND.value_unset(),
            ]
        )
        details = f"stage {stage}" + (f", exception {kind.value}" if kind else "")
        workflow.set_current_details(details)

    def _upsert(self, updates: list[SearchAttributeUpdate[Any]]) -> None:
        """Since BOUNDED_HISTORY only values that changed: an hourly re-read adds no upsert."""
        self._published.upsert(updates)

    def _note(self, text: str, repeat: bool = True) -> None:
        """A short, PII-free line in the status; `repeat=False` skips it when the last note
        already says the same (an hourly re-read must not push every other note out)."""
        history = self._status.history
        if not repeat and history and history[-1].endswith(f"Z {text}"):
            return
        stamp = workflow.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self._status.history = [*self._status.history, f"{stamp} {text}"][-HISTORY_LIMIT:]


def order_workflow_id(ref: OrderRef) -> str:
    return ref.workflow_id


CONTRACT = WorkflowContract.of(
    OrderFulfillment,
    WORKFLOW_NAME,
    OrderFulfillmentInput,
    order_workflow_id,
    signals=(
        ORDER_CHANGED_SIGNAL,
        WAREHOUSE_EVENT_SIGNAL,
        RETRY_SIGNAL,
        REINJECT_SIGNAL,
        ITEM_ACCEPTED_SIGNAL,
    ),
    queries=(STATUS_QUERY,),
    updates=(RETRY_SIGNAL, REINJECT_SIGNAL, RESOLVE_UPDATE),
)
