"""An Amazon MFN return through ReturnFulfillment on the time-skipping server, with the real
return activities on the Amazon sandbox in process (GXO's notice desk stood in): a sellable
return is refunded by one POST_PAYMENT_ADJUSTMENT_DATA feed; a damaged one whose policy row
says CREDIT is left to the operator (decision CREDIT_DUE), no feed sent. The return was
learned the way the intake learns it: from the returns report."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.returns import ReturnActivities
from domain.returns import (
    DEFAULT_POLICY,
    RETURN_RECEIVED_SIGNAL,
    DispositionRule,
    NoticeResult,
    ReceiptLine,
    RefundAction,
    RefundDecision,
    ReturnNotice,
    ReturnReceipt,
    ReturnRef,
    ReturnStage,
)
from domain.routing import FacilityRule
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.amazon.returns import AmazonReturns
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import UK_DAVENTRY
from store.returns import replace_disposition_policy
from tests.activities.conftest import SKU_ITEMS, seeded_store
from tests.amazon.sandboxed import BASE, CheckedTransport, ManualClock, sandbox_settings
from tests.sandbox.test_amazon_sandbox_returns import ship_all
from tests.workflows.test_return_fulfillment import status
from workflows.return_fulfillment import ReturnFulfillment, ReturnFulfillmentInput, ReturnStatus

SKU, CODE = next(iter(SKU_ITEMS.items()))


@dataclass
class Notices:
    """GXO's returns desk, as far as the workflow needs it."""

    sent: list[ReturnNotice] = field(default_factory=list)

    async def notify_return(self, notice: ReturnNotice) -> NoticeResult:
        self.sent.append(notice)
        return NoticeResult(return_id=f"RT-{notice.rma}")


@dataclass
class World:
    sandbox: AmazonSandbox
    engine: Engine
    activities: ReturnActivities
    notices: Notices

    def returned(self, order_id: str) -> ReturnRef:
        self.sandbox.create([OrderSpec(order_id=order_id, lines=[LineSpec(sku=SKU, quantity=2)])])
        ship_all(self.sandbox, order_id)
        rma = self.sandbox.create_return(order_id, {SKU: 2}, "CR-DEFECTIVE")[0].rma
        return ReturnRef(channel="amazon", account=DEFAULT_SELLER_ID, rma=rma)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    assert SKU in SKUS
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock, feed_processing_seconds=0, report_processing_seconds=0)
    engine = seeded_store(
        f"sqlite:///{tmp_path}/s.db",
        [FacilityRule(facility_id=UK_DAVENTRY, domestic_countries="GB")],
    )
    notices = Notices()
    async with httpx.AsyncClient(
        transport=CheckedTransport(create_app(sandbox)), base_url=BASE
    ) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        activities = ReturnActivities(
            {("amazon", DEFAULT_SELLER_ID): AmazonReturns(client, clock=clock, sleep=clock.sleep)},
            {("amazon", DEFAULT_SELLER_ID): AmazonChannel(client)},
            notices,  # type: ignore[arg-type]
            engine,
        )
        yield World(sandbox, engine, activities, notices)
    engine.dispose()


async def run_return(
    env: WorkflowEnvironment, world: World, ref: ReturnRef, disposition: str
) -> Any:
    queue = f"returns-{uuid.uuid4()}"
    a = world.activities
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ReturnFulfillment],
        activities=[a.plan, a.notify, a.load_policy, a.close],
    ):
        handle = await env.client.start_workflow(
            ReturnFulfillment.run,
            ReturnFulfillmentInput(ref=ref),
            id=ref.workflow_id,
            task_queue=queue,
        )
        waiting = await status(handle, ReturnStage.AWAITING_RECEIPT)
        assert waiting.gxo_return_id == f"RT-{ref.rma}" and waiting.facility_id == UK_DAVENTRY
        receipt = ReturnReceipt(
            receipt_id=f"RC-{ref.rma}",
            facility_id=UK_DAVENTRY,
            rma=ref.rma,
            channel="amazon",
            account=ref.account,
            received_at=datetime(2026, 3, 3, tzinfo=UTC),
            lines=[ReceiptLine(line_number=1, item_code=CODE, quantity=2, disposition=disposition)],
        )
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt)
        return await handle.result()


async def test_a_sellable_amazon_return_is_refunded_by_one_adjustment_feed(
    time_env: WorkflowEnvironment, world: World
) -> None:
    ref = world.returned("202-0000000-0000101")
    done: ReturnStatus = await run_return(time_env, world, ref, "SELLABLE")
    assert done.stage is ReturnStage.DONE and done.refunded and done.completed
    assert done.decision is not None and done.decision.refund is RefundDecision.REFUND
    assert [n.rma for n in world.notices.sent] == [ref.rma]
    (adjustment,) = world.sandbox.returns.adjustments
    unit = world.sandbox.orders["202-0000000-0000101"].items[0].unit_price
    assert adjustment.amounts == {"Principal": unit * 2}
    assert adjustment.merchant_adjustment_item_id == f"{ref.rma}-1"


async def test_a_damaged_amazon_return_is_left_to_the_operator_by_policy(
    time_env: WorkflowEnvironment, world: World
) -> None:
    credit = DispositionRule(
        channel="amazon", disposition="DAMAGED", action=RefundAction.CREDIT, restock=False
    )
    replace_disposition_policy(world.engine, [credit, *DEFAULT_POLICY])
    ref = world.returned("202-0000000-0000102")
    done: ReturnStatus = await run_return(time_env, world, ref, "DAMAGED")
    assert done.stage is ReturnStage.DONE and not done.refunded
    assert done.decision is not None and done.decision.refund is RefundDecision.CREDIT_DUE
    assert done.decision.restocked_units == 0
    assert world.sandbox.returns.adjustments == [] and world.sandbox.feeds.feeds == {}
