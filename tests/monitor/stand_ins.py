"""Stand-in activities for Monitor runs (time-skipping and dev server tests): the findings each
check returns, every alert batch sent, every daily report asked for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.monitor import (
    AlertBatch,
    DailyReportRequest,
    DailyReportWritten,
    Finding,
    Found,
    Thresholds,
)
from domain.owners import OwnerRole, Severity

PAUSED = Finding(
    key="intake:intake:x:A1",
    check="intake",
    role=OwnerRole.ENGINEERING,
    severity=Severity.HIGH,
    summary="intake:x:A1 paused: CHANNEL_AUTH_FAILED",
)


class Checks:
    def __init__(self, findings: list[Finding] | None = None, fail: bool = False) -> None:
        self.findings = findings or []
        self.fail = fail
        self.checks = 0
        self.sent: list[AlertBatch] = []
        self.reports: list[date] = []

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="check_health")
        async def check(thresholds: Thresholds) -> Found:
            if self.fail:
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

    def titles(self) -> list[str]:
        return [alert.title for batch in self.sent for alert in batch.alerts]
