"""ReturnActivities with Amazon's returns port on the Amazon sandbox in process: an MFN return
planned (routing, SKU to item code) with its RMA; the refund through the ledger: sent once,
asked about while Amazon processes it (a retryable failure), never sent again by a retry; a
refund prepared but not known to be sent parks for a person; a refund Amazon refused is
REFUND_REFUSED; the intake's round starts one workflow per RMA of the report; closing records
the units received back for month-end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import CloseRequest, ReturnClosed, ReturnIntakeRequest, ReturnPlan
from activities.returns import ReturnActivities
from domain.exceptions import ExceptionKind
from domain.mapping import SkuMapping
from domain.returns import RefundEntry, ReturnRef
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.amazon.returns import AmazonReturns
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import UK_DAVENTRY
from store.mappings import upsert_sku_mappings
from store.returns import record_refund, refund_entry, returned_units
from tests.activities.test_returns import StandInClient
from tests.amazon.sandboxed import BASE, CheckedTransport, ManualClock, sandbox_settings
from tests.sandbox.test_amazon_sandbox_returns import ship_all

ORDER = "202-0000000-0000007"


class Amazon:
    def __init__(self, clock: ManualClock, sandbox: AmazonSandbox, activities: ReturnActivities):
        self.clock = clock
        self.sandbox = sandbox
        self.activities = activities
        self.client = activities.client

    def returned(self, lines: dict[str, int]) -> ReturnRef:
        if ORDER not in self.sandbox.orders:
            specs = [LineSpec(sku=sku, quantity=2) for sku in lines]
            self.sandbox.create([OrderSpec(order_id=ORDER, lines=specs, country_code="GB")])
            ship_all(self.sandbox, ORDER)
        rma = self.sandbox.create_return(ORDER, lines, "CR-DEFECTIVE")[0].rma
        return ReturnRef(channel="amazon", account=DEFAULT_SELLER_ID, rma=rma)


@pytest.fixture
async def amazon(engine: Engine) -> AsyncIterator[Amazon]:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock)
    transport = CheckedTransport(create_app(sandbox))
    upsert_sku_mappings(
        engine, [SkuMapping(channel="amazon", sku=sku, item_code=f"GXO-{sku}") for sku in SKUS]
    )
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        port = AmazonReturns(client, clock=clock, sleep=clock.sleep)
        activities = ReturnActivities(
            {("amazon", DEFAULT_SELLER_ID): port},
            {("amazon", DEFAULT_SELLER_ID): AmazonChannel(client)},
            None,  # type: ignore[arg-type]  # GXO is not called here
            engine,
            StandInClient(),  # type: ignore[arg-type]
        )
        yield Amazon(clock, sandbox, activities)


async def run(method: Any, arg: Any) -> Any:
    return await ActivityEnvironment().run(method, arg)


async def test_an_amazon_return_is_planned_with_its_rma(amazon: Amazon) -> None:
    ref = amazon.returned({SKUS[0]: 1, SKUS[1]: 1})
    plan: ReturnPlan = await run(amazon.activities.plan, ref)
    assert plan.notice.rma == ref.rma and plan.notice.channel_order_id == ORDER
    assert plan.notice.facility_id == UK_DAVENTRY
    assert [line.item_code for line in plan.notice.lines] == [f"GXO-{SKUS[0]}", f"GXO-{SKUS[1]}"]
    assert not plan.completed and not plan.refunded


async def test_a_refund_is_sent_once_and_asked_about_until_applied(
    amazon: Amazon, engine: Engine
) -> None:
    ref = amazon.returned({SKUS[0]: 1})
    request = CloseRequest(ref=ref, refund=True)
    with pytest.raises(ApplicationError) as processing:
        await run(amazon.activities.close, request)
    assert processing.value.type == "REFUND_PROCESSING" and not processing.value.non_retryable
    entry = refund_entry(engine, ref)
    assert entry is not None and entry.sent is not None
    with pytest.raises(ApplicationError):  # the retry asks; it sends nothing
        await run(amazon.activities.close, request)
    amazon.clock.advance(5)
    closed: ReturnClosed = await run(amazon.activities.close, request)
    assert closed.refunded
    assert len(amazon.sandbox.feeds.feeds) == 1
    assert len(amazon.sandbox.returns.adjustments) == 1


async def test_a_refund_prepared_but_not_known_sent_parks(amazon: Amazon, engine: Engine) -> None:
    ref = amazon.returned({SKUS[0]: 1})
    record_refund(engine, ref, RefundEntry(prepared="amzn1.tortuga.lost"))
    with pytest.raises(ApplicationError) as parked:
        await run(amazon.activities.close, CloseRequest(ref=ref, refund=True))
    assert parked.value.type == ExceptionKind.REFUND_REFUSED.value
    assert parked.value.non_retryable
    assert amazon.sandbox.feeds.feeds == {}


async def test_a_refund_amazon_refuses_is_refund_refused(amazon: Amazon) -> None:
    ref = amazon.returned({SKUS[0]: 1})
    amazon.sandbox.returns.returns[0].quantity = 5  # more than was shipped: Amazon refuses
    request = CloseRequest(ref=ref, refund=True)
    with pytest.raises(ApplicationError):
        await run(amazon.activities.close, request)
    amazon.clock.advance(5)
    with pytest.raises(ApplicationError) as refused:
        await run(amazon.activities.close, request)
    assert refused.value.type == ExceptionKind.REFUND_REFUSED.value
    assert refused.value.non_retryable


async def test_the_intake_starts_one_workflow_per_rma(amazon: Amazon) -> None:
    first = amazon.returned({SKUS[0]: 1})
    second = amazon.returned({SKUS[0]: 1})
    request = ReturnIntakeRequest(channel="amazon", account=DEFAULT_SELLER_ID, limit=10)
    taken = await run(amazon.activities.take, request)
    assert (taken.events, taken.started, taken.more) == (2, 2, False)
    started = amazon.client.started  # type: ignore[union-attr]
    assert {workflow_input.ref.rma for _, workflow_input in started} == {first.rma, second.rma}
    assert {workflow_id for workflow_id, _ in started} == {first.workflow_id, second.workflow_id}
    again = await run(amazon.activities.take, request)
    assert again.events == 0  # confirmed, and no second report within report_every
    assert amazon.sandbox.calls["createReport"] == 1


async def test_closing_records_the_units_received_back_under_the_order(
    amazon: Amazon, engine: Engine
) -> None:
    """What month-end reads (store.returns.returned_units): kept before the refund is asked
    for, replaced by a retried close; a request from before they were sent records nothing."""
    ref = amazon.returned({SKUS[0]: 2, SKUS[1]: 1})
    request = CloseRequest(ref=ref, refund=False, returned={SKUS[0]: 2, SKUS[1]: 1})
    await run(amazon.activities.close, request)
    assert returned_units(engine, "amazon", DEFAULT_SELLER_ID, [ORDER]) == {
        ORDER: {SKUS[0]: 2, SKUS[1]: 1}
    }
    partial = request.model_copy(update={"refund": True, "returned": {SKUS[0]: 1}})
    with pytest.raises(ApplicationError):  # the refund is still being processed
        await run(amazon.activities.close, partial)
    assert returned_units(engine, "amazon", DEFAULT_SELLER_ID, [ORDER]) == {ORDER: {SKUS[0]: 1}}
    other = amazon.returned({SKUS[1]: 1})
    await run(amazon.activities.close, CloseRequest(ref=other, refund=False))
    assert returned_units(engine, "amazon", DEFAULT_SELLER_ID, [ORDER]) == {ORDER: {SKUS[0]: 1}}
