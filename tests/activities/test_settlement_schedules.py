"""The settlement intakes' schedules on the dev server: created once with the interval and
input asked for, updated (not duplicated) when the worker starts again with other settings,
and firing a SettlementIntake run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import ScheduleActionStartWorkflow

from tests.activities.temporal_server import DevServer
from workflows.schedules import ensure_schedules
from workflows.settlement_intake import SettlementIntakeInput


async def test_a_schedule_is_created_then_updated_in_place(
    dev_server: DevServer, unique: Callable[[str], str]
) -> None:
    account = unique("seller")
    intake = SettlementIntakeInput(channel="amazon", account=account)
    client, queue = dev_server.client, unique("no-worker")  # its runs wait: nothing polls it
    [schedule_id] = await ensure_schedules(client, [intake], timedelta(hours=6), queue)
    handle = client.get_schedule_handle(schedule_id)
    try:
        first = await handle.describe()
        assert first.schedule.spec.intervals[0].every == timedelta(hours=6)
        for _ in range(200):  # a bound (10 s), not a timing assertion
            if first.info.num_actions:
                break
            await asyncio.sleep(0.05)
            first = await handle.describe()
        assert first.info.num_actions == 1  # fired at once

        changed = intake.model_copy(update={"unsettled_after_days": 30})
        again = await ensure_schedules(client, [changed], timedelta(hours=1), queue)
        assert again == [schedule_id]
        second = await handle.describe()
        assert second.schedule.spec.intervals[0].every == timedelta(hours=1)
        assert second.info.num_actions == 1  # an update does not fire again
        action = second.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        [argument] = await client.data_converter.decode(action.args, [SettlementIntakeInput])
        assert argument == changed
        listed = [s.id async for s in await client.list_schedules() if s.id == schedule_id]
        assert listed in ([schedule_id], [])  # visibility may lag; never two
    finally:
        await handle.delete()
        for run in await handle_runs(dev_server, account):
            await client.get_workflow_handle(run).terminate("test over")


async def handle_runs(dev_server: DevServer, account: str) -> list[str]:
    """The schedule's runs still waiting on the queue nothing polls."""
    query = "WorkflowType = 'SettlementIntake' AND ExecutionStatus = 'Running'"
    return [
        execution.id
        async for execution in dev_server.client.list_workflows(query)
        if account in execution.id
    ]
