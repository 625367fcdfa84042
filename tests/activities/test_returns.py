"""ReturnActivities against the Centra and GXO sandboxes in process: a return planned from
Centra (facility by routing, or where its order's workflow injected it; SKUs to item codes),
an unmapped SKU named; the notice at GXO, once; closing completes and refunds once, and a
refused refund is REFUND_REFUSED for good; the policy is the default until rows are stored;
the intake's round starts one workflow per return, confirms the events, and a repeated event
starts nothing new."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import ActivityEnvironment

from activities.models import (
    CloseRequest,
    PolicyRequest,
    ReturnClosed,
    ReturnIntakeRequest,
    ReturnPlan,
    ReturnPolicy,
    ReturnsTaken,
)
from activities.returns import ReturnActivities
from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from domain.mapping import SkuMapping
from domain.order import OrderRef
from domain.returns import (
    DEFAULT_POLICY,
    DispositionRule,
    NoticeResult,
    RefundAction,
    ReturnFulfillmentInput,
    ReturnRef,
)
from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.centra.returns import CentraReturns
from integrations.gxo.rest import RestWarehouse
from sandbox.centra.app import create_app
from sandbox.centra.tokens import DEFAULT_TOKEN
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.catalogue import DE_KOBLENZ, UK_DAVENTRY
from sandbox.server import ServerThread
from store.mappings import upsert_sku_mappings
from store.returns import replace_disposition_policy
from tests.centra.test_returns import shipped_return
from tests.sandbox.test_centra_sandbox_support import Centra

URL = "https://brand.centra.test/graphql"
ACCOUNT = "store-eu"
JACKET = "GXO-100002"


@dataclass
class Handle:
    status: OrderStatus | None

    async def query(self, name: str, result_type: type[Any]) -> Any:
        assert name == "status" and result_type is OrderStatus
        if self.status is None:
            raise RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")
        return self.status


@dataclass
class StandInClient:
    """The two Temporal calls the activities make: an order's status query, a start."""

    statuses: dict[str, OrderStatus] = field(default_factory=dict)
    started: list[tuple[str, ReturnFulfillmentInput]] = field(default_factory=list)

    def get_workflow_handle(self, workflow_id: str) -> Handle:
        return Handle(self.statuses.get(workflow_id))

    async def start_workflow(self, name: str, arg: Any, *, id: str, **options: Any) -> None:
        if any(known == id for known, _ in self.started):
            raise WorkflowAlreadyStartedError(id, name)
        self.started.append((id, arg))


@pytest.fixture
def centra() -> Centra:
    return Centra()


@pytest.fixture
async def gxo(gxo_server: ServerThread) -> AsyncIterator[RestWarehouse]:
    async with RestWarehouse(gxo_server.url, DEFAULT_API_KEY) as rest:
        yield rest


@pytest.fixture
def client() -> StandInClient:
    return StandInClient()


@pytest.fixture
def returns(
    centra: Centra, gxo: RestWarehouse, engine: Engine, client: StandInClient
) -> ReturnActivities:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(centra.sandbox)))
    centra_client = CentraClient(URL, SecretStr(DEFAULT_TOKEN), http=http)
    orders = CentraChannel(centra_client, ACCOUNT, dispatch_sla=timedelta(hours=48))
    upsert_sku_mappings(engine, [SkuMapping(channel="centra", sku="JKT100BLKM", item_code=JACKET)])
    return ReturnActivities(
        {("centra", ACCOUNT): CentraReturns(centra_client, ACCOUNT)},
        {("centra", ACCOUNT): orders},
        gxo,
        engine,
        client,  # type: ignore[arg-type]
        not_arrived_days=0.5,
    )


def ref(return_id: int) -> ReturnRef:
    return ReturnRef(channel="centra", account=ACCOUNT, rma=str(return_id))


async def run(method: Any, arg: Any) -> Any:
    return await ActivityEnvironment().run(method, arg)


async def test_a_return_is_planned_by_routing_with_item_codes(
    centra: Centra, returns: ReturnActivities
) -> None:
    number, return_id = shipped_return(centra)
    plan: ReturnPlan = await run(returns.plan, ref(return_id))
    notice = plan.notice
    assert (notice.rma, notice.channel_order_id, notice.facility_id) == (
        str(return_id),
        str(number),
        UK_DAVENTRY,  # the store's one facility rule
    )
    assert [(line.sku, line.item_code, line.quantity) for line in notice.lines] == [
        ("JKT100BLKM", JACKET, 2)
    ]
    assert not plan.completed and not plan.refunded


async def test_the_facility_the_order_was_injected_at_wins_over_routing(
    centra: Centra, returns: ReturnActivities, client: StandInClient
) -> None:
    number, return_id = shipped_return(centra)
    order = OrderRef(channel="centra", account=ACCOUNT, order_id=str(number))
    client.statuses[order.workflow_id] = OrderStatus(
        ref=order, stage=OrderStage.SHIPPED, facility_id=DE_KOBLENZ
    )
    plan: ReturnPlan = await run(returns.plan, ref(return_id))
    assert plan.notice.facility_id == DE_KOBLENZ


