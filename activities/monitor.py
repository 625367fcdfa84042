"""The Monitor's activities: check what docs/operations.md asks people to check and turn it
into findings (check_health), and send alerts through Apprise (send_alerts).

The check reads Temporal visibility, the workflows' own queries and the store with the daily
report's gatherers (reporting/daily_report.py), so the report and the alerts never disagree."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage
from domain.monitor import (
    Alert,
    AlertBatch,
    DailyReportRequest,
    DailyReportWritten,
    Finding,
    Found,
    Thresholds,
)
from domain.owners import Owner, OwnerRole, Severity
from reporting.daily_report import (
    ORDERS,
    RETURN_KINDS,
    RUNNING,
    IntakeRow,
    KindCount,
    StockRow,
    _count,
    gather_at_risk,
    gather_exceptions,
    gather_intakes,
    gather_report,
    gather_stock,
    visibility_time,
)
from reporting.render import write_report
from workflows import search_attributes as sa

LIST_LIMIT = 200  # orders read per check for ages and ids (counts come from count queries)
ENG, OPS, ECOM = OwnerRole.ENGINEERING, OwnerRole.OPERATIONS, OwnerRole.ECOMMERCE
# Intakes whose quiet spells are longer than any silence threshold: ProductSync sweeps every
# interval its settings give, a SettlementIntake runs on a schedule of hours. They are watched
# for a pause, a retrying call and not running, not for silence.
NOT_TIMED = frozenset({"ProductSync", "SettlementIntake"})


class AlertNotSent(Exception):
    """No alert service took the message: retried by Temporal (it is a passing failure)."""


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "age unknown"
    minutes = int((now - since).total_seconds() // 60)
    return (
        f"{minutes // 1440}d {minutes % 1440 // 60}h"
        if minutes >= 1440
        else (f"{minutes // 60}h {minutes % 60}m" if minutes >= 60 else f"{minutes}m")
    )


def exception_findings(kinds: list[KindCount], t: Thresholds, now: datetime) -> list[Finding]:
    """One finding per exception kind whose oldest order is older than the threshold; the
    count and the oldest are the kind's own (gather_exceptions), never cut by other kinds."""
    found = []
    for counted in kinds:
        row = counted.oldest
        if row is None:  # it cleared between the count and the list
            continue
        since = row.since
        if since is not None and now - since < timedelta(minutes=t.exception_minutes):
            continue
        owner: Owner = counted.owner
        kind = counted.kind
        what = "return" if kind in RETURN_KINDS else "order"
        found.append(
            Finding(
                key=f"exceptions:{kind.value}",
                check="exceptions",
                role=owner.role,
                severity=owner.severity,
                summary=f"{counted.count} {what}(s) with {kind.value}, "
                f"oldest {row.workflow_id} ({_age(since, now)})",
                first_step=owner.first_step,
            )
        )
    return found


def intake_findings(rows: list[IntakeRow], t: Thresholds, now: datetime) -> list[Finding]:
    found = []
    for row in rows:
        key, problem, severity = f"intake:{row.workflow_id}", None, Severity.HIGH
        silent = (
            row.workflow_type not in NOT_TIMED
            and row.last_poll_at is not None
            and now - row.last_poll_at > timedelta(minutes=t.intake_silent_minutes)
        )
        if not row.answering:
            problem = f"{row.workflow_type} {row.workflow_id} is {row.state}"
        elif row.paused:
            problem = f"{row.workflow_id} paused: {row.last_error_kind or 'failing for good'}"
        elif silent:
            problem = (
                f"{row.workflow_id} has not polled successfully for {_age(row.last_poll_at, now)}"
            )
        elif row.retrying is not None:
            problem, severity = f"{row.workflow_id} retrying a call", Severity.LOW
        if problem:
            found.append(
                Finding(key=key, check="intake", role=ENG, severity=severity, summary=problem)
            )
    return found


def stock_findings(rows: list[StockRow]) -> list[Finding]:
    found = []
    for row in rows:
        base = f"stock:{row.workflow_id}"
        if row.state != "running":
            summary = f"{row.workflow_id} is {row.state}"
            found.append(
                Finding(key=base, check="stock", role=ENG, severity=Severity.HIGH, summary=summary)
            )
            continue
        counted = (
            ("stalled", len(row.stalled), Severity.MEDIUM),
            ("rejected", len(row.rejected), Severity.MEDIUM),
            ("drifted", len(row.drift) + row.ledger_drift, Severity.LOW),
        )
        found += [
            Finding(
                key=f"{base}:{'drift' if what == 'drifted' else what}",
                check="stock",
                role=ECOM,
                severity=severity,
                summary=f"{row.workflow_id}: {count} SKU(s) {what}",
            )
            for what, count, severity in counted
            if count
        ]
        if row.last_error:
            found.append(
                Finding(
                    key=f"{base}:error",
                    check="stock",
                    role=ENG,
                    severity=Severity.HIGH,
                    summary=f"{row.workflow_id}: last cycle failed",
                )
            )
    return found


