"""The health monitor's Schedule on the dev server, with stand-in check and alert activities:
the first run starts from what an earlier version's long-running Monitor held (that workflow is
ended), every later run from its predecessor's result, also after the worker updates the
schedule on a restart; so a finding is alerted once raised and once resolved. `consign monitor
status` and `check-now` read the same schedule."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    WorkflowExecutionStatus,
)
from temporalio.worker import Worker
from typer.testing import CliRunner

from config import Settings
from integrations.registry import get_settings
from monitoring import ensure_monitor
from starter.cli import app
from tests.activities.temporal_server import DevServer
from tests.monitor.stand_ins import PAUSED, Checks
from workflows.monitor import Monitor, MonitorInput, monitor_id


def settings_on(queue: str) -> Settings:
    settings = get_settings()
    temporal = settings.temporal.model_copy(update={"task_queue": queue})
    return settings.model_copy(
        update={"temporal": temporal, "monitor_minutes": 60 * 24, "reports_dir": ""}
    )


@pytest.fixture
async def monitor_server(dev_server: DevServer) -> AsyncIterator[tuple[Client, Checks, Settings]]:
    """A worker for the Monitor on a queue of its own; the schedule deleted afterwards (its id is
    fixed, one per namespace)."""
    client, checks = dev_server.client, Checks()
    settings = settings_on(f"monitor-{uuid.uuid4().hex[:8]}")
    async with Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=[Monitor],
        activities=checks.activities(),
    ):
        try:
            yield client, checks, settings
        finally:
            await client.get_schedule_handle(monitor_id()).delete()


async def until_checks(checks: Checks, count: int) -> None:
    for _ in range(400):  # a bound (20 s), not a timing assertion
        if checks.checks >= count:
            break
        await asyncio.sleep(0.05)
    assert checks.checks >= count


async def last_run_finished(client: Client) -> None:
    """The schedule's newest run has completed (its result is what the next run reads)."""
    handle = client.get_schedule_handle(monitor_id())
    for _ in range(400):
        recent = (await handle.describe()).info.recent_actions
        action = recent[-1].action if recent else None
        if isinstance(action, ScheduleActionExecutionStartWorkflow):
            run = client.get_workflow_handle(action.workflow_id)
            if (await run.describe()).status == WorkflowExecutionStatus.COMPLETED:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the monitor's run did not complete")


async def check(client: Client, checks: Checks) -> None:
    before = checks.checks
    await client.get_schedule_handle(monitor_id()).trigger()
    await until_checks(checks, before + 1)
    await last_run_finished(client)


async def test_the_schedule_carries_open_findings_from_run_to_run(
    monitor_server: tuple[Client, Checks, Settings],
) -> None:
    client, checks, settings = monitor_server
    legacy = await client.start_workflow(  # an earlier version's Monitor, never picked up
        "Monitor",
        MonitorInput(open_findings=[PAUSED]),
        id=monitor_id(),
        task_queue=f"old-{uuid.uuid4().hex[:8]}",
    )
    checks.findings = [PAUSED]
    await ensure_monitor(client, settings, settings.temporal.task_queue)  # fires at once
    await until_checks(checks, 1)
    await last_run_finished(client)
    assert (await legacy.describe()).status == WorkflowExecutionStatus.TERMINATED
    assert checks.titles() == []  # handed over: not raised again

    await ensure_monitor(
        client, settings, settings.temporal.task_queue
    )  # a worker restart updates the schedule in place
    await check(client, checks)
    assert checks.titles() == []  # the predecessor's result survived the update

    checks.findings = []
    await check(client, checks)
    assert checks.titles() == [f"resolved: {PAUSED.summary}"]
    checks.findings = [PAUSED]
    await check(client, checks)
    assert checks.titles()[1:] == [f"[high] {PAUSED.summary}"]


async def test_the_cli_shows_the_last_check_and_checks_now(
    monitor_server: tuple[Client, Checks, Settings], dev_server: DevServer
) -> None:
    client, checks, settings = monitor_server
    checks.findings = [PAUSED]
    await ensure_monitor(client, settings, settings.temporal.task_queue)
    await until_checks(checks, 1)
    await last_run_finished(client)
    address = ["--address", dev_server.env.client.service_client.config.target_host]
    status = await asyncio.to_thread(CliRunner().invoke, app, ["monitor", "status", *address])
    assert status.exit_code == 0, status.output
    assert "1 open finding(s)" in status.output and PAUSED.summary in status.output

    checks.findings = []
    now = await asyncio.to_thread(CliRunner().invoke, app, ["monitor", "check-now", *address])
    assert now.exit_code == 0, now.output
    assert "0 open finding(s)" in now.output and checks.checks == 2
