"""`consign monitor status|check-now`: the health monitor's Schedule and what its last check
found, and a check run now (the Schedule's trigger) with its answer: what the Web UI's
Schedules page shows, without opening it."""

from __future__ import annotations

import asyncio
from datetime import datetime

import typer
from rich.console import Console
from rich.markup import escape
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleDescription,
    WorkflowFailureError,
)
from temporalio.service import RPCError, RPCStatusCode

from starter.client import CliError, expected_errors, run_with_client
from starter.orders_cli import AddressOption, NamespaceOption
from workflows.monitor import MonitorState, monitor_id

monitor_app = typer.Typer(help="The health monitor: its schedule, open findings, a check now.")
console = Console(emoji=False)  # ids hold colons: ":x:" must not become an emoji
CHECK_WAIT_SECONDS = 120


async def _describe(client: Client) -> ScheduleDescription:
    try:
        return await client.get_schedule_handle(monitor_id()).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise CliError("no 'monitor' schedule: has a worker started here?") from err
        raise


def _last_run(described: ScheduleDescription) -> tuple[str, str] | None:
    for result in reversed(described.info.recent_actions):
        action = result.action
        if isinstance(action, ScheduleActionExecutionStartWorkflow):
            return action.workflow_id, action.first_execution_run_id
    return None


async def _result(client: Client, run: tuple[str, str]) -> MonitorState:
    handle = client.get_workflow_handle(run[0], run_id=run[1], result_type=MonitorState)
    try:
        return await handle.result()
    except WorkflowFailureError as err:
        raise CliError(f"monitor run {run[0]} failed: {err.cause}") from err


def _print(described: ScheduleDescription, state: MonitorState | None) -> None:
    paused = described.schedule.state.paused
    upcoming: list[datetime] = list(described.info.next_action_times[:1])
    console.print(
        f"schedule 'monitor': {'PAUSED' if paused else 'active'}, "
        f"{described.info.num_actions} check(s) so far, next "
        f"{upcoming[0].isoformat(timespec='seconds') if upcoming else '-'}",
        highlight=False,
    )
    if state is None:
        console.print("no check has finished yet")
        return
    checked = state.last_check_at.isoformat(timespec="seconds") if state.last_check_at else "-"
    console.print(f"last successful check: {checked}", highlight=False)
    if state.last_error:
        console.print(f"[red]last run failed:[/red] {escape(state.last_error)}", highlight=False)
    console.print(f"{len(state.open_findings)} open finding(s)")
    for finding in sorted(state.open_findings, key=lambda f: (f.severity.rank, f.key)):
        line = f"- [{finding.severity.value}] {finding.role.value}: {finding.summary}"
        console.print(escape(line), highlight=False)


@monitor_app.command("status")
@expected_errors
def status(address: AddressOption = None, namespace: NamespaceOption = None) -> None:
    """The schedule (active or paused, next check) and what the last check left open."""

    async def work(client: Client) -> tuple[ScheduleDescription, MonitorState | None]:
        described = await _describe(client)
        run = _last_run(described)
        return described, await _result(client, run) if run else None

    _print(*run_with_client(work, address, namespace))


@monitor_app.command("check-now")
@expected_errors
def check_now(address: AddressOption = None, namespace: NamespaceOption = None) -> None:
    """Run a check now (skipped while one runs) and print what it found."""

    async def work(client: Client) -> tuple[ScheduleDescription, MonitorState | None]:
        handle = client.get_schedule_handle(monitor_id())
        before = _last_run(await _describe(client))
        await handle.trigger()
        for _ in range(CHECK_WAIT_SECONDS * 4):
            described = await _describe(client)
            run = _last_run(described)
            if run is not None and run != before:
                return described, await _result(client, run)
            await asyncio.sleep(0.25)
        raise CliError(f"no check started within {CHECK_WAIT_SECONDS} s (one still running?)")

    _print(*run_with_client(work, address, namespace))
