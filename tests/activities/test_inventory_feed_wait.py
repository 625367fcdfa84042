"""An Amazon feed that takes two simulated hours, end to end: InventorySync on the time-skipping
server, the real inventory activities, the Amazon stock port and the Amazon sandbox with slow
feeds, whose clock follows the server's (an activity sees the sandbox at the time Temporal
scheduled it). The feed is submitted once, asked about on timers, and no activity waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import Engine
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from activities.inventory import InventoryActivities
from activities.models import FacilityRequest
from activities.warehouse import WarehouseActivities
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.stock import build_amazon_stock
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import UK
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import UK_DAVENTRY
from store import inventory
from tests.activities.conftest import SELLER, SKU_ITEMS
from tests.amazon.sandboxed import ManualClock, sandbox_settings
from tests.workflows.conftest import start_time_skipping
from tests.workflows.time_skipping import skip
from workflows.inventory_sync import (
    STATUS_QUERY,
    InventorySync,
    InventorySyncInput,
    InventorySyncStatus,
)

TWO_HOURS = 2 * 3600


class FollowServerTime(Interceptor):
    """The sandbox's clock follows the Temporal server's time as of the activity running now
    (and only moves forward, so waits for usage-plan tokens count too)."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        clock = self.clock

        class Inbound(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                clock.now = max(clock.now, activity.info().current_attempt_scheduled_time)
                return await super().execute_activity(input)

        return Inbound(next)


@pytest_asyncio.fixture
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()


async def test_a_two_hour_feed_is_submitted_once_and_waited_for_on_timers(
    time_env: WorkflowEnvironment, warehouse: WarehouseActivities, engine: Engine
) -> None:
    clock = ManualClock()
    sandbox = AmazonSandbox(
        clock=clock, feed_processing_seconds=TWO_HOURS, token_lifetime_seconds=24 * 3600
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sandbox))) as http:
        stock = build_amazon_stock(build_amazon_client(sandbox_settings(), http=http))
        stock.patch_threshold = 0  # every push goes as a feed
        acts = InventoryActivities(engine, warehouse.warehouse, {(Channel.AMAZON, SELLER): stock})
        await ActivityEnvironment().run(
            acts.load_snapshot, FacilityRequest(facility_id=UK_DAVENTRY)
        )
        queue = f"feed-{uuid.uuid4()}"
        async with Worker(
            time_env.client,
            task_queue=queue,
            workflows=[InventorySync],
            activities=[acts.plan_push, acts.push, acts.check_submission, acts.stalled],
            interceptors=[FollowServerTime(clock)],
        ):
            handle = await time_env.client.start_workflow(
                InventorySync.run,
                # One run for the whole wait, so its history holds every check (runs continue
                # as new at 500 events otherwise: tests/workflows/test_intake_run_length.py).
                InventorySyncInput(channel=Channel.AMAZON, account=SELLER, events_per_run=100_000),
                id=f"inventory:amazon:{queue}",
                task_queue=queue,
            )
            try:
                status = InventorySyncStatus(channel=Channel.AMAZON, account=SELLER)

                async def awaiting() -> bool:
                    nonlocal status
                    status = await handle.query(STATUS_QUERY, result_type=InventorySyncStatus)
                    return bool(status.awaiting)

                await until_async(awaiting)
                await skip(time_env, timedelta(hours=2, minutes=10), step=timedelta(minutes=5))

                async def settled() -> bool:
                    nonlocal status
                    status = await handle.query(STATUS_QUERY, result_type=InventorySyncStatus)
                    return not status.awaiting

                await until_async(settled)
                history = [event async for event in handle.fetch_history_events()]
            finally:
                await handle.terminate("test done")

    calls: dict[str, int] = sandbox.stats()["calls"]  # type: ignore[assignment]
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    checks = scheduled.count("check_stock_submission")
    assert calls["createFeed"] == 1 and scheduled.count("push_stock") == 1
    # Each check was one getFeed: the wait was the workflow's timers, not an activity's.
    assert calls["getFeed"] == checks and 2 * 60 / 5 < checks < 2 * 60
    [feed] = sandbox.feeds.feeds.values()
    assert feed.status == "DONE" and feed.ended is not None
    assert (feed.ended - feed.created).total_seconds() >= TWO_HOURS
    assert status.rejected == [] and status.stalled == []
    ledger = inventory.ledger(engine, Channel.AMAZON, SELLER)
    shown = sandbox.listings.quantities(UK.marketplace_id)
    for sku in SKU_ITEMS:
        assert ledger[sku].outcome == "accepted" and ledger[sku].submission == feed.feed_id
        assert shown[sku] == ledger[sku].quantity and ledger[sku].pending_since is None


async def until_async(probe: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        if await probe():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never reached")
