"""Monitor: the health monitor, one short run per tick of the Temporal Schedule `monitor`
(workflows/schedules.py, every CONSIGN_MONITOR_MINUTES). Each run checks what the daily checks
ask (activities/monitor.py check_health), raises each new finding once (again when its severity
rises), resolves each cleared one once, and sends those changes as alerts (send_alerts; a
digest when many change at once).

What one check must hand to the next (the open findings, the day of the last daily report)
is the run's result: the Schedule gives every run its predecessor's result
(`workflow.get_last_completion_result`), so nothing is raised twice or forgotten. The first
run of a schedule takes it from its input instead (empty, or what the long-running Monitor of
earlier versions held: monitoring.py hands it over).

With `daily_report_hour` set a run also writes the daily report (write_daily_report: Markdown
and HTML, as `consign report daily` does) when that hour (UTC) has come and today's is not
written yet, and sends an alert naming it. A check that fails (Temporal or the store
unreachable) is the result's `last_error`; the open findings stay as they were, since nothing
is known about them, and the next tick tries again."""

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
    from workflows.waits import failure_text

WORKFLOW_NAME = "Monitor"
CHECK_TIMEOUT = timedelta(minutes=5)
ALERT_TIMEOUT = timedelta(minutes=1)
REPORT_TIMEOUT = timedelta(minutes=10)
SEVERITY_RISE_PATCH = "monitor-severity-rise"  # workflow.patched id, 2026-11-30: alert a rise


def monitor_id() -> str:
    """The Schedule's id; each run's workflow id is this plus the time it was due."""
    return "monitor"


class MonitorInput(BaseModel):
    """The Schedule's action input. `open_findings` and `last_report_day` seed the first run
    only (later runs read their predecessor's result)."""

    every_minutes: float = 5  # the Schedule's interval (monitoring.py)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    source: str = "consign"  # names the deployment in every alert
    daily_report_hour: int | None = Field(default=None, ge=0, le=23)  # UTC; None: no report
    open_findings: list[Finding] = Field(default_factory=list)
    last_report_day: date | None = None


class MonitorState(BaseModel):
    """A run's result: what the next run starts from, and what `consign monitor status` shows."""

    open_findings: list[Finding] = Field(default_factory=list)
    last_report_day: date | None = None
    last_check_at: datetime | None = None  # of the last check that succeeded
    last_error: str | None = None  # of this run; None when it checked and alerted fine
    alerts_sent: int = 0  # by this run


@workflow.defn(name=WORKFLOW_NAME)
class Monitor:
    @workflow.init
    def __init__(self, params: MonitorInput) -> None:
        before = workflow.get_last_completion_result(MonitorState)
        self._state = MonitorState(
            open_findings=before.open_findings if before else params.open_findings,
            last_report_day=before.last_report_day if before else params.last_report_day,
            last_check_at=before.last_check_at if before else None,
        )

    @workflow.run
    async def run(self, params: MonitorInput) -> MonitorState:
        await self._check(params)
        await self._daily_report(params)
        self._show()
        return self._state

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
        self._state.last_check_at = workflow.now()
        self._state.last_error = None
        before = {finding.key: finding for finding in self._state.open_findings}
        changes = compare(before, found.findings)
        if changes.risen and not workflow.patched(SEVERITY_RISE_PATCH):
            changes = changes.model_copy(update={"risen": []})  # as it ran before the patch
        self._state.open_findings = list(found.findings)
        if changes:
            await self._send(alerts_for(changes, params.source))

    async def _daily_report(self, params: MonitorInput) -> None:
        """Once a day, at the first check after `daily_report_hour`: write the report, alert."""
        now = workflow.now()
        hour = params.daily_report_hour
        if hour is None or now.hour < hour or self._state.last_report_day == now.date():
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
        self._state.last_report_day = now.date()
        await self._send([daily_report_alert(written, now.date(), params.source)])

    async def _send(self, alerts: list[Alert]) -> None:
        try:
            self._state.alerts_sent += await execute_in_rounds(
                refs.SEND_ALERTS,
                AlertBatch(alerts=alerts),
                task_queue=workflow.info().task_queue,
                start_to_close_timeout=ALERT_TIMEOUT,
                round_failed=lambda attempts, failure: self._failed(failure),
            )
        except ActivityError as err:
            self._failed(f"alerts not sent: {failure_text(err)}")

    def _failed(self, text: str) -> None:
        self._state.last_error = text
        workflow.logger.warning("monitor: %s", text)
        workflow.set_current_details(f"check failing: {text}")

    def _show(self) -> None:
        """The Web UI's current details: how many findings are open, the most urgent first."""
        ordered = sorted(self._state.open_findings, key=lambda f: (f.severity.rank, f.key))
        lines = [f"{len(ordered)} open finding(s)"]
        if self._state.last_error:
            lines.insert(0, f"check failing: {self._state.last_error}")
        lines += [f"- [{f.severity.value}] {f.role.value}: {f.summary}" for f in ordered[:20]]
        workflow.set_current_details("\n".join(lines))


CONTRACT = WorkflowContract.of(Monitor, WORKFLOW_NAME, MonitorInput, monitor_id)
