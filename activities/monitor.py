"""The Monitor's activities: check what docs/operations.md asks people to check and turn it
into findings (check_health), and send alerts through Apprise (send_alerts).

The check reads Temporal visibility, the workflows' own queries and the store with the daily
report's gatherers (reporting/daily_report.py), so the report and the alerts never disagree."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from domain import search_attributes as sa
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
from domain.owners import DEFAULT_CHECK_OWNERS, DEFAULT_OWNERS, Check, Owner
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

LIST_LIMIT = 200  # orders read per check for ages and ids (counts come from count queries)
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


def _finding(key: str, check: str, owner: Owner, summary: str) -> Finding:
    """A finding with its owner's role, severity and first step (the owner table)."""
    return Finding(
        key=key,
        check=check,
        role=owner.role,
        severity=owner.severity,
        summary=summary,
        first_step=owner.first_step,
    )


def _kind(value: str | None) -> ExceptionKind:
    try:
        return ExceptionKind(value or "")
    except ValueError:
        return ExceptionKind.UNEXPECTED_ERROR  # failing for good under no kind it names


def _silent_since(row: IntakeRow, t: Thresholds, now: datetime) -> datetime | None:
    """When the intake last polled successfully, or when its run started if it has not in
    this run (its last success is not carried across continue-as-new), once that is longer
    ago than the threshold; None while it is not silent."""
    if row.workflow_type in NOT_TIMED:
        return None
    since = row.last_poll_at or row.run_started_at
    if since is None or now - since <= timedelta(minutes=t.intake_silent_minutes):
        return None
    return since


def intake_findings(
    rows: list[IntakeRow],
    t: Thresholds,
    now: datetime,
    owners: dict[ExceptionKind, Owner] = DEFAULT_OWNERS,
    checks: dict[Check, Owner] = DEFAULT_CHECK_OWNERS,
) -> list[Finding]:
    """One finding per intake that is not running, paused (the owner of the kind it paused
    under: CHANNEL_AUTH_FAILED is engineering's, with its first step), silent, or retrying."""
    found = []
    for row in rows:
        problem: tuple[Owner, str] | None = None
        silent = _silent_since(row, t, now)
        if not row.answering:
            problem = (
                checks[Check.INTAKE_STOPPED],
                f"{row.workflow_type} {row.workflow_id} is {row.state}",
            )
        elif row.paused:
            kind = row.last_error_kind or "failing for good"
            problem = owners[_kind(row.last_error_kind)], f"{row.workflow_id} paused: {kind}"
        elif silent is not None:
            what = "" if row.last_poll_at else " since its run started"
            problem = (
                checks[Check.INTAKE_SILENT],
                f"{row.workflow_id} has not polled successfully{what} for {_age(silent, now)}",
            )
        elif row.retrying is not None:
            problem = owners[ExceptionKind.ACTIVITY_RETRYING], f"{row.workflow_id} retrying a call"
        if problem:
            found.append(_finding(f"intake:{row.workflow_id}", "intake", *problem))
    return found


def stock_findings(
    rows: list[StockRow],
    owners: dict[ExceptionKind, Owner] = DEFAULT_OWNERS,
    checks: dict[Check, Owner] = DEFAULT_CHECK_OWNERS,
) -> list[Finding]:
    found = []
    for row in rows:
        base = f"stock:{row.workflow_id}"
        if row.state != "running":
            summary = f"{row.workflow_id} is {row.state}"
            found.append(_finding(base, "stock", checks[Check.STOCK_STOPPED], summary))
            continue
        counted = (
            ("stalled", len(row.stalled), owners[ExceptionKind.INVENTORY_SYNC_STALLED]),
            ("rejected", len(row.rejected), owners[ExceptionKind.INVENTORY_PUSH_REJECTED]),
            ("drifted", len(row.drift) + row.ledger_drift, checks[Check.STOCK_DRIFT]),
        )
        found += [
            _finding(
                f"{base}:{'drift' if what == 'drifted' else what}",
                "stock",
                owner,
                f"{row.workflow_id}: {count} SKU(s) {what}",
            )
            for what, count, owner in counted
            if count
        ]
        if row.last_error:
            summary = f"{row.workflow_id}: last cycle failed"
            found.append(_finding(f"{base}:error", "stock", checks[Check.STOCK_ERROR], summary))
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
        check_owners: dict[Check, Owner] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.clock = clock  # tests fix it: the ages in a finding's summary are read from it
        self.engine = engine
        self.owners = owners
        self.expected_intakes = expected_intakes
        self.expected_syncs = expected_syncs
        self.alert_urls = alert_urls
        self.reports_dir = reports_dir
        self.checks = DEFAULT_CHECK_OWNERS if check_owners is None else check_owners

    @activity.defn(name="check_health")
    async def check_health(self, thresholds: Thresholds) -> Found:
        """Everything the daily checks look at, as findings; reads only."""
        from store.unmatched import list_unmatched

        now = self.clock()
        t, client = thresholds, self.client
        exceptions = await gather_exceptions(client, self.owners, LIST_LIMIT)
        findings = exception_findings(exceptions.kinds, t, now)
        findings += await self._at_risk(t, now)
        findings += await self._awaiting_payment(t, now)
        intakes = await gather_intakes(client, self.expected_intakes)
        findings += intake_findings(intakes, t, now, self.owners, self.checks)
        stock = await gather_stock(client, self.engine, self.expected_syncs)
        findings += stock_findings(stock, self.owners, self.checks)
        unmatched = await asyncio.to_thread(list_unmatched, self.engine)
        if unmatched:
            reasons = Counter(row.reason or "NO_ORDER" for row in unmatched)
            summary = f"{len(unmatched)} unmatched warehouse event(s): " + ", ".join(
                f"{n} {reason}" for reason, n in sorted(reasons.items())
            )
            findings.append(
                _finding("unmatched", "unmatched", self.checks[Check.UNMATCHED], summary)
            )
        return Found(findings=findings)

    async def _at_risk(self, t: Thresholds, now: datetime) -> list[Finding]:
        """Orders not dispatched with the ship-by near: SHIP_BY_AT_RISK's owner, or once a
        ship-by has passed SHIP_BY_MISSED's (the same finding, its severity risen)."""
        at_risk, total = await gather_at_risk(self.client, now, t.at_risk_hours, LIST_LIMIT)
        if not total:
            return []
        passed = sum(row.ship_by <= now for row in at_risk)
        kind = ExceptionKind.SHIP_BY_MISSED if passed else ExceptionKind.SHIP_BY_AT_RISK
        summary = (
            f"{total} order(s) not dispatched with the ship-by within {t.at_risk_hours:g}h "
            f"({passed} passed); first {at_risk[0].workflow_id}"
        )
        return [_finding("at-risk", "at-risk", self.owners[kind], summary)]

    async def _awaiting_payment(self, t: Thresholds, now: datetime) -> list[Finding]:
        cutoff = visibility_time(now - timedelta(hours=t.awaiting_payment_hours))
        waiting = await _count(
            self.client,
            f"{ORDERS} AND {RUNNING} AND {sa.ORDER_STAGE.name} = "
            f"'{OrderStage.AWAITING_PAYMENT.value}' AND StartTime < {cutoff}",
        )
        if not waiting:
            return []
        summary = f"{waiting} order(s) awaiting payment for over {t.awaiting_payment_hours:g}h"
        return [
            _finding(
                "awaiting-payment", "awaiting-payment", self.checks[Check.AWAITING_PAYMENT], summary
            )
        ]

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
