"""Every intake and inventory sync continues as new once its history reaches RUN_EVENTS_LIMIT
events, so a worker taking over after a kill replays a short run (workflows/run_length.py).
Before, they ran 500 polls (or cycles) per run, ~4,000 events, unless Temporal suggested it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    ChangeBatch,
    EventsPulled,
    PollRequest,
    PullRequest,
    StockNotice,
    StockPulled,
)
from domain.lifecycle import STOCK_CHANGED_SIGNAL
from integrations.registry import Channel
from tests.workflows.test_inventory_sync import Channelside
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput
from workflows.inventory_sync import InventorySync, InventorySyncInput
from workflows.run_length import RUN_EVENTS_LIMIT
from workflows.stock_intake import StockIntake, StockIntakeInput
from workflows.warehouse_intake import WarehouseIntake, WarehouseIntakeInput

# The check comes after a whole poll or cycle, and the hand-over itself is a task: a few dozen
# events at most past the limit.
SLACK = 60
POLL_EVERY = 60.0  # seconds between polls, skipped


async def first_run_events(
    client: Client, handle: WorkflowHandle, nudge: Callable[[], Awaitable[None]] | None = None
) -> tuple[int, str]:
    """(events in the first run, the run it continued as); fails once the first run has grown
    past the limit plus SLACK without handing over. Without `nudge`, waiting on the workflow's
    result lets the time-skipping server jump to each next poll at once. A run driven by
    `nudge`'s signals gets no skipping: each signal's task cancels the run's pending timer, and
    the test server strands a run whose task cancels a timer that fired while the task was out
    ("invalid history builder state for action", tests/workflows/time_skipping.py). With
    skipping on, the flooded sync hung so in a loaded loop run (10 minutes, then the timeout)
    and in one of two loaded probe runs; without it, the run's timer is minutes away in real
    time and a notice comes every cycle."""
    first = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
    skipping = asyncio.create_task(handle.result()) if nudge is None else None
    try:
        for _ in range(4000):  # a bound, not a timing assertion
            events = [e async for e in first.fetch_history_events()]
            last = events[-1]
            if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
                attributes = last.workflow_execution_continued_as_new_event_attributes
                return len(events), attributes.new_execution_run_id
            assert len(events) <= RUN_EVENTS_LIMIT + SLACK, f"{len(events)} events, still running"
            await (nudge() if nudge else asyncio.sleep(0.025))
        raise AssertionError(f"the first run never ended: {len(events)} events")
    finally:
        if skipping is not None:
            skipping.cancel()


async def moves_on(
    client: Client, handle: WorkflowHandle, run_id: str, query: str, counter: str
) -> None:
    """The run it continued as makes progress of its own."""
    run = client.get_workflow_handle(handle.id, run_id=run_id)
    for _ in range(2400):  # a bound, not a timing assertion
        if (await run.query(query))[counter]:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{query}.{counter} never moved in the continued run")


async def hands_over_and_polls_on(client: Client, handle: WorkflowHandle) -> None:
    """The first run ends at the limit and the next one polls."""
    events, next_run = await first_run_events(client, handle)
    assert RUN_EVENTS_LIMIT <= events <= RUN_EVENTS_LIMIT + SLACK
    await moves_on(client, handle, next_run, "progress", "polls")
    await handle.terminate("test done")


async def test_a_channel_intake_hands_over_to_a_fresh_run_at_the_limit(
    time_env: WorkflowEnvironment,
) -> None:
    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        return ChangeBatch(cursor=datetime(2026, 11, 1, tzinfo=UTC))

    queue = f"run-length-{uuid.uuid4()}"
    async with (
        Worker(time_env.client, task_queue=queue, workflows=[ChannelIntake], activities=[poll]),
    ):
        handle = await time_env.client.start_workflow(
            ChannelIntake.run,
            ChannelIntakeInput(
                channel=Channel.AMAZON, account="A1", poll_interval_seconds=POLL_EVERY
            ),
            id=f"intake-{uuid.uuid4()}",
            task_queue=queue,
        )
        await hands_over_and_polls_on(time_env.client, handle)


@activity.defn(name="pull_warehouse_events")
async def pull_no_events(request: PullRequest) -> EventsPulled:
    return EventsPulled(events=[], next_cursor=request.cursor)


@activity.defn(name="pull_stock_changes")
async def pull_no_changes(request: PullRequest) -> StockPulled:
    return StockPulled(next_cursor=request.cursor + 1, items=[], count=0)


@pytest.mark.parametrize(
    ("intake", "params", "pull"),
    [
        (
            WarehouseIntake,
            WarehouseIntakeInput(facility_id="GXO-UK-DAV", poll_interval_seconds=POLL_EVERY),
            pull_no_events,
        ),
        (
            StockIntake,
            StockIntakeInput(facility_id="GXO-UK-DAV", cursor=0, poll_interval_seconds=POLL_EVERY),
            pull_no_changes,
        ),
    ],
)
async def test_a_warehouse_or_stock_intake_hands_over_to_a_fresh_run_at_the_limit(
    time_env: WorkflowEnvironment, intake: type, params: BaseModel, pull: Callable[..., object]
) -> None:
    queue = f"run-length-{uuid.uuid4()}"
    async with Worker(time_env.client, task_queue=queue, workflows=[intake], activities=[pull]):
        handle = await time_env.client.start_workflow(
            intake.run,  # type: ignore[attr-defined]
            params,
            id=f"intake-{uuid.uuid4()}",
            task_queue=queue,
        )
        await hands_over_and_polls_on(time_env.client, handle)


async def test_an_inventory_sync_flooded_with_stock_notices_hands_over_at_the_limit(
    time_env: WorkflowEnvironment,
) -> None:
    side = Channelside()
    queue = f"run-length-{uuid.uuid4()}"
    async with Worker(
        time_env.client, task_queue=queue, workflows=[InventorySync], activities=side.activities()
    ):
        handle = await time_env.client.start_workflow(
            InventorySync.run,
            InventorySyncInput(channel=Channel.AMAZON, account="A1"),
            id=f"inv-{uuid.uuid4()}",
            task_queue=queue,
        )

        async def notice() -> None:
            """One notice, then until the sync has pushed it: a cycle per notice, however
            slow the machine (a flood while a cycle runs is checked only after it)."""
            pushed = len(side.pushes)
            await handle.signal(STOCK_CHANGED_SIGNAL, StockNotice(items=["GXO-1"]))
            for _ in range(2400):  # a bound, not a timing assertion
                if len(side.pushes) > pushed:
                    return
                await asyncio.sleep(0.025)

        events, next_run = await first_run_events(time_env.client, handle, notice)
        assert RUN_EVENTS_LIMIT <= events <= RUN_EVENTS_LIMIT + SLACK
        await moves_on(
            time_env.client, handle, next_run, "status", "pushes"
        )  # its full pass on start
        await handle.terminate("test done")
