"""Monitor: the health monitor. Every few minutes (durable timers) it runs the daily checks
(activities/monitor.py check_health), raises each finding once, resolves it once when it
clears, and sends those changes as alerts (send_alerts; a digest when many change at once).

With `daily_report_hour` set it also writes the daily report (write_daily_report: Markdown and
HTML, as `consign report daily` does) at the first check after that hour (UTC) each day, and
sends an alert naming it.

The open findings are the workflow's state and travel in its input across continue-as-new, so
a new run neither raises them again nor forgets to resolve them. A check that fails (Temporal
or the store unreachable) is shown as `last_error` and tried at the next tick: the open
findings stay as they were, since nothing is known about them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import refs
    from domain.monitor import (
        Alert,
        AlertBatch,
        DailyReportRequest,
        Finding,
        Thresholds,
        alerts_for,
        compare,
        daily_report_alert,
    )
    from workflows.activity_rounds import execute_in_rounds
    from workflows.contracts import WorkflowContract
    from workflows.run_length import RUN_EVENTS_LIMIT, RunLength
    from workflows.waits import failure_text, wait_until

WORKFLOW_NAME = "Monitor"
STATUS_QUERY = "status"
CHECK_NOW_SIGNAL = "check_now"
CHECK_TIMEOUT = timedelta(minutes=5)
ALERT_TIMEOUT = timedelta(minutes=1)
REPORT_TIMEOUT = timedelta(minutes=10)
DAILY_REPORT_PATCH = "monitor-daily-report"  # runs started before it wrote no report


def monitor_id() -> str:
    return "monitor"


class MonitorInput(BaseModel):
    every_minutes: float = 5
    thresholds: Thresholds = Field(default_factory=Thresholds)
    source: str = "consign"  # names the deployment in every alert
    checks_per_run: int = 200
    events_per_run: int = RUN_EVENTS_LIMIT
    open_findings: list[Finding] = Field(default_factory=list)  # carried across continue-as-new
    daily_report_hour: int | None = Field(default=None, ge=0, le=23)  # UTC; None: no report
    last_report_day: date | None = None  # carried across continue-as-new


class MonitorStatus(BaseModel):
    open_findings: list[Finding] = Field(default_factory=list)
    checks: int = 0  # in this run
    last_check_at: datetime | None = None
    alerts_sent: int = 0  # in this run
    last_error: str | None = None
    last_report_day: date | None = None


@workflow.defn(name=WORKFLOW_NAME)
class Monitor:
    @workflow.init
    def __init__(self, params: MonitorInput) -> None:
        self._open = {finding.key: finding for finding in params.open_findings}
        self._last_report_day = params.last_report_day
        self._status = MonitorStatus()
        self._poked = False

    @workflow.query(
        name=STATUS_QUERY, description="Open findings, checks and alerts sent, last error."
    )
    def status(self) -> MonitorStatus:
        self._status.open_findings = list(self._open.values())
        self._status.last_report_day = self._last_report_day
        return self._status

    @workflow.signal(name=CHECK_NOW_SIGNAL, description="Check now instead of at the next tick.")
    def check_now(self) -> None:
        self._poked = True

    @workflow.run
    async def run(self, params: MonitorInput) -> None:
        run_length = RunLength(params.events_per_run)
        self._show()
        for check in range(params.checks_per_run):
            if check:
                await wait_until(lambda: self._poked, timedelta(minutes=params.every_minutes))
            self._poked = False
            await self._check(params)
            await self._daily_report(params)
            if run_length.over():
                break
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(
            params.model_copy(
                update={
                    "open_findings": list(self._open.values()),
                    "last_report_day": self._last_report_day,
                }
            )
        )

    async def _check(self, params: MonitorInput) -> None:
        try:
            found = await execute_in_rounds(
                refs.CHECK_HEALTH,
                params.thresholds,
                task_queue=workflow.info().task_queue,
                start_to_close_timeout=CHECK_TIMEOUT,
                round_failed=lambda attempts, failure: self._failed(failure),
            )
        except ActivityError as err:
            self._failed(failure_text(err))
            return
        self._status.checks += 1
        self._status.last_check_at = workflow.now()
        self._status.last_error = None
        changes = compare(self._open, found.findings)
        self._open = {finding.key: finding for finding in found.findings}
        self._show()
        if not changes:
            return
        await self._send(alerts_for(changes, params.source))

    async def _daily_report(self, params: MonitorInput) -> None:
        """Once a day, at the first check after `daily_report_hour`: write the report, alert."""
        now = workflow.now()
        hour = params.daily_report_hour
        if hour is None or now.hour < hour or self._last_report_day == now.date():
            return
        if not workflow.patched(DAILY_REPORT_PATCH):
            return
        try:
            written = await execute_in_rounds(
                refs.WRITE_DAILY_REPORT,
                DailyReportRequest(day=now.date()),
                task_queue=workflow.info().task_queue,
                start_to_close_timeout=REPORT_TIMEOUT,
                round_failed=lambda attempts, failure: self._failed(failure),
            )
        except ActivityError as err:
            self._failed(f"daily report not written: {failure_text(err)}")
            return
        self._last_report_day = now.date()
        await self._send([daily_report_alert(written, now.date(), params.source)])

    async def _send(self, alerts: list[Alert]) -> None:
        try:
            self._status.alerts_sent += await execute_in_rounds(
                refs.SEND_ALERTS,
                AlertBatch(alerts=alerts),
                task_queue=workflow.info().task_queue,
                start_to_close_timeout=ALERT_TIMEOUT,
                round_failed=lambda attempts, failure: self._failed(failure),
            )
        except ActivityError as err:
            self._failed(f"alerts not sent: {failure_text(err)}")

    def _failed(self, text: str) -> None:
        self._status.last_error = text
        workflow.logger.warning("monitor: %s", text)
        workflow.set_current_details(f"check failing: {text}")

    def _show(self) -> None:
        """The Web UI's current details: how many findings are open, the most urgent first."""
        ordered = sorted(self._open.values(), key=lambda f: (f.severity.rank, f.key))
        lines = [f"{len(ordered)} open finding(s)"]
        lines += [f"- [{f.severity.value}] {f.role.value}: {f.summary}" for f in ordered[:20]]
        workflow.set_current_details("\n".join(lines))


CONTRACT = WorkflowContract.of(
    Monitor,
    WORKFLOW_NAME,
    MonitorInput,
    monitor_id,
    signals=(CHECK_NOW_SIGNAL,),
    queries=(STATUS_QUERY,),
)
