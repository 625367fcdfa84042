"""One Monitor run (one tick of its schedule) on the time-skipping server with stand-in
activities: a new finding is alerted once, one still open is not alerted again, a cleared one
is alerted resolved, a failed check keeps what is open and says why, and the daily report is
written once a day. How the schedule hands each run its predecessor's result is tested on the
dev server (tests/activities/test_monitor_schedule.py). With CONSIGN_CAPTURE_HISTORIES=<dir>
a run's history is saved for the replay test."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.owners import Severity
from tests.e2e.histories import decoded_json, save_histories
from tests.monitor.stand_ins import PAUSED, Checks
from workflows.monitor import Monitor, MonitorInput, MonitorState


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


async def test_a_finding_whose_severity_rose_is_alerted_again(
    time_env: WorkflowEnvironment,
) -> None:
    retrying = PAUSED.model_copy(update={"severity": Severity.LOW})
    checks = Checks([PAUSED])
    state = await check_once(time_env, checks, open_findings=[retrying])
    assert checks.titles() == [f"[high, was low] {PAUSED.summary}"]
    assert state.open_findings == [PAUSED]
    fell = Checks([retrying])
    state = await check_once(time_env, fell, open_findings=[PAUSED])
    assert fell.sent == [] and state.open_findings == [retrying]  # a fall is kept, not told
