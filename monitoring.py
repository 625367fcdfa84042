"""What the worker needs for the health monitor: the Monitor's activities built from the
settings, and the Monitor workflow started (once per namespace) beside the intakes."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from activities.monitor import MonitorActivities
from config import Settings
from domain.monitor import Thresholds
from starter.owners_file import load_owner_table
from starter.report_cli import expected_intakes, expected_syncs
from workflows.intakes import TASK_TIMEOUT
from workflows.monitor import Monitor, MonitorInput, monitor_id


def alert_urls(settings: Settings) -> list[str]:
    """CONSIGN_ALERT_URLS split on commas and spaces (Apprise URLs hold neither unescaped)."""
    return [url for url in re.split(r"[,\s]+", settings.alert_urls.get_secret_value()) if url]


def monitor_activities(client: Client, engine: Engine, settings: Settings) -> MonitorActivities:
    return MonitorActivities(
        client,
        engine,
        owners=load_owner_table(),
        expected_intakes=expected_intakes(settings),
        expected_syncs=expected_syncs(settings),
        alert_urls=alert_urls(settings),
        reports_dir=Path(settings.reports_dir) if settings.reports_dir else None,
    )


async def ensure_monitor(client: Client, settings: Settings) -> None:
    """Start the Monitor unless it already runs (safe on every worker start)."""
    await client.start_workflow(
        Monitor.run,
        MonitorInput(
            every_minutes=settings.monitor_minutes,
            thresholds=Thresholds(exception_minutes=settings.monitor_exception_minutes),
            daily_report_hour=settings.daily_report_hour if settings.reports_dir else None,
            source=settings.temporal.namespace,
        ),
        id=monitor_id(),
        task_queue=settings.temporal.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_timeout=TASK_TIMEOUT,
        static_summary="Health monitor: checks, raises and resolves alerts",
    )
