"""ReturnFulfillment on the time-skipping server with stand-in activities: sellable and damaged
returns refunded, a partial receipt completed by a later one, several receipts, a return that
never arrives (RETURN_NOT_ARRIVED after the configured days, on a durable timer), a mismatch, an
unmapped disposition and a refused refund, each parked under its kind and resumed by `retry`.
With CONSIGN_CAPTURE_HISTORIES=<dir> the sellable run's history is saved for the replay test
(tests/histories/return_sellable.json), the refused refund's, parked then retried (patch
`return-retry-answer`: tests/histories/return_refund_refused_then_retried.json), and a late
parcel's park cleared by its receipts (patch `return-late-receipts`:
tests/histories/return_late_parcel_cleared.json)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import CloseRequest, PolicyRequest, ReturnClosed, ReturnPlan, ReturnPolicy
from domain.exceptions import ExceptionKind
from domain.returns import (
    DEFAULT_POLICY,
    RETURN_RECEIVED_SIGNAL,
    DispositionRule,
    NoticeResult,
    ReceiptLine,
    RefundAction,
    RefundDecision,
    ReturnNotice,
    ReturnNoticeLine,
    ReturnReceipt,
    ReturnRef,
    ReturnStage,
)
from tests.e2e.histories import decoded_json, save_histories
from tests.workflows.test_intakes import poll_until
from workflows.return_fulfillment import (
    RETRY_UPDATE,
    STATUS_QUERY,
    RetryAnswer,
    RetryRequest,
    ReturnFulfillment,
    ReturnFulfillmentInput,
    ReturnStatus,
)

FACILITY = "GXO-UK-DAV"
AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def notice(rma: str) -> ReturnNotice:
    return ReturnNotice(
        facility_id=FACILITY,
        rma=rma,
        channel="centra",
        account="store-eu",
        channel_order_id="1042",
        lines=[
            ReturnNoticeLine(
                line_number=1, channel_line_id="88", sku="JKT", item_code="GXO-1", quantity=2
            ),
            ReturnNoticeLine(
                line_number=2, channel_line_id="89", sku="TEE", item_code="GXO-2", quantity=1
            ),
        ],
    )


def receipt(rma: str, receipt_id: str, *lines: tuple[str, int, str]) -> ReturnReceipt:
    return ReturnReceipt(
        receipt_id=receipt_id,
        facility_id=FACILITY,
        rma=rma,
        channel="centra",
        account="store-eu",
        received_at=AT,
        lines=[
            ReceiptLine(line_number=1, item_code=code, quantity=n, disposition=d)
            for code, n, d in lines
        ],
    )


@dataclass
class Returnside:
    notified: list[str] = field(default_factory=list)
    closed: list[CloseRequest] = field(default_factory=list)
    rules: list[DispositionRule] = field(default_factory=lambda: list(DEFAULT_POLICY))
    refuse_refund: bool = False

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="plan_return")
        async def plan(ref: ReturnRef) -> ReturnPlan:
            return ReturnPlan(notice=notice(ref.rma))

        @activity.defn(name="notify_return")
        async def notify(sent: ReturnNotice) -> NoticeResult:
            self.notified.append(sent.rma)
            return NoticeResult(return_id=f"RT-{sent.rma}", duplicate=len(self.notified) > 1)

        @activity.defn(name="load_return_policy")
        async def policy(request: PolicyRequest) -> ReturnPolicy:
            return ReturnPolicy(rules=self.rules)

        @activity.defn(name="close_return")
        async def close(request: CloseRequest) -> ReturnClosed:
            if request.refund and self.refuse_refund:
                raise ApplicationError(
                    "the payment provider refused the refund",
                    type=ExceptionKind.REFUND_REFUSED.value,
                    non_retryable=True,
                )
            self.closed.append(request)
            return ReturnClosed(completed=True, refunded=request.refund)

        return [plan, notify, policy, close]


@asynccontextmanager
async def running(
    env: WorkflowEnvironment, side: Returnside, rma: str, days: float = 14
) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    queue = f"returns-{uuid.uuid4()}"
    ref = ReturnRef(channel="centra", account="store-eu", rma=rma)
    async with Worker(
        env.client, task_queue=queue, workflows=[ReturnFulfillment], activities=side.activities()
    ):
        handle = await env.client.start_workflow(
            ReturnFulfillment.run,
            ReturnFulfillmentInput(ref=ref, not_arrived_days=days),
            id=f"{ref.workflow_id}-{uuid.uuid4()}",
            task_queue=queue,
        )
        try:
            yield handle
        finally:
            desc = await handle.describe()
            if desc.status is not None and desc.status.name == "RUNNING":
                await handle.terminate("test done")


def stage_is(stage: ReturnStage) -> Callable[[ReturnStatus], bool]:
    return lambda s: s.stage is stage


async def status(handle: WorkflowHandle[Any, Any], stage: ReturnStage) -> ReturnStatus:
    found: ReturnStatus = await poll_until(handle, STATUS_QUERY, ReturnStatus, stage_is(stage))
    return found


async def retry(handle: WorkflowHandle[Any, Any], accept: bool = False) -> RetryAnswer:
    answer: RetryAnswer = await handle.execute_update(
        RETRY_UPDATE, RetryRequest(reason="checked", accept=accept), result_type=RetryAnswer
    )
    return answer


async def test_sellable_return_is_completed_and_refunded(time_env: WorkflowEnvironment) -> None:
    side = Returnside()
    async with running(time_env, side, "301") as handle:
        waiting = await status(handle, ReturnStage.AWAITING_RECEIPT)
        assert waiting.gxo_return_id == "RT-301" and waiting.facility_id == FACILITY
        sellable = receipt("301", "RC1", ("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, sellable)
        await handle.signal(RETURN_RECEIVED_SIGNAL, sellable)  # a repeat: kept once
        done: ReturnStatus = await handle.result()
        assert done.stage is ReturnStage.DONE and done.completed and done.refunded
        assert done.decision is not None and done.decision.refund is RefundDecision.REFUND
        assert done.decision.restocked_units == 3 and len(done.receipts) == 1
        assert [c.refund for c in side.closed] == [True]
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            history = await decoded_json(await handle.fetch_history())
            save_histories({"return_sellable": history}, Path(target))


async def test_damaged_units_are_refunded_but_not_restocked(time_env: WorkflowEnvironment) -> None:
    side = Returnside()
    async with running(time_env, side, "302") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        damaged = receipt("302", "RC1", ("GXO-1", 2, "DAMAGED"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, damaged)
        done: ReturnStatus = await handle.result()
        assert done.decision is not None and done.decision.restocked_units == 1
        assert done.refunded


async def test_partial_then_several_receipts_complete_the_return(
    time_env: WorkflowEnvironment,
) -> None:
    side = Returnside()
    async with running(time_env, side, "303") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("303", "RC1", ("GXO-1", 1, "SELLABLE")))
        partial = await status(handle, ReturnStage.PARTIALLY_RECEIVED)
        assert partial.received == "GXO-1: 1 received of 2; GXO-2: 0 received of 1"
        await time_env.sleep(timedelta(days=3))
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("303", "RC2", ("GXO-1", 1, "SELLABLE")))
        await handle.signal(
            RETURN_RECEIVED_SIGNAL, receipt("303", "RC3", ("GXO-2", 1, "WRONG_ITEM"))
        )
        done: ReturnStatus = await handle.result()
        assert [r.receipt_id for r in done.receipts] == ["RC1", "RC2", "RC3"]
        # Centra refunds whole returns only: a mix of refund and no refund is a person's call.
        assert done.decision is not None and done.decision.refund is RefundDecision.OPERATOR
        assert done.completed and not done.refunded and side.closed[0].refund is False


async def test_a_return_that_never_arrives_parks_after_the_configured_days(
    time_env: WorkflowEnvironment,
) -> None:
    side = Returnside()
    async with running(time_env, side, "304", days=10) as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await time_env.sleep(timedelta(days=9, hours=23))
        still: ReturnStatus = await handle.query(STATUS_QUERY, result_type=ReturnStatus)
        assert still.stage is ReturnStage.AWAITING_RECEIPT
        await time_env.sleep(timedelta(hours=2))
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.kind is ExceptionKind.RETURN_NOT_ARRIVED
        answer = await retry(handle)  # wait another period
        assert answer.stage is ReturnStage.AWAITING_RECEIPT
        sellable = receipt("304", "RC1", ("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, sellable)
        done: ReturnStatus = await handle.result()
        assert done.refunded and any("retry by operator" in h for h in done.history)


async def test_a_late_parcel_clears_its_park_when_the_rest_arrives(
    time_env: WorkflowEnvironment,
) -> None:
    """Parked because nothing (then only part) arrived in time: the receipts that account for
    every unit end the park without a person (patch return-late-receipts)."""
    side = Returnside()
    async with running(time_env, side, "308", days=1) as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await time_env.sleep(timedelta(days=1, hours=1))
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.kind is ExceptionKind.RETURN_NOT_ARRIVED
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("308", "RC1", ("GXO-1", 1, "SELLABLE")))
        still: ReturnStatus = await poll_until(  # part only: still a person's call
            handle, STATUS_QUERY, ReturnStatus, lambda s: len(s.receipts) == 1
        )
        assert still.stage is ReturnStage.EXCEPTION
        assert still.received == "GXO-1: 1 received of 2; GXO-2: 0 received of 1"
        rest = receipt("308", "RC2", ("GXO-1", 1, "SELLABLE"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, rest)
        done: ReturnStatus = await handle.result()
        assert done.stage is ReturnStage.DONE and done.refunded and done.exception is None
        assert any("RETURN_NOT_ARRIVED cleared: the rest arrived" in h for h in done.history)
        assert [c.refund for c in side.closed] == [True]
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            history = await decoded_json(await handle.fetch_history())
            save_histories({"return_late_parcel_cleared": history}, Path(target))


async def test_only_part_in_time_clears_when_the_rest_arrives(
    time_env: WorkflowEnvironment,
) -> None:
    side = Returnside()
    async with running(time_env, side, "309", days=1) as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("309", "RC1", ("GXO-1", 2, "SELLABLE")))
        await status(handle, ReturnStage.PARTIALLY_RECEIVED)
        await time_env.sleep(timedelta(days=1, hours=1))
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.message.startswith("only part arrived")
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt("309", "RC2", ("GXO-2", 1, "SELLABLE")))
        done: ReturnStatus = await handle.result()
        assert done.stage is ReturnStage.DONE and done.refunded
        assert any("RETURN_MISMATCH cleared: the rest arrived" in h for h in done.history)


async def test_a_wrong_item_is_a_mismatch_until_accepted(time_env: WorkflowEnvironment) -> None:
    side = Returnside()
    async with running(time_env, side, "305") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        await handle.signal(
            RETURN_RECEIVED_SIGNAL, receipt("305", "RC1", ("GXO-9", 1, "WRONG_ITEM"))
        )
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.kind is ExceptionKind.RETURN_MISMATCH
        assert "GXO-9 not on the RMA" in parked.exception.message
        answer = await retry(handle, accept=True)
        assert answer.stage is ReturnStage.DONE
        done: ReturnStatus = await handle.result()
        assert done.completed and not done.refunded
        assert done.decision is not None and done.decision.refund is RefundDecision.NONE


async def test_an_unmapped_disposition_parks_until_the_policy_has_it(
    time_env: WorkflowEnvironment,
) -> None:
    side = Returnside()
    async with running(time_env, side, "306") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        odd = receipt("306", "RC1", ("GXO-1", 2, "REFURBISH"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, odd)
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.kind is ExceptionKind.UNMAPPED_DISPOSITION
        assert side.closed == []
        side.rules.append(
            DispositionRule(disposition="REFURBISH", action=RefundAction.REFUND, restock=False)
        )
        await retry(handle)
        done: ReturnStatus = await handle.result()
        assert done.refunded


async def test_a_refused_refund_parks_and_retry_refunds(time_env: WorkflowEnvironment) -> None:
    side = Returnside(refuse_refund=True)
    async with running(time_env, side, "307") as handle:
        await status(handle, ReturnStage.AWAITING_RECEIPT)
        sellable = receipt("307", "RC1", ("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE"))
        await handle.signal(RETURN_RECEIVED_SIGNAL, sellable)
        parked = await status(handle, ReturnStage.EXCEPTION)
        assert parked.exception is not None
        assert parked.exception.kind is ExceptionKind.REFUND_REFUSED
        side.refuse_refund = False
        answer = await retry(handle)
        assert answer.stage is ReturnStage.DONE  # the stage reached, not the one resumed at
        done: ReturnStatus = await handle.result()
        assert done.refunded and done.stage is ReturnStage.DONE
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            history = await decoded_json(await handle.fetch_history())
            save_histories({"return_refund_refused_then_retried": history}, Path(target))
