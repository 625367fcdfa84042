"""ReturnFulfillment: one per RMA (the channel's return id), id `return:<channel>:<account>:<rma>`.

Read the return from the channel and send GXO its notice (180); wait for GXO's receipts (944,
signalled by the warehouse intake's delivery, by RMA) until every authorised unit is accounted
for, or the configured days pass (a durable timer); then complete the return in the channel and
refund it as the brand's disposition policy says. Anything a person must decide parks the return
in EXCEPTION under a named kind until the `retry` update:

- RETURN_NOT_ARRIVED: nothing arrived in time. retry waits another period; accept closes it.
- RETURN_MISMATCH: items or quantities differ from the RMA (or only part arrived in time).
  retry waits for more receipts; accept closes it with what GXO received.

A return parked only because its parcel was late (not arrived, or only part arrived in time)
clears itself once GXO's receipts account for every unit: the period is a prompt for a person,
not a verdict (patch LATE_RECEIPTS_PATCH; the history says so).
- UNMAPPED_DISPOSITION: a disposition with no policy row. retry reads the policy again.
- REFUND_REFUSED and any activity failure retrying cannot cure: retry runs the step again.

A refund the policy leaves to a person (decision OPERATOR or CREDIT_DUE) is no park: the return
completes in the channel and shows its decision in the RefundDecision search attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import refs
    from activities.models import CloseRequest, PolicyRequest, ReturnPlan
    from activities.refs import ActivityRef
    from domain import search_attributes as sa
    from domain.exceptions import ExceptionKind
    from domain.returns import (
        RETURN_RECEIVED_SIGNAL,
        RETURN_WORKFLOW_NAME,
        Decision,
        RefundDecision,
        ReturnFulfillmentInput,
        ReturnNotice,
        ReturnReceipt,
        ReturnRef,
        ReturnStage,
        Tally,
        decide,
        returned_units,
        tally,
    )
    from workflows.activity_rounds import execute_in_rounds
    from workflows.contracts import WorkflowContract
    from workflows.search_attributes import Published
    from workflows.waits import wait_until

STATUS_QUERY = "status"
RETRY_UPDATE = "retry"
CALL_TIMEOUT = timedelta(minutes=2)
ANSWER_WAIT = timedelta(seconds=30)  # the retry update answers once the return settles, or this
RETRY_ANSWER_PATCH = "return-retry-answer"  # runs before it answered the stage it resumed at
DECISION_PATCH = "return-refund-decision"  # runs before it did not show the RefundDecision
LATE_RECEIPTS_PATCH = "return-late-receipts"  # runs before it stayed parked when the rest came
A = TypeVar("A")
T = TypeVar("T")


def return_workflow_id(channel: str, account: str, rma: str) -> str:
    return ReturnRef(channel=channel, account=account, rma=rma).workflow_id


class ReturnException(BaseModel):
    kind: ExceptionKind
    message: str
    raised_at: datetime


class ReturnStatus(BaseModel):
    """The `status` query: everything a person needs, no personal data."""

    ref: ReturnRef
    stage: ReturnStage = ReturnStage.NOTIFIED
    channel_order_id: str | None = None
    facility_id: str | None = None
    notice: ReturnNotice | None = None
    gxo_return_id: str | None = None
    receipts: list[ReturnReceipt] = Field(default_factory=list)
    received: str | None = None  # the tally against the notice, in words
    decision: Decision | None = None
    completed: bool = False
    refunded: bool = False
    exception: ReturnException | None = None
    history: list[str] = Field(default_factory=list)  # operator requests, with their reasons
    retrying: str | None = None  # a call that keeps failing for a passing reason


class RetryRequest(BaseModel):
    reason: str = ""
    requested_by: str = "operator"
    accept: bool = False  # NOT_ARRIVED / MISMATCH: close the return with what was received


class RetryAnswer(BaseModel):
    accepted: bool
    stage: ReturnStage


@workflow.defn(name=RETURN_WORKFLOW_NAME)
class ReturnFulfillment:
    @workflow.init
    def __init__(self, params: ReturnFulfillmentInput) -> None:
        self._status: ReturnStatus | None = ReturnStatus(ref=params.ref)
        self._retry: RetryRequest | None = None
        self._new_receipt = False
        self._parks = 0
        self._waiting = False  # for GXO's receipts (the outside world), not for a person
        self._shows_decision = False  # the RefundDecision search attribute (DECISION_PATCH)

    @property
    def status_(self) -> ReturnStatus:
        assert self._status is not None
        return self._status

    @workflow.query(
        name=STATUS_QUERY,
        description="The return's state: stage, GXO receipts, decision, refund, exception.",
    )
    def status(self) -> ReturnStatus:
        return self.status_

    @workflow.signal(
        name=RETURN_RECEIVED_SIGNAL,
        description="internal: a GXO receipt of the return (from the warehouse intake).",
    )
    def return_received(self, receipt: ReturnReceipt) -> None:
        """GXO's receipts may come twice (the feed is at-least-once): kept once by id."""
        status = self.status_
        if any(r.receipt_id == receipt.receipt_id for r in status.receipts):
            return
        status.receipts.append(receipt)
        if status.notice is not None:  # shown while parked too, not only when next counted
            status.received = tally(status.notice, status.receipts).describe()
        self._new_receipt = True

    @workflow.update(
        name=RETRY_UPDATE,
        description=(
            "Parked: run the step that failed again, after its cause was fixed; with accept "
            "(not arrived, mismatch): close the return with what was received. Body {reason, "
            "requested_by, accept}; answers the stage reached."
        ),
    )
    async def retry(self, request: RetryRequest) -> RetryAnswer:
        self._retry = request
        self.status_.history.append(
            f"{workflow.now().isoformat()} retry by {request.requested_by}"
            f"{' (accept)' if request.accept else ''}: {request.reason}"
        )
        await workflow.wait_condition(lambda: self._retry is None)
        if workflow.patched(RETRY_ANSWER_PATCH):
            parks = self._parks
            await wait_until(
                lambda: (
                    self._parks > parks or self._waiting or self.status_.stage is ReturnStage.DONE
                ),
                ANSWER_WAIT,
            )
        return RetryAnswer(accepted=True, stage=self.status_.stage)

    @retry.validator
    def _check_retry(self, request: RetryRequest) -> None:
        if self._status is None or self._status.stage is not ReturnStage.EXCEPTION:
            raise ValueError("the return is not parked: nothing to retry")

    @workflow.run
    async def run(self, params: ReturnFulfillmentInput) -> ReturnStatus:
        self._published = Published(only_changes=True)
        self._publish()
        plan = await self._call(refs.PLAN_RETURN, params.ref)
        self._planned(plan)
        if not plan.completed:
            result = await self._call(refs.NOTIFY_RETURN, plan.notice)
            self.status_.gxo_return_id = result.return_id
            self._set_stage(ReturnStage.AWAITING_RECEIPT)
            await self._wait_for_receipts(plan.notice, timedelta(days=params.not_arrived_days))
        await self._close(params.ref, plan)
        self._set_stage(ReturnStage.DONE)
        await workflow.wait_condition(workflow.all_handlers_finished)  # a retry's answer
        return self.status_

    def _planned(self, plan: ReturnPlan) -> None:
        status = self.status_
        status.notice = plan.notice
        status.channel_order_id = plan.notice.channel_order_id
        status.facility_id = plan.notice.facility_id
        status.completed = plan.completed
        status.refunded = plan.refunded
        self._publish()

    async def _wait_for_receipts(self, notice: ReturnNotice, period: timedelta) -> None:
        deadline = workflow.now() + period
        while True:
            counted = self._tally(notice)
            if counted.complete:
                return
            if counted.mismatched:
                if await self._park(ExceptionKind.RETURN_MISMATCH, counted.describe()):
                    return
                deadline = workflow.now() + period
                continue
            self._new_receipt = False
            left = (deadline - workflow.now()).total_seconds()
            arrived = left > 0 and await self._wait(lambda: self._new_receipt, left)
            if arrived:
                continue
            if counted.anything:
                kind = ExceptionKind.RETURN_MISMATCH
                text = f"only part arrived: {counted.describe()}"
            else:
                kind = ExceptionKind.RETURN_NOT_ARRIVED
                text = f"nothing received in {period}"

            def arrived_in_full() -> bool:
                return tally(notice, self.status_.receipts).complete

            if await self._park(kind, text, cleared_by=arrived_in_full):
                return
            deadline = workflow.now() + period

    def _tally(self, notice: ReturnNotice) -> Tally:
        counted = tally(notice, self.status_.receipts)
        self.status_.received = counted.describe()
        stage = ReturnStage.PARTIALLY_RECEIVED if counted.anything else ReturnStage.AWAITING_RECEIPT
        if self.status_.stage is not ReturnStage.EXCEPTION:
            self._set_stage(stage)
        return counted

    async def _close(self, ref: ReturnRef, plan: ReturnPlan) -> None:
        """Decide the refund from the dispositions, then complete (and refund) in the channel."""
        self._set_stage(ReturnStage.COMPLETING)
        while True:
            policy = await self._call(refs.LOAD_RETURN_POLICY, PolicyRequest(channel=ref.channel))
            decision = decide(ref.channel, self.status_.receipts, policy.rules)
            self.status_.decision = decision
            if not decision.unmapped:
                break
            text = f"no policy for {', '.join(decision.unmapped)}"
            await self._park(ExceptionKind.UNMAPPED_DISPOSITION, text)
        # Published with the next stage (DONE, or a park): a refund left to a person is found
        # by it once the return closes. Decided here, so a running return closing on this code
        # shows it too.
        self._shows_decision = workflow.patched(DECISION_PATCH)
        refund = decision.refund is RefundDecision.REFUND and not self.status_.refunded
        if self.status_.completed and not refund:
            return
        returned = returned_units(plan.notice, self.status_.receipts)
        request = CloseRequest(ref=ref, refund=refund, returned=returned)
        closed = await self._call(refs.CLOSE_RETURN, request)
        self.status_.completed = True
        self.status_.refunded = self.status_.refunded or closed.refunded

    # ---- calls, parking, search attributes -------------------------------------------------

    async def _call(self, activity: ActivityRef[A, T], arg: A) -> T:
        """The activity in retry rounds; a failure retrying cannot cure parks the return under
        its kind, and `retry` runs the call again."""
        while True:
            try:
                result = await execute_in_rounds(
                    activity,
                    arg,
                    task_queue=workflow.info().task_queue,
                    start_to_close_timeout=CALL_TIMEOUT,
                    round_failed=lambda attempts, failure: self._retrying(activity.name, failure),
                )
            except ActivityError as err:
                await self._park(_kind(err), f"{activity.name}: {_message(err)}")
                continue
            self.status_.retrying = None
            return result

    def _retrying(self, name: str, failure: str) -> None:
        self.status_.retrying = f"{name}: {failure}"

    async def _park(
        self, kind: ExceptionKind, message: str, cleared_by: Callable[[], bool] | None = None
    ) -> bool:
        """EXCEPTION until `retry` (or, for a late parcel, until `cleared_by` holds); True when
        the operator asked to accept what was received."""
        status = self.status_
        before = status.stage
        status.exception = ReturnException(kind=kind, message=message, raised_at=workflow.now())
        self._set_stage(ReturnStage.EXCEPTION)
        self._parks += 1
        clears = cleared_by is not None and workflow.patched(LATE_RECEIPTS_PATCH)
        await workflow.wait_condition(
            lambda: self._retry is not None or (clears and cleared_by is not None and cleared_by())
        )
        status.exception = None
        if self._retry is None:
            status.history.append(
                f"{workflow.now().isoformat()} {kind.value} cleared: the rest arrived"
            )
            self._set_stage(before)
            return False
        accept = self._retry.accept
        self._retry = None
        self._set_stage(before)
        return accept

    async def _wait(self, condition: Callable[[], bool], seconds: float) -> bool:
        self._waiting = True
        try:
            return await wait_until(condition, timedelta(seconds=seconds))
        finally:
            self._waiting = False

    def _set_stage(self, stage: ReturnStage) -> None:
        self.status_.stage = stage
        self._publish()

    def _publish(self) -> None:
        status = self.status_
        updates: list[SearchAttributeUpdate[str]] = [
            sa.CHANNEL.value_set(status.ref.channel),
            sa.CHANNEL_ACCOUNT.value_set(status.ref.account),
            sa.RETURN_STAGE.value_set(status.stage.value),
        ]
        if status.channel_order_id is not None:
            updates.append(sa.CHANNEL_ORDER_ID.value_set(status.channel_order_id))
        if status.facility_id is not None:
            updates.append(sa.FACILITY_ID.value_set(status.facility_id))
        if self._shows_decision and status.decision is not None:
            updates.append(sa.REFUND_DECISION.value_set(status.decision.refund.value))
        if status.exception is not None:
            updates.append(sa.EXCEPTION_KIND.value_set(status.exception.kind.value))
        else:
            updates.append(sa.EXCEPTION_KIND.value_unset())
        self._published.upsert(updates)


def _kind(err: ActivityError) -> ExceptionKind:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in ExceptionKind.__members__:
        assert cause.type is not None
        return ExceptionKind(cause.type)
    return ExceptionKind.UNEXPECTED_ERROR


def _message(err: ActivityError) -> str:
    cause = err.cause
    return cause.message if isinstance(cause, ApplicationError) else str(err)


CONTRACT = WorkflowContract.of(
    ReturnFulfillment,
    RETURN_WORKFLOW_NAME,
    ReturnFulfillmentInput,
    return_workflow_id,
    signals=(RETURN_RECEIVED_SIGNAL,),
    queries=(STATUS_QUERY,),
    updates=(RETRY_UPDATE,),
)
