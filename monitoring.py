"""What the worker needs for the health monitor: the Monitor's activities built from the
settings, and the Schedule that runs the Monitor (once per namespace) beside the intakes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    WorkflowExecutionStatus,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.monitor import MonitorActivities
from config import Settings
from domain.monitor import Thresholds
from reporting.owners_file import load_check_owners, load_owner_table
from workflows.deployment import expected_intakes, expected_syncs
from workflows.intakes import TASK_TIMEOUT
from workflows.monitor import Monitor, MonitorInput, monitor_id
from workflows.schedules import ensure_schedule


def alert_urls(settings: Settings) -> list[str]:
    """CONSIGN_ALERT_URLS split on commas and spaces (Apprise URLs hold neither unescaped)."""
    return [url for url in re.split(r"[,\s]+", settings.alert_urls.get_secret_value()) if url]


def thresholds(settings: Settings) -> Thresholds:
    """The Monitor's thresholds from the settings (CONSIGN_MONITOR_*)."""
    return Thresholds(
        exception_minutes=settings.monitor_exception_minutes,
        at_risk_hours=settings.monitor_at_risk_hours,
        awaiting_payment_hours=settings.monitor_awaiting_payment_hours,
        intake_silent_minutes=settings.monitor_intake_silent_minutes,
    )


def monitor_activities(client: Client, engine: Engine, settings: Settings) -> MonitorActivities:
    return MonitorActivities(
        client,
        engine,
        owners=load_owner_table(),
        check_owners=load_check_owners(),
        expected_intakes=expected_intakes(settings),
        expected_syncs=expected_syncs(settings),
        alert_urls=alert_urls(settings),
        reports_dir=Path(settings.reports_dir) if settings.reports_dir else None,
    )


async def ensure_monitor(client: Client, settings: Settings, task_queue: str) -> None:
    """Create or update the `monitor` Schedule, its runs on `task_queue` (the intake queue:
    an update moves the next run there; safe on every worker start). A long-running
    Monitor of an earlier version is ended first and its open findings seed the schedule's
    first run, so the switch neither repeats nor forgets an alert."""
    handover = await _end_long_running_monitor(client)
    every = timedelta(minutes=settings.monitor_minutes)
    params = MonitorInput(
        every_minutes=settings.monitor_minutes,
        thresholds=thresholds(settings),
        daily_report_hour=settings.daily_report_hour if settings.reports_dir else None,
        source=settings.temporal.namespace,
        open_findings=handover.open_findings if handover else [],
        last_report_day=handover.last_report_day if handover else None,
    )
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            Monitor.run,
            params,
            id=monitor_id(),
            task_queue=task_queue,
            task_timeout=TASK_TIMEOUT,
            static_summary="Health monitor: one check; raises and resolves alerts",
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    await ensure_schedule(client, monitor_id(), schedule)


async def _end_long_running_monitor(client: Client) -> MonitorInput | None:
    """Terminate the workflow `monitor` earlier versions kept running on timers; the input its
    current run started with (what it carried across continue-as-new), or None."""
    handle = client.get_workflow_handle(monitor_id())
    try:
        described = await handle.describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    if described.status != WorkflowExecutionStatus.RUNNING:
        return None
    carried = None
    async for event in handle.fetch_history_events():
        started = event.workflow_execution_started_event_attributes
        [carried] = await client.data_converter.decode(started.input.payloads, [MonitorInput])
        break
    await handle.terminate("the health monitor runs on the Schedule 'monitor' now")
    return carried