async def test_an_unmapped_sku_and_a_missing_return_are_named_for_good(
    centra: Centra, returns: ReturnActivities, engine: Engine
) -> None:
    _, return_id = shipped_return(centra)
    returns.engine = engine
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM sku_mapping WHERE channel = 'centra'")
    with pytest.raises(ApplicationError) as unmapped:
        await run(returns.plan, ref(return_id))
    assert unmapped.value.type == ExceptionKind.UNMAPPED_SKU and unmapped.value.non_retryable
    assert "JKT100BLKM" in unmapped.value.message
    with pytest.raises(ApplicationError) as missing:
        await run(returns.plan, ref(return_id + 1000))
    assert missing.value.type == ExceptionKind.ORDER_NOT_FOUND and missing.value.non_retryable


async def test_the_notice_reaches_gxo_once(
    centra: Centra, returns: ReturnActivities, gxo_admin: httpx.AsyncClient
) -> None:
    _, return_id = shipped_return(centra)
    plan: ReturnPlan = await run(returns.plan, ref(return_id))
    first: NoticeResult = await run(returns.notify, plan.notice)
    again: NoticeResult = await run(returns.notify, plan.notice)
    assert not first.duplicate and again.duplicate and again.return_id == first.return_id
    held = (await gxo_admin.get("/_sandbox/returns")).json()
    assert [(r["rma"], r["facility_id"], r["status"]) for r in held] == [
        (str(return_id), UK_DAVENTRY, "EXPECTED")
    ]


async def test_closing_completes_and_refunds_once(
    centra: Centra, returns: ReturnActivities
) -> None:
    _, return_id = shipped_return(centra)
    request = CloseRequest(ref=ref(return_id), refund=True)
    closed: ReturnClosed = await run(returns.close, request)
    assert closed == ReturnClosed(completed=True, refunded=True)
    record = centra.sandbox.returns[return_id]
    assert record.completed and record.refunded
    again: ReturnClosed = await run(returns.close, request)  # a retried attempt
    assert again == ReturnClosed(completed=False, refunded=False)


async def test_closing_without_a_refund_only_completes(
    centra: Centra, returns: ReturnActivities
) -> None:
    _, return_id = shipped_return(centra)
    closed: ReturnClosed = await run(returns.close, CloseRequest(ref=ref(return_id), refund=False))
    assert closed == ReturnClosed(completed=True, refunded=False)
    assert not centra.sandbox.returns[return_id].refunded


async def test_a_refused_refund_is_refund_refused_for_good(
    centra: Centra, returns: ReturnActivities
) -> None:
    number, return_id = shipped_return(centra)
    centra.sandbox.set_refund_fails(number, True)
    with pytest.raises(ApplicationError) as refused:
        await run(returns.close, CloseRequest(ref=ref(return_id), refund=True))
    assert refused.value.type == ExceptionKind.REFUND_REFUSED and refused.value.non_retryable
    assert centra.sandbox.returns[return_id].completed  # completed before the refund failed
    centra.sandbox.set_refund_fails(number, False)  # the provider allows it again: `retry`
    closed: ReturnClosed = await run(returns.close, CloseRequest(ref=ref(return_id), refund=True))
    assert closed == ReturnClosed(completed=False, refunded=True)


async def test_the_policy_is_the_default_until_rows_are_stored(
    returns: ReturnActivities, engine: Engine
) -> None:
    policy: ReturnPolicy = await run(returns.load_policy, PolicyRequest(channel="centra"))
    assert policy.rules == list(DEFAULT_POLICY)
    own = [DispositionRule(disposition="DAMAGED", action=RefundAction.CREDIT, restock=False)]
    replace_disposition_policy(engine, own)
    policy = await run(returns.load_policy, PolicyRequest(channel="centra"))
    assert policy.rules == own


async def test_the_intake_starts_one_workflow_per_return_and_confirms_the_events(
    centra: Centra, returns: ReturnActivities, client: StandInClient
) -> None:
    request = ReturnIntakeRequest(channel="centra", account=ACCOUNT, limit=10)
    quiet: ReturnsTaken = await run(returns.take, request)  # listening from now on
    assert quiet == ReturnsTaken()
    _, first = shipped_return(centra, quantity=1)
    _, second = shipped_return(centra)
    taken: ReturnsTaken = await run(returns.take, request)
    assert (taken.events, taken.started, taken.already, taken.gone) == (2, 2, 0, 0)
    assert [workflow_id for workflow_id, _ in client.started] == [
        f"return:centra:{ACCOUNT}:{first}",
        f"return:centra:{ACCOUNT}:{second}",
    ]
    assert client.started[0][1].not_arrived_days == 0.5
    assert await run(returns.take, request) == ReturnsTaken()  # confirmed: gone from the queue
    await run(returns.close, CloseRequest(ref=ref(first), refund=False))  # emits an event
    repeat: ReturnsTaken = await run(returns.take, request)
    assert (repeat.events, repeat.started, repeat.already) == (1, 0, 1)
