"""One Monitor run (one tick of its schedule) on the time-skipping server with stand-in
activities: a new finding is alerted once, one still open is not alerted again, a cleared one
is alerted resolved, a failed check keeps what is open and says why, and the daily report is
written once a day. How the schedule hands each run its predecessor's result is tested on the
dev server (tests/activities/test_monitor_schedule.py). With CONSIGN_CAPTURE_HISTORIES=<dir>
a run's history is saved for the replay test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from temporalio import activity
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
from workflows.monitor import Monitor, MonitorInput, MonitorState

PAUSED = Finding(
    key="intake:intake:x:A1",
    check="intake",
    role=OwnerRole.ENGINEERING,
    severity=Severity.HIGH,
    summary="intake:x:A1 paused: CHANNEL_AUTH_FAILED",
)


class Checks:
    """Stand-ins: the findings each check returns, and every alert batch sent."""

    def __init__(self, findings: list[Finding], fail: bool = False) -> None:
        self.findings = findings
        self.fail = fail
        self.sent: list[AlertBatch] = []
        self.reports: list[date] = []

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="check_health")
        async def check(thresholds: Thresholds) -> Found:
            if self.fail:
                raise ApplicationError("store gone", type="UNEXPECTED_ERROR", non_retryable=True)
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

    def titles(self) -> list[str]:
        return [alert.title for batch in self.sent for alert in batch.alerts]


async def check_once(
    env: WorkflowEnvironment, checks: Checks, capture: str = "", **params: object
) -> MonitorState:
    """Run one Monitor (as a schedule's first action: its state from the input) to its end."""
    queue = f"monitor-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=queue, workflows=[Monitor], activities=checks.activities()
    ):
        handle = await env.client.start_workflow(
            Monitor.run,
            MonitorInput.model_validate(params),
            id=f"monitor-{uuid.uuid4()}",
            task_queue=queue,
        )
        state = await handle.result()
        if capture and (target := os.environ.get("CONSIGN_CAPTURE_HISTORIES")):
            history = await decoded_json(await handle.fetch_history())
            save_histories({capture: history}, Path(target))
        return state


async def test_a_new_finding_is_alerted_once(time_env: WorkflowEnvironment) -> None:
    checks = Checks([PAUSED])
    state = await check_once(time_env, checks, capture="monitor_scheduled")
    assert checks.titles() == [f"[high] {PAUSED.summary}"]
    assert checks.sent[0].alerts[0].level == "failure"
    assert state.open_findings == [PAUSED] and state.alerts_sent == 1
    assert state.last_error is None and state.last_check_at is not None


async def test_a_finding_still_open_is_not_alerted_again(time_env: WorkflowEnvironment) -> None:
    checks = Checks([PAUSED])
    state = await check_once(time_env, checks, open_findings=[PAUSED])
    assert checks.sent == [] and state.open_findings == [PAUSED]


async def test_a_cleared_finding_is_alerted_resolved(time_env: WorkflowEnvironment) -> None:
    checks = Checks([])
    state = await check_once(time_env, checks, open_findings=[PAUSED])
    assert checks.titles() == [f"resolved: {PAUSED.summary}"]
    assert checks.sent[0].alerts[0].level == "success"
    assert state.open_findings == [] and state.alerts_sent == 1


async def test_a_failed_check_keeps_what_is_open_and_says_why(
    time_env: WorkflowEnvironment,
) -> None:
    checks = Checks([], fail=True)
    state = await check_once(time_env, checks, open_findings=[PAUSED])
    assert checks.sent == []
    assert state.open_findings == [PAUSED]  # nothing is known about it: kept
    assert state.last_error is not None and "store gone" in state.last_error
    assert state.last_check_at is None


async def test_the_daily_report_is_written_once_its_hour_has_come(
    time_env: WorkflowEnvironment,
) -> None:
    checks = Checks([])
    with time_env.auto_time_skipping_disabled():  # the clock stays on the day it reads
        now: datetime = await time_env.get_current_time()
        if now.hour == 23 or now.minute == 59:  # the next hour must come later the same day
            await time_env.sleep(timedelta(hours=2))
            now = await time_env.get_current_time()
        not_yet = await check_once(time_env, checks, daily_report_hour=now.hour + 1)
        assert checks.reports == [] and not_yet.last_report_day is None

        due = await check_once(time_env, checks, daily_report_hour=now.hour)
        day = due.last_report_day
        assert day == now.date() and checks.reports == [day]
        assert checks.titles() == [
            f"daily report {day.isoformat()}: 1 exception(s), 0 order(s) at risk"
        ]
        done = await check_once(time_env, checks, daily_report_hour=now.hour, last_report_day=day)
        assert checks.reports == [day] and done.last_report_day == day  # not twice a day