class MonitorActivities:
    def __init__(
        self,
        client: Client,
        engine: Engine,
        owners: dict[ExceptionKind, Owner],
        expected_intakes: dict[str, str],
        expected_syncs: list[str],
        alert_urls: list[str],
        reports_dir: Path | None = None,
    ) -> None:
        self.client = client
        self.engine = engine
        self.owners = owners
        self.expected_intakes = expected_intakes
        self.expected_syncs = expected_syncs
        self.alert_urls = alert_urls
        self.reports_dir = reports_dir

    @activity.defn(name="check_health")
    async def check_health(self, thresholds: Thresholds) -> Found:
        """Everything the daily checks look at, as findings; reads only."""
        from store.unmatched import list_unmatched

        now = datetime.now(UTC)
        t, client = thresholds, self.client
        exceptions = await gather_exceptions(client, self.owners, LIST_LIMIT)
        findings = exception_findings(exceptions.kinds, t, now)
        at_risk, total = await gather_at_risk(client, now, t.at_risk_hours, LIST_LIMIT)
        if total:
            passed = sum(row.ship_by <= now for row in at_risk)
            findings.append(
                Finding(
                    key="at-risk",
                    check="at-risk",
                    role=OPS,
                    severity=Severity.HIGH if passed else Severity.MEDIUM,
                    summary=f"{total} order(s) not dispatched with the ship-by within "
                    f"{t.at_risk_hours:g}h ({passed} passed); first {at_risk[0].workflow_id}",
                    first_step="chase GXO about these orders' dispatch",
                )
            )
        cutoff = visibility_time(now - timedelta(hours=t.awaiting_payment_hours))
        waiting = await _count(
            client,
            f"{ORDERS} AND {RUNNING} AND {sa.ORDER_STAGE.name} = "
            f"'{OrderStage.AWAITING_PAYMENT.value}' AND StartTime < {cutoff}",
        )
        if waiting:
            findings.append(
                Finding(
                    key="awaiting-payment",
                    check="awaiting-payment",
                    role=ECOM,
                    severity=Severity.MEDIUM,
                    summary=f"{waiting} order(s) awaiting payment for over "
                    f"{t.awaiting_payment_hours:g}h",
                    first_step="release the hold or cancel the order in the channel's admin",
                )
            )
        findings += intake_findings(await gather_intakes(client, self.expected_intakes), t, now)
        findings += stock_findings(await gather_stock(client, self.engine, self.expected_syncs))
        unmatched = await asyncio.to_thread(list_unmatched, self.engine)
        if unmatched:
            reasons = Counter(row.reason or "NO_ORDER" for row in unmatched)
            findings.append(
                Finding(
                    key="unmatched",
                    check="unmatched",
                    role=OPS,
                    severity=Severity.MEDIUM,
                    summary=f"{len(unmatched)} unmatched warehouse event(s): "
                    + ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())),
                    first_step="consign unmatched list; find the order, ask GXO to correct it",
                )
            )
        return Found(findings=findings)

    @activity.defn(name="write_daily_report")
    async def write_daily_report(self, request: DailyReportRequest) -> DailyReportWritten:
        """The daily check as `consign report daily` writes it, into the reports directory
        (rewritten whole on a retry: idempotent)."""
        if self.reports_dir is None:
            raise ApplicationError(
                "CONSIGN_REPORTS_DIR is empty: no daily report",
                type="NOT_CONFIGURED",
                non_retryable=True,
            )
        report = await gather_report(
            self.client,
            self.engine,
            day=request.day,
            now=datetime.now(UTC),
            at_risk_hours=24,
            owners=self.owners,
            expected_intakes=self.expected_intakes,
            expected_syncs=self.expected_syncs,
        )
        markdown, html = await asyncio.to_thread(write_report, report, self.reports_dir)
        return DailyReportWritten(
            markdown=str(markdown),
            html=str(html),
            exceptions=report.exceptions_total,
            at_risk=report.at_risk_total,
        )

    @activity.defn(name="send_alerts")
    async def send_alerts(self, batch: AlertBatch) -> int:
        """Send each alert to every configured URL; returns how many went out. Without URLs
        the alerts are only logged (titles: no personal data)."""
        for alert in batch.alerts:
            activity.logger.info("alert: %s", alert.title)
        if not self.alert_urls or not batch.alerts:
            return 0
        return await asyncio.to_thread(self._notify, batch.alerts)

    def _notify(self, alerts: list[Alert]) -> int:
        import apprise

        service = apprise.Apprise()
        for url in self.alert_urls:
            if not service.add(url):
                raise ValueError("an alert URL is not one Apprise can use (CONSIGN_ALERT_URLS)")
        for alert in alerts:
            kind = getattr(apprise.NotifyType, alert.level.upper())
            if not service.notify(title=alert.title, body=alert.body, notify_type=kind):
                raise AlertNotSent(f"no alert service accepted {alert.title!r}")
        return len(alerts)
