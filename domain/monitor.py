"""The health monitor's findings and how they turn into alerts: each finding is raised once,
while it holds, and resolved once when it clears (no alert storms), and many changes at once
go out as one digest. Pure: the Monitor workflow carries the open findings across runs.

A finding's `key` names what is wrong (a kind of exception, one intake, one stock sync), not its
size, so a count that changes between checks is the same finding and raises nothing new; a
severity that rises (an intake retrying that pauses, an at-risk ship-by that passes) is alerted
again, saying so, and one that falls is not. Its
text carries counts, kinds, workflow ids and SKUs only: never an exception's message (it may
name a field of a buyer's address) or anything personal."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from domain.owners import OwnerRole, Severity

# An alert names its finding's key: a summary's counts and ages move between the alert that
# raised a finding and the one that resolved it, the key does not.
FINDING_LINE = "finding: "
DIGEST_OVER = 5  # more raised and resolved findings than this in one check go out as one alert


class Thresholds(BaseModel):
    """When a state becomes a finding (docs/operations.md, "Health monitor")."""

    exception_minutes: float = 5  # an exception kind is raised once its oldest is this old
    at_risk_hours: float = 12  # not dispatched with the ship-by this close (or passed)
    awaiting_payment_hours: float = 48  # an order waiting for payment longer than this
    intake_silent_minutes: float = 30  # an intake with no successful poll for this long


class Finding(BaseModel):
    key: str  # e.g. "exceptions:UNMAPPED_SKU", "intake:<workflow id>": stable while it holds
    check: str  # which check found it: exceptions, at-risk, awaiting-payment, intake, ...
    role: OwnerRole
    severity: Severity
    summary: str  # one PII-free line
    first_step: str = ""  # what the owner does first (domain/owners.py), when one applies


class Risen(BaseModel):
    """An open finding that is now more urgent than when it was alerted (an intake retrying
    that paused; orders at risk whose ship-by passed)."""

    finding: Finding
    was: Severity


class Changes(BaseModel):
    """What one check changed: findings newly raised, open ones whose severity rose, and open
    ones that cleared. A severity that falls changes nothing anyone is told."""

    raised: list[Finding]
    resolved: list[Finding]
    risen: list[Risen] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.raised or self.resolved or self.risen)


def compare(open_findings: dict[str, Finding], found: list[Finding]) -> Changes:
    """Raised: found now and not open before. Risen: open before, found now with a higher
    severity. Resolved: open before and not found now."""
    now = {finding.key: finding for finding in found}
    risen = [
        Risen(finding=f, was=open_findings[k].severity)
        for k, f in now.items()
        if k in open_findings and f.severity.rank < open_findings[k].severity.rank
    ]
    return Changes(
        raised=sorted((f for k, f in now.items() if k not in open_findings), key=_urgency),
        resolved=sorted((f for k, f in open_findings.items() if k not in now), key=_urgency),
        risen=sorted(risen, key=lambda r: _urgency(r.finding)),
    )


def _urgency(finding: Finding) -> tuple[int, str]:
    return finding.severity.rank, finding.key


class Alert(BaseModel):
    """One message for the notification service."""

    title: str
    body: str
    level: str  # "failure" (high), "warning" (medium or low), "success" (resolved)


def alerts_for(changes: Changes, source: str) -> list[Alert]:
    """One alert per raised, risen or resolved finding; a digest when more than DIGEST_OVER."""
    if len(changes.raised) + len(changes.risen) + len(changes.resolved) > DIGEST_OVER:
        return [_digest(changes, source)]
    alerts = [
        Alert(
            title=f"[{f.severity.value}] {f.summary}",
            body=_lines(f, source),
            level="failure" if f.severity is Severity.HIGH else "warning",
        )
        for f in changes.raised
    ]
    alerts += [
        Alert(
            title=f"[{r.finding.severity.value}, was {r.was.value}] {r.finding.summary}",
            body=f"severity rose from {r.was.value} to {r.finding.severity.value}\n"
            + _lines(r.finding, source),
            level="failure" if r.finding.severity is Severity.HIGH else "warning",
        )
        for r in changes.risen
    ]
    alerts += [
        Alert(title=f"resolved: {f.summary}", body=_lines(f, source), level="success")
        for f in changes.resolved
    ]
    return alerts


def _lines(finding: Finding, source: str) -> str:
    lines = [
        f"owner: {finding.role.value}",
        f"check: {finding.check}",
        f"{FINDING_LINE}{finding.key}",  # the same line when it is raised and when resolved
        f"from: {source}",
    ]
    if finding.first_step:
        lines.insert(1, f"first step: {finding.first_step}")
    return "\n".join(lines)


def _digest(changes: Changes, source: str) -> Alert:
    lines = [f"raised ({len(changes.raised)}):"]
    lines += [
        f"- [{f.severity.value}] {f.role.value}: {f.summary} ({FINDING_LINE}{f.key})"
        for f in changes.raised
    ]
    if changes.risen:
        lines += [f"severity rose ({len(changes.risen)}):"]
        lines += [
            f"- [{r.finding.severity.value}, was {r.was.value}] {r.finding.role.value}: "
            f"{r.finding.summary} ({FINDING_LINE}{r.finding.key})"
            for r in changes.risen
        ]
    lines += [f"resolved ({len(changes.resolved)}):"]
    lines += [f"- {f.role.value}: {f.summary} ({FINDING_LINE}{f.key})" for f in changes.resolved]
    lines.append(f"from: {source}")
    urgent = changes.raised + [r.finding for r in changes.risen]
    high = any(f.severity is Severity.HIGH for f in urgent)
    return Alert(  # a finding whose severity rose is raised again: counted with the raised
        title=f"{len(urgent)} raised, {len(changes.resolved)} resolved",
        body="\n".join(lines),
        level="failure" if high else "warning" if urgent else "success",
    )


class Found(BaseModel):
    """What one check found (the check_health activity's result)."""

    findings: list[Finding]


class DailyReportRequest(BaseModel):
    """The write_daily_report activity's argument: the day the report is named for."""

    day: date


class DailyReportWritten(BaseModel):
    """Where the daily report went, and the two figures its alert leads with."""

    markdown: str
    html: str
    exceptions: int
    at_risk: int


def daily_report_alert(written: DailyReportWritten, day: date, source: str) -> Alert:
    return Alert(
        title=f"daily report {day.isoformat()}: {written.exceptions} exception(s), "
        f"{written.at_risk} order(s) at risk",
        body=f"{written.markdown}\n{written.html}\nfrom: {source}",
        level="warning" if written.exceptions or written.at_risk else "success",
    )


class AlertBatch(BaseModel):
    """The send_alerts activity's argument."""

    alerts: list[Alert]
