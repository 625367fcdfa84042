"""The OrderFulfillment test harness: a worker on the time-skipping server serving the fakes,
and helpers to reach a state without asserting on wall-clock time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.lifecycle import OrderFulfillmentInput, OrderStage, OrderStatus
from domain.order import ChannelOrder, ChannelOrderStatus, OrderChange
from domain.search_attributes import of_new_order
from domain.warehouse import (
    Parcel,
    Rejection,
    RejectionCode,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrderStatus,
)
from tests.workflows.fakes import FakeWorld, dispatch
from workflows.order_fulfillment import OrderFulfillment

OrderHandle = WorkflowHandle[OrderFulfillment, OrderStatus]
QUERY_WAIT = timedelta(seconds=2)  # a query to a failing workflow task never returns


@dataclass
class Harness:
    env: WorkflowEnvironment
    world: FakeWorld
    task_queue: str
    client: Client  # env.client, or one with another data converter on the same server
    started: list[OrderHandle] = field(default_factory=list)

    async def start(self, order: ChannelOrder, *, add: bool = True) -> OrderHandle:
        """Start the workflow, re-basing the order's dates on the server's (skipped) clock."""
        now = await self.env.get_current_time()
        shift = now - order.created_at
        order = order.model_copy(
            update={
                "created_at": now,
                "last_updated_at": order.last_updated_at + shift,
                "ship_by": order.ship_by + shift if order.ship_by else None,
            }
        )
        if add:
            self.world.add(order)
        else:
            self.world.orders[order.ref.order_id] = order
        # Signals and queries through this handle go to the latest run (it follows the order
        # when it continues as new); its result follows the runs from the first.
        handle = await self.client.start_workflow(
            OrderFulfillment.run,
            OrderFulfillmentInput(ref=order.ref),
            id=order.ref.workflow_id,
            task_queue=self.task_queue,
            search_attributes=of_new_order(order.ref),  # as the intakes start it
        )
        self.started.append(handle)
        return handle

    async def inject(self, order: ChannelOrder) -> OrderHandle:
        """Start the order and wait until it is injected into GXO."""
        handle = await self.start(order)
        await until(handle, at(OrderStage.INJECTED))
        return handle

    async def ship(self, handle: OrderHandle, seq: int, *parcels: Parcel) -> None:
        """GXO dispatches `parcels` for the order in its event number `seq`."""
        event = dispatch(self.order(handle), seq, *parcels)
        await handle.signal(OrderFulfillment.warehouse_event, event)

    def order(self, handle: OrderHandle) -> ChannelOrder:
        """The order as started (its dates re-based on the server clock)."""
        return next(o for o in self.world.orders.values() if o.ref.workflow_id == handle.id)

    async def terminate_open(self) -> None:
        """Open workflows left by a test would hold the shared server's clock still."""
        for handle in self.started:
            description = await handle.describe()
            if description.status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test finished")


@asynccontextmanager
async def running_harness(
    env: WorkflowEnvironment, world: FakeWorld | None = None, client: Client | None = None
) -> AsyncIterator[Harness]:
    """A worker for the order workflow and the fakes (`world`, FakeWorld by default); every
    Amazon operation's queue is served by the same worker, connected through `client`
    (env.client by default)."""
    world = world or FakeWorld()
    client = client or env.client
    queue = f"test-{uuid.uuid4()}"
    workers = [
        Worker(client, task_queue=q, workflows=[OrderFulfillment], activities=world.activities())
        for q in (queue, "amazon-getOrder", "amazon-confirmShipment")
    ]
    async with workers[0], workers[1], workers[2]:
        harness = Harness(env, world, queue, client)
        yield harness
        await harness.terminate_open()


async def task_failures(handle: OrderHandle) -> list[str]:
    """Messages of failed workflow tasks: a workflow that raises where it must not is retried
    by Temporal forever, which a test must see at once rather than as a timeout."""
    history = await handle.fetch_history()
    return [
        e.workflow_task_failed_event_attributes.failure.message
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]


async def until(handle: OrderHandle, predicate: Callable[[OrderStatus], bool]) -> OrderStatus:
    """Query until the workflow reaches a state (no wall-clock assertions, just a bound). A
    query to a workflow whose task fails waits for a task that never completes: look why."""
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        try:
            status = await handle.query(OrderFulfillment.status, rpc_timeout=QUERY_WAIT)
        except RPCError:
            assert await task_failures(handle) == [], "the workflow task is failing"
            continue
        if predicate(status):
            return status
        await asyncio.sleep(0.025)
    raise AssertionError(f"workflow never reached the expected state; last: {status!r}")


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait for something the fakes record (an activity call) to happen (a bound, 60 s)."""
    for _ in range(2400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the expected call never happened")


async def finished(handle: OrderHandle) -> OrderStatus:
    """The workflow's result, failing fast when its task fails instead of waiting forever.
    Waiting on the result is what lets the time-skipping server skip time."""
    result = asyncio.ensure_future(handle.result())
    for _ in range(60):  # a bound (60 s), not a timing assertion
        done, _ = await asyncio.wait({result}, timeout=1.0)
        if done:
            return result.result()
        failures = await task_failures(handle)
        if failures:
            result.cancel()
            raise AssertionError(f"the workflow task is failing: {failures[-1]}")
    result.cancel()
    raise AssertionError("the workflow never finished")


def notice(
    order: ChannelOrder,
    after: timedelta,
    status: ChannelOrderStatus,
    buyer_cancel_requested: bool = False,
) -> OrderChange:
    """What intake would signal when the channel changes the order `after` its last update."""
    changed = order.model_copy(
        update={
            "status": status,
            "last_updated_at": order.last_updated_at + after,
            "buyer_cancel_requested": buyer_cancel_requested,
        }
    )
    return changed.change()


def rejected(order: ChannelOrder, seq: int) -> WarehouseEvent:
    """GXO's asynchronous rejection of the order after a processing cycle."""
    return WarehouseEvent(
        **dispatch(order, seq).model_dump(exclude={"kind", "rejection", "order_status"}),
        kind=WarehouseEventKind.REJECTED,
        order_status=WarehouseOrderStatus.REJECTED,
        rejection=Rejection(code=RejectionCode.INVALID_ADDRESS, message="postcode not found"),
    )


def at(stage: OrderStage) -> Callable[[OrderStatus], bool]:
    return lambda status: status.stage is stage
