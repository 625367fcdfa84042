"""A namespace of its own on the shared dev server, with stand-in orders (open and closed),
intakes and an InventorySync, for the daily report's tests: the report reads a whole namespace,
so other tests' workflows must not be in it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from temporalio import workflow
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.common import RawValue
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from codec.converter import configured_converter
from domain.lifecycle import WORKFLOW_NAME, OrderStatus
from starter.temporal_setup import ensure_search_attributes
from tests.starter.conftest import OrderServer
from tests.starter.fake_inventory import FakeInventorySync
from tests.starter.fake_order import FakeOrderFulfillment

OPEN_QUEUE = "report-open"
CLOSING_QUEUE = "report-closing"


@workflow.defn(name=WORKFLOW_NAME)
class ClosingOrder:
    """An order workflow that completes at once: counts as closed today."""

    @workflow.run
    async def run(self, status: OrderStatus) -> None:
        return None


@workflow.defn(dynamic=True)
class FakeIntake:
    """Any other workflow type (ChannelIntake, WarehouseIntake, StockIntake): answers every
    query with the JSON it was started with."""

    def __init__(self) -> None:
        self.answer: Any = None

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> None:
        self.answer = workflow.payload_converter().from_payload(args[0].payload)
        await workflow.wait_condition(lambda: False)

    @workflow.query(dynamic=True)
    def any_query(self, name: str, args: Sequence[RawValue]) -> Any:
        return self.answer


@dataclass
class ReportWorld:
    client: Client
    address: str
    namespace: str


# What a dev server answers when its store is slow (a clean-clone CI run at load 11 had one
# registration "canceled"): asked again; ALREADY_EXISTS then means the first one went through.
PASSING = (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE)


async def _register(client: Client, namespace: str) -> None:
    request = RegisterNamespaceRequest(
        namespace=namespace,
        workflow_execution_retention_period=Duration(
            seconds=int(timedelta(days=1).total_seconds())
        ),
    )
    for attempt in range(5):
        try:
            await client.workflow_service.register_namespace(request)
            break
        except RPCError as err:
            if attempt and err.status is RPCStatusCode.ALREADY_EXISTS:
                break
            if err.status not in PASSING or attempt == 4:
                raise
            await asyncio.sleep(1)
    await ensure_search_attributes(client, namespace)


async def _connect(address: str, namespace: str) -> Client:
    """The new namespace is usable once the frontend's namespace cache has it."""
    client = await Client.connect(
        address, namespace=namespace, data_converter=configured_converter()
    )
    for _ in range(200):
        try:
            await client.count_workflows("WorkflowType = 'x'")
            return client
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"namespace {namespace} never became usable")


@asynccontextmanager
async def report_world(server: OrderServer) -> AsyncIterator[ReportWorld]:
    namespace = "report-" + uuid.uuid4().hex[:8]
    await _register(server.client, namespace)
    client = await _connect(server.address, namespace)
    async with (
        Worker(
            client,
            task_queue=OPEN_QUEUE,
            workflows=[FakeOrderFulfillment, FakeInventorySync, FakeIntake],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
        Worker(
            client,
            task_queue=CLOSING_QUEUE,
            workflows=[ClosingOrder],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ),
    ):
        yield ReportWorld(client, server.address, namespace)
