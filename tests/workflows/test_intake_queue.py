"""The intakes and syncs run on a task queue of their own (workflows/deployment.py
`intake_queue`). A run started before that, on the main queue, keeps being served there and
moves when the worker starts: worker.ensure_intakes (through `_keep_running`) asks it to continue
as new on the intake queue (workflows/run_length.py MOVE_SIGNAL), carrying its cursor."""

from __future__ import annotations

import asyncio
import uuid

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import PullRequest, StockPulled
from worker import _keep_running
from workflows.deployment import LONG_LIVED, intake_queue
from workflows.stock_intake import StockIntake, StockIntakeInput

POLL_EVERY = 60.0  # seconds between polls, skipped


class Warehouse:
    """GXO's stock change feed: every pull moves the cursor on by one; each request is kept
    with the task queue that ran it."""

    def __init__(self) -> None:
        self.pulls: list[tuple[int, str]] = []

    @activity.defn(name="pull_stock_changes")
    async def pull(self, request: PullRequest) -> StockPulled:
        self.pulls.append((request.cursor, activity.info().task_queue))
        return StockPulled(next_cursor=request.cursor + 1, items=[], count=0)


async def polls(handle: WorkflowHandle, at_least: int) -> None:
    for _ in range(2400):  # a bound, not a timing assertion
        if (await handle.query("progress"))["polls"] >= at_least:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"fewer than {at_least} polls")


async def continued_as(client: Client, handle: WorkflowHandle) -> str:
    """The run `handle`'s run continued as new into (its task queue checked by the caller)."""
    run = client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
    for _ in range(2400):  # a bound, not a timing assertion
        last = [e async for e in run.fetch_history_events()][-1]
        if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        await asyncio.sleep(0.025)
    raise AssertionError("the run never continued as new")


async def signals_in(client: Client, workflow_id: str, run_id: str | None) -> int:
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    signalled = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    return sum([e.event_type == signalled async for e in handle.fetch_history_events()])


async def test_an_intake_on_the_main_queue_moves_to_the_intake_queue_with_its_cursor(
    time_env: WorkflowEnvironment,
) -> None:
    client, warehouse = time_env.client, Warehouse()
    main = f"main-{uuid.uuid4()}"
    workflows = list(LONG_LIVED)
    # Runs that would not end on their own within the test: only the move ends one.
    params = StockIntakeInput(
        facility_id="GXO-UK-DAV",
        cursor=0,
        poll_interval_seconds=POLL_EVERY,
        polls_per_run=100_000,
        events_per_run=100_000,
    )
    async with (
        Worker(client, task_queue=main, workflows=workflows, activities=[warehouse.pull]),
        Worker(
            client, task_queue=intake_queue(main), workflows=workflows, activities=[warehouse.pull]
        ),
    ):
        # As an older worker started it: on the main queue.
        old = await client.start_workflow(
            StockIntake.run, params, id=f"stock-{uuid.uuid4()}", task_queue=main
        )
        # Waiting on its result (following continue-as-new) lets the time-skipping server jump
        # to each next poll.
        skipping = asyncio.create_task(old.result())
        await polls(old, 3)
        reached = (await old.query("progress"))["cursor"]

        await _keep_running(client, StockIntake.run, params, old.id, intake_queue(main))

        next_run = await continued_as(client, old)
        moved = client.get_workflow_handle(old.id, run_id=next_run)
        described = await moved.describe()
        assert described.task_queue == intake_queue(main)
        await polls(moved, 1)
        first_in_new_run = next(
            cursor for cursor, queue in warehouse.pulls if queue == intake_queue(main)
        )
        assert first_in_new_run >= reached  # carried on, not back to the snapshot
        assert warehouse.pulls[0] == (0, main)  # the old run polled on the main queue

        # Started again on a worker restart: already on the intake queue, nothing is sent.
        await _keep_running(client, StockIntake.run, params, old.id, intake_queue(main))
        assert await signals_in(client, old.id, described.run_id) == 0
        skipping.cancel()
        await moved.terminate("test done")
