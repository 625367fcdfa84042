"""Monitor on the time-skipping server with stand-in activities: a finding is alerted once when
raised and once when resolved, a failed check changes nothing, and the open findings travel
across continue-as-new (no second alert in the next run). With CONSIGN_CAPTURE_HISTORIES=<dir>
the first run's history is saved for the replay test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.monitor import (
    AlertBatch,
    DailyReportRequest,
    DailyReportWritten,
    Finding,
    Found,
    Thresholds,
)
from domain.owners import OwnerRole, Severity
from tests.e2e.histories import decoded_json, save_histories
from workflows.monitor import CHECK_NOW_SIGNAL, Monitor, MonitorInput, MonitorStatus

PAUSED = Finding(
    key="intake:intake:x:A1",
    check="intake",
    role=OwnerRole.ENGINEERING,
    severity=Severity.HIGH,
    summary="intake:x:A1 paused: CHANNEL_AUTH_FAILED",
)


class Checks:
    """Stand-ins: the findings each check returns, and every alert batch sent."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.fail_next = False
        self.checks = 0
        self.sent: list[AlertBatch] = []
        self.reports: list[date] = []

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="check_health")
        async def check(thresholds: Thresholds) -> Found:
            if self.fail_next:
                self.fail_next = False
                raise ApplicationError("store gone", type="UNEXPECTED_ERROR", non_retryable=True)
            self.checks += 1
            return Found(findings=list(self.findings))

        @activity.defn(name="send_alerts")
        async def send(batch: AlertBatch) -> int:
            self.sent.append(batch)
            return len(batch.alerts)

        @activity.defn(name="write_daily_report")
        async def report(request: DailyReportRequest) -> DailyReportWritten:
            self.reports.append(request.day)
            name = f"reports/daily-{request.day.isoformat()}"
            return DailyReportWritten(
                markdown=f"{name}.md", html=f"{name}.html", exceptions=1, at_risk=0
            )

        return [check, send, report]


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        if predicate():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never reached")


@asynccontextmanager
async def running_monitor(
    env: WorkflowEnvironment, checks: Checks, **params: int | float
) -> AsyncIterator[WorkflowHandle[Monitor, None]]:
    queue = f"monitor-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=queue, workflows=[Monitor], activities=checks.activities()
    ):
        handle = await env.client.start_workflow(
            Monitor.run, MonitorInput(**params), id=f"monitor-{uuid.uuid4()}", task_queue=queue
        )
        try:
            yield handle
        finally:
            await handle.terminate("test done")


async def poke(handle: WorkflowHandle[Monitor, None], checks: Checks, after: int) -> None:
    await handle.signal(CHECK_NOW_SIGNAL)
    await until(lambda: checks.checks >= after)


async def test_a_finding_is_alerted_once_raised_and_once_resolved(
    time_env: WorkflowEnvironment,
) -> None:
    checks = Checks()
    checks.findings = [PAUSED]
    async with running_monitor(time_env, checks) as handle:
        await until(lambda: len(checks.sent) == 1)
        [raised] = checks.sent[0].alerts
        assert raised.title == f"[high] {PAUSED.summary}" and raised.level == "failure"

        await poke(handle, checks, 2)  # still there: nothing new
        checks.fail_next = True
        await handle.signal(CHECK_NOW_SIGNAL)
        for _ in range(2400):
            status = await handle.query(Monitor.status)
            if status.last_error:
                break
            await asyncio.sleep(0.025)
        assert status.last_error is not None and "store gone" in status.last_error
        assert [f.key for f in status.open_findings] == [PAUSED.key]  # unknown: kept

        checks.findings = []
        await poke(handle, checks, 3)
        await until(lambda: len(checks.sent) == 2)
        [resolved] = checks.sent[1].alerts
        assert resolved.title == f"resolved: {PAUSED.summary}" and resolved.level == "success"
        for _ in range(2400):  # the activity has returned; the workflow counts it after
            status = await handle.query(Monitor.status)
            if status.alerts_sent == 2:
                break
            await asyncio.sleep(0.025)
        assert status.open_findings == [] and status.alerts_sent == 2 and status.last_error is None


async def test_open_findings_travel_across_continue_as_new(time_env: WorkflowEnvironment) -> None:
    checks = Checks()
    checks.findings = [PAUSED]
    async with running_monitor(time_env, checks, checks_per_run=2) as handle:
        first_run = (await handle.describe()).run_id
        await until(lambda: len(checks.sent) == 1)
        await poke(handle, checks, 2)  # the run's last check: it continues as new ...
        await until(lambda: checks.checks == 3)  # ... and the next run checks at once
        assert (await handle.describe()).run_id != first_run
        status: MonitorStatus = await handle.query(Monitor.status)
        assert [f.key for f in status.open_findings] == [PAUSED.key]
        assert len(checks.sent) == 1  # not raised again by the new run
        checks.findings = []
        await poke(handle, checks, 4)
        await until(lambda: len(checks.sent) == 2)
        assert checks.sent[1].alerts[0].title.startswith("resolved:")
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            first = time_env.client.get_workflow_handle(handle.id, run_id=first_run)
            save_histories(
                {"monitor": await decoded_json(await first.fetch_history())}, Path(target)
            )


async def test_the_daily_report_is_written_once_a_day_and_alerted(
    time_env: WorkflowEnvironment,
) -> None:
    checks = Checks()
    start = await time_env.get_current_time()
    if start.hour >= 22:  # the report hour must come later the same day: move to 01:xx
        await time_env.sleep(timedelta(hours=25 - start.hour))
        start = await time_env.get_current_time()
    hour = start.hour + 1  # due an hour after the monitor starts
    async with running_monitor(
        time_env, checks, every_minutes=60, daily_report_hour=hour, checks_per_run=30
    ) as handle:
        await until(lambda: checks.checks >= 1)
        assert checks.reports == []  # not due yet
        await time_env.sleep(timedelta(hours=26))
        await until(lambda: len(checks.reports) == 2)
        status = await handle.query(Monitor.status)
    due = [(start + timedelta(hours=1)).date(), (start + timedelta(hours=25)).date()]
    assert checks.reports == due  # one per day, each on its day, across continue-as-new
    titles = [a.title for batch in checks.sent for a in batch.alerts]
    assert titles == [
        f"daily report {day.isoformat()}: 1 exception(s), 0 order(s) at risk" for day in due
    ]
    assert status.last_report_day == due[-1]
