"""Every Monitor finding takes its owner, severity and first step from the owner table (an
intake paused under a kind from that kind's row; the other checks from DEFAULT_CHECK_OWNERS),
overridable by CONSIGN_OWNERS_FILE; its thresholds come from the settings; an intake with no
successful poll in its current run is silent once the run is older than the threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.monitor import intake_findings, stock_findings
from config import read_settings
from domain.exceptions import ExceptionKind
from domain.monitor import Thresholds
from domain.owners import (
    DEFAULT_CHECK_OWNERS,
    DEFAULT_OWNERS,
    Check,
    OwnerRole,
    Severity,
    parse_check_overrides,
    parse_overrides,
)
from monitoring import thresholds
from reporting.daily_report import IntakeRow, StockRow

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
OVERRIDES = (
    "kind,role,severity,first_step\n"
    "CHANNEL_AUTH_FAILED,operations,,call the agency that holds the Centra login\n"
    "intake-silent,,medium,\n"
    "stock-drift,operations,,count the shelf\n"
)


def row(workflow_id: str, **fields: object) -> IntakeRow:
    return IntakeRow.model_validate(
        {"workflow_id": workflow_id, "workflow_type": "ChannelIntake", "state": "running", **fields}
    )


def test_a_paused_intake_says_who_acts_and_what_first() -> None:
    paused = row("intake:centra:b", last_error="401", last_error_kind="CHANNEL_AUTH_FAILED")
    [finding] = intake_findings([paused], Thresholds(), NOW)
    owner = DEFAULT_OWNERS[ExceptionKind.CHANNEL_AUTH_FAILED]
    assert (finding.role, finding.severity, finding.first_step) == (
        owner.role,
        owner.severity,
        owner.first_step,
    )
    assert finding.first_step.startswith("renew the channel credential")
    unbalanced = row("s", last_error="x", last_error_kind="SETTLEMENT_UNBALANCED")
    [settlement] = intake_findings([unbalanced], Thresholds(), NOW)
    assert (settlement.role, settlement.severity) == (OwnerRole.FINANCE, Severity.MEDIUM)


def test_the_override_file_routes_intake_and_stock_findings() -> None:
    owners, checks = parse_overrides(OVERRIDES), parse_check_overrides(OVERRIDES)
    paused = row("intake:centra:b", last_error="401", last_error_kind="CHANNEL_AUTH_FAILED")
    silent = row("warehouse:X", last_poll_at=NOW - timedelta(hours=1))
    found = intake_findings([paused, silent], Thresholds(), NOW, owners, checks)
    assert (found[0].role, found[0].first_step) == (
        OwnerRole.OPERATIONS,
        "call the agency that holds the Centra login",
    )
    assert found[1].severity is Severity.MEDIUM
    assert found[1].first_step == DEFAULT_CHECK_OWNERS[Check.INTAKE_SILENT].first_step
    drift = StockRow(workflow_id="inventory:amazon:A1", state="running", ledger_drift=2)
    [drifted] = stock_findings([drift], owners, checks)
    assert (drifted.role, drifted.first_step) == (OwnerRole.OPERATIONS, "count the shelf")


def test_retrying_and_stopped_intakes_have_their_owners() -> None:
    retrying = row("a", retrying="poll: 10 attempts")
    stopped = row("b", state="not running (terminated)")
    found = {f.key: f for f in intake_findings([retrying, stopped], Thresholds(), NOW)}
    assert found["intake:a"].severity is Severity.LOW
    assert (
        found["intake:a"].first_step == DEFAULT_OWNERS[ExceptionKind.ACTIVITY_RETRYING].first_step
    )
    assert found["intake:b"].first_step == DEFAULT_CHECK_OWNERS[Check.INTAKE_STOPPED].first_step


def test_an_intake_with_no_success_in_its_current_run_is_silent_once_the_run_is_old() -> None:
    """last_success_at is not carried across continue-as-new: a run that never polled
    successfully was never counted silent."""
    stuck = row("intake:amazon:A1", run_started_at=NOW - timedelta(hours=2))
    [finding] = intake_findings([stuck], Thresholds(), NOW)
    assert finding.summary == (
        "intake:amazon:A1 has not polled successfully since its run started for 2h 0m"
    )
    fresh = row("intake:amazon:A1", run_started_at=NOW - timedelta(minutes=1))
    assert intake_findings([fresh], Thresholds(), NOW) == []
    products = stuck.model_copy(update={"workflow_type": "ProductSync"})
    assert intake_findings([products], Thresholds(), NOW) == []  # not timed


def test_the_thresholds_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSIGN_MONITOR_AT_RISK_HOURS", "6")
    monkeypatch.setenv("CONSIGN_MONITOR_AWAITING_PAYMENT_HOURS", "24")
    monkeypatch.setenv("CONSIGN_MONITOR_INTAKE_SILENT_MINUTES", "15")
    monkeypatch.setenv("CONSIGN_MONITOR_EXCEPTION_MINUTES", "0")
    assert thresholds(read_settings([])) == Thresholds(
        exception_minutes=0, at_risk_hours=6, awaiting_payment_hours=24, intake_silent_minutes=15
    )
