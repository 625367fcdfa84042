"""A worker killed in the middle of an intake's poll, or of inventory sync's stock push, costs
seconds, not the call's timeout: the activity heartbeats, so Temporal retries it on another
worker once the heartbeat timeout has passed. Shown on the dev server with a real worker
process killed by SIGKILL.

Before: intake activities did not heartbeat, so a poll lost with its worker waited out its
two-minute start-to-close timeout (the issue measured 105 of 333 orders closed in a 4-minute
crash test)."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine
from temporalio import activity
from temporalio.api.enums.v1 import EventType, TimeoutType
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from activities import queues
from activities.channel import ChannelActivities
from activities.heartbeat import HEARTBEAT_THROTTLE
from activities.inventory import InventoryActivities
from activities.models import StalledRequest, StalledSkus, StockPlan, StockPlanRequest
from domain.inventory import ListingQuantity, PushOutcome
from domain.order import ChannelOrder
from domain.shipment import ShipConfirmation
from integrations.channel import ChangePage, ChangeQuery, OutcomeSink, SubmissionSink
from integrations.registry import Channel
from tests.activities.temporal_server import DevServer
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress
from workflows.intakes import HEARTBEAT
from workflows.inventory_sync import (
    STATUS_QUERY,
    InventorySync,
    InventorySyncInput,
    InventorySyncStatus,
)

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
SINCE = datetime(2026, 12, 1, tzinfo=UTC)


async def until(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """A bound on attempts (60 s: the heartbeat timeout plus a loaded machine), not a timing
    assertion: what the test checks is which timeout Temporal reports."""
    value = await probe()
    for _ in range(2400):
        if done(value):
            return value
        await asyncio.sleep(0.025)
        value = await probe()
    raise AssertionError(f"never reached; last {value!r}")


class QuietPort:
    """A healthy channel with nothing new."""

    channel = Channel.CENTRA
    account = "heartbeat-test"

    def __init__(self) -> None:
        self.polls = 0

    async def get_order(self, order_id: str) -> ChannelOrder:
        raise NotImplementedError

    async def changes(self, query: ChangeQuery) -> ChangePage:
        self.polls += 1
        return ChangePage(cursor=query.since)

    async def acknowledge(self, ack: list[str]) -> None:
        raise NotImplementedError

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> None:
        raise NotImplementedError


async def stalled_worker(
    dev_server: DevServer, queue: str, marker: Path, database_url: str, kind: str
) -> asyncio.subprocess.Process:
    client = dev_server.client
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.activities.stalled_worker",
        client.service_client.config.target_host,
        client.namespace,
        queue,
        str(marker),
        database_url,
        kind,
        cwd=ROOT,
    )


async def test_a_poll_lost_with_a_killed_worker_is_retried_after_the_heartbeat_timeout(
    dev_server: DevServer, engine: Engine, tmp_path: Path
) -> None:
    client = dev_server.client
    queue = f"heartbeat-{uuid.uuid4()}"
    polls = queues.poll_queue(Channel.CENTRA, queue)  # where the intake sends its polls
    marker = tmp_path / "poll-started"
    database_url = f"sqlite:///{tmp_path / 'stalled.db'}"
    stalled = await stalled_worker(dev_server, polls, marker, database_url, "poll")
    try:
        # Workflows only: this worker takes no activity task while the stalled one lives.
        async with Worker(client, task_queue=queue, workflows=[ChannelIntake]):
            handle = await client.start_workflow(
                ChannelIntake.run,
                ChannelIntakeInput(
                    channel=Channel.CENTRA,
                    account="heartbeat-test",
                    cursor=SINCE,
                    poll_interval_seconds=3600,
                ),
                id=f"intake:centra:{queue}",
                task_queue=queue,
            )

            async def started() -> bool:
                return marker.exists()

            await until(started, bool)
            # Alive and past its heartbeat timeout: still the first attempt, kept by heartbeats.
            live = await until(
                lambda: pending(handle, "poll_channel_changes"),
                lambda p: p is not None and p.beating_past(HEARTBEAT),
            )
            assert live is not None and live.attempt == 1
            stalled.send_signal(signal.SIGKILL)
            await stalled.wait()

            quiet = QuietPort()
            healthy = ChannelActivities({(Channel.CENTRA, "heartbeat-test"): quiet}, engine)
            async with Worker(
                client,
                task_queue=polls,
                activities=[healthy.poll_changes],
                max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
            ):
                progress = await until(
                    lambda: handle.query("progress", result_type=IntakeProgress),
                    lambda p: p.polls >= 1,
                )
            await handle.terminate("test done")
    finally:
        if stalled.returncode is None:
            stalled.kill()
            await stalled.wait()

    assert progress.last_error is None and quiet.polls == 1
    retried = [
        event.activity_task_started_event_attributes
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    # The retry started on the healthy worker, and Temporal says why the first attempt ended:
    # its heartbeat timeout (10 s), not its start-to-close timeout (1 min).
    assert retried[-1].attempt == 2
    timeout = retried[-1].last_failure.timeout_failure_info
    assert timeout.timeout_type == TimeoutType.TIMEOUT_TYPE_HEARTBEAT


class QuietStock:
    """A healthy channel that takes every figure at once."""

    channel = Channel.CENTRA
    account = "heartbeat-test"
    subtracts_own_orders = True

    def __init__(self) -> None:
        self.pushed: list[ListingQuantity] = []

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        self.pushed.extend(quantities)
        return [
            PushOutcome(sku=q.sku, quantity=q.quantity, accepted=True, submission="setStock")
            for q in quantities
        ]

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        raise NotImplementedError


@activity.defn(name="plan_stock_push")
async def plan_one(request: StockPlanRequest) -> StockPlan:
    return StockPlan(quantities=[ListingQuantity(sku="JKT100BLKM", quantity=3)])


@activity.defn(name="stalled_stock_skus")
async def nothing_stalled(request: StalledRequest) -> StalledSkus:
    return StalledSkus()


async def test_a_stock_push_lost_with_a_killed_worker_is_retried_after_the_heartbeat_timeout(
    dev_server: DevServer, engine: Engine, tmp_path: Path
) -> None:
    """Before: push_stock had no heartbeat and a 65-minute start-to-close timeout, so a push
    lost with its worker kept the channel's old figure (and a sync_now waiting) for an hour."""
    client = dev_server.client
    queue = f"heartbeat-{uuid.uuid4()}"
    pushes = queues.stock_push_queue(Channel.CENTRA, queue)  # where the sync sends its pushes
    marker = tmp_path / "push-started"
    stalled = await stalled_worker(
        dev_server, pushes, marker, f"sqlite:///{tmp_path / 'stalled.db'}", "push"
    )
    try:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[InventorySync],
            activities=[plan_one, nothing_stalled],
        ):
            handle = await client.start_workflow(
                InventorySync.run,
                InventorySyncInput(channel=Channel.CENTRA, account="heartbeat-test"),
                id=f"inventory:centra:{queue}",
                task_queue=queue,
            )

            async def started() -> bool:
                return marker.exists()

            await until(started, bool)
            live = await until(
                lambda: pending(handle, "push_stock"),
                lambda p: p is not None and p.beating_past(HEARTBEAT),
            )
            assert live is not None and live.attempt == 1
            stalled.send_signal(signal.SIGKILL)
            await stalled.wait()

            quiet = QuietStock()
            healthy = InventoryActivities(engine, None, {(Channel.CENTRA, "heartbeat-test"): quiet})  # type: ignore[arg-type]
            async with Worker(
                client,
                task_queue=pushes,
                activities=[healthy.push],
                max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
            ):
                status = await until(
                    lambda: handle.query(STATUS_QUERY, result_type=InventorySyncStatus),
                    lambda s: s.pushes >= 1,
                )
            await handle.terminate("test done")
    finally:
        if stalled.returncode is None:
            stalled.kill()
            await stalled.wait()

    assert status.last_error is None and [q.sku for q in quiet.pushed] == ["JKT100BLKM"]
    retried = [
        event.activity_task_started_event_attributes
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and event.activity_task_started_event_attributes.attempt == 2
    ]
    # Temporal ended the lost attempt on its heartbeat timeout (10 s), not its 65 minutes.
    timeout = retried[-1].last_failure.timeout_failure_info
    assert timeout.timeout_type == TimeoutType.TIMEOUT_TYPE_HEARTBEAT


@dataclass(frozen=True)
class PendingPoll:
    attempt: int
    started: datetime | None
    last_heartbeat: datetime | None

    def beating_past(self, timeout: timedelta) -> bool:
        """Heartbeats recorded for longer than `timeout` since the attempt started."""
        if self.started is None or self.last_heartbeat is None:
            return False
        return self.last_heartbeat - self.started > timeout


async def pending(handle: WorkflowHandle[Any, None], name: str) -> PendingPoll | None:
    """The workflow's pending activity of that name, as Temporal describes it."""
    description = await handle.describe()
    for pending in description.raw_description.pending_activities:
        if pending.activity_type.name == name:
            started = pending.last_started_time
            beat = pending.last_heartbeat_time
            return PendingPoll(
                attempt=pending.attempt,
                started=started.ToDatetime() if pending.HasField("last_started_time") else None,
                last_heartbeat=beat.ToDatetime()
                if pending.HasField("last_heartbeat_time")
                else None,
            )
    return None
