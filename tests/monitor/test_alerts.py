"""Alerts: what a check's changes become (one per finding, a digest for many), and that
send_alerts reaches the local receiver through Apprise's json:// URL as the dev stack sets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from activities.monitor import AlertNotSent, MonitorActivities, exception_findings
from domain.exceptions import ExceptionKind
from domain.monitor import DIGEST_OVER, Alert, Finding, Thresholds, alerts_for, compare
from domain.owners import Owner, OwnerRole, Severity
from reporting.daily_report import ExceptionRow, KindCount
from sandbox.alerts.app import create_app
from sandbox.server import ServerThread, free_port


def finding(key: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        key=key,
        check="exceptions",
        role=OwnerRole.OPERATIONS,
        severity=severity,
        summary=f"{key} holds",
        first_step="fix it",
    )


def test_a_finding_is_raised_once_and_resolved_once() -> None:
    a, b = finding("a"), finding("b", Severity.LOW)
    first = compare({}, [b, a])
    assert [f.key for f in first.raised] == ["a", "b"] and first.resolved == []  # urgent first
    again = compare({"a": a, "b": b}, [a.model_copy(update={"summary": "a, more"}), b])
    assert not again  # the same findings (a count that moved) raise nothing
    cleared = compare({"a": a, "b": b}, [b])
    assert cleared.raised == [] and [f.key for f in cleared.resolved] == ["a"]


def test_few_changes_are_one_alert_each_and_many_one_digest() -> None:
    few = alerts_for(compare({"old": finding("old")}, [finding("new")]), "prod")
    assert [a.title for a in few] == ["[high] new holds", "resolved: old holds"]
    assert [a.level for a in few] == ["failure", "success"]
    assert "owner: operations" in few[0].body and "first step: fix it" in few[0].body

    many = [finding(f"k{i}", Severity.MEDIUM) for i in range(DIGEST_OVER + 1)]
    [digest] = alerts_for(compare({}, many), "prod")
    assert digest.title == f"{DIGEST_OVER + 1} raised, 0 resolved"
    assert digest.level == "warning" and digest.body.count("- [medium] operations:") == 6


def activities(urls: list[str]) -> MonitorActivities:
    return MonitorActivities(
        client=None,  # type: ignore[arg-type]  # send_alerts needs neither client nor store
        engine=None,  # type: ignore[arg-type]
        owners={},
        expected_intakes={},
        expected_syncs=[],
        alert_urls=urls,
    )


def test_alerts_reach_the_local_receiver_through_apprise() -> None:
    with ServerThread(create_app()) as receiver:
        url = f"json://127.0.0.1:{receiver.port}/alerts"
        alert = Alert(
            title="[high] 2 order(s) with UNMAPPED_SKU", body="owner: operations", level="failure"
        )
        sent = activities([url])._notify([alert])
        assert sent == 1
        [received] = httpx.get(f"{receiver.url}/alerts").json()
        assert received["title"] == alert.title and received["message"] == alert.body
        assert received["type"] == "failure"


def test_an_alert_no_service_takes_is_a_failure_to_retry() -> None:
    dead = f"json://127.0.0.1:{free_port()}/alerts"
    with pytest.raises(AlertNotSent):
        activities([dead])._notify([Alert(title="t", body="b", level="warning")])


def test_an_unusable_alert_url_is_named_without_its_value() -> None:
    with pytest.raises(ValueError, match="CONSIGN_ALERT_URLS") as failure:
        activities(["nonsense://secret-token"])._notify([Alert(title="t", body="b", level="info")])
    assert "secret-token" not in str(failure.value)


def test_the_receiver_refuses_what_is_not_a_json_object() -> None:
    with ServerThread(create_app()) as receiver:
        assert httpx.post(f"{receiver.url}/alerts", content=b"[1]").status_code == 400
        assert httpx.post(f"{receiver.url}/alerts", content=b"nope").status_code == 400
        assert httpx.get(f"{receiver.url}/alerts").json() == []


def test_an_exception_kind_is_raised_with_its_own_count_once_its_oldest_is_old() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    owner = Owner(role=OwnerRole.OPERATIONS, severity=Severity.HIGH, first_step="fix it")

    def counted(kind: ExceptionKind, count: int, age: timedelta | None) -> KindCount:
        row = ExceptionRow(
            workflow_id="order:centra:shop:1",
            channel="centra",
            order_id="1",
            stage="EXCEPTION",
            kind=kind,
            owner=owner,
            raised_at=now - age if age is not None else None,
            started_at=None,
        )
        return KindCount(kind=kind, owner=owner, count=count, oldest=row if age else None)

    kinds = [
        counted(ExceptionKind.UNMAPPED_CARRIER, 7, timedelta(hours=1)),
        counted(ExceptionKind.RETURN_MISMATCH, 2, timedelta(hours=2)),
        counted(ExceptionKind.UNMAPPED_SKU, 3, timedelta(minutes=1)),  # not old enough yet
        counted(ExceptionKind.CAPTURE_FAILED, 1, None),  # cleared between count and list
    ]
    found = {f.key: f for f in exception_findings(kinds, Thresholds(), now)}
    assert set(found) == {"exceptions:UNMAPPED_CARRIER", "exceptions:RETURN_MISMATCH"}
    carrier = found["exceptions:UNMAPPED_CARRIER"]
    assert carrier.summary == "7 order(s) with UNMAPPED_CARRIER, oldest order:centra:shop:1 (1h 0m)"
    assert carrier.first_step == "fix it" and carrier.role is OwnerRole.OPERATIONS
    assert found["exceptions:RETURN_MISMATCH"].summary.startswith("2 return(s) with")


def test_a_severity_that_rises_is_alerted_again_and_one_that_falls_is_not() -> None:
    """An intake retrying (low) that pauses (high), orders at risk whose ship-by passes: the
    same key, so compare used to see nothing new."""
    retrying = finding("intake:x", Severity.LOW)
    paused = finding("intake:x", Severity.HIGH)
    rose = compare({"intake:x": retrying}, [paused])
    assert rose and rose.raised == [] and rose.resolved == []
    [alert] = alerts_for(rose, "prod")
    assert alert.title == "[high, was low] intake:x holds" and alert.level == "failure"
    assert alert.body.startswith("severity rose from low to high\n")
    fell = compare({"intake:x": paused}, [retrying])
    assert not fell and alerts_for(fell, "prod") == []


def test_a_digest_names_the_findings_whose_severity_rose() -> None:
    before = {f"k{i}": finding(f"k{i}", Severity.MEDIUM) for i in range(DIGEST_OVER)}
    now = [*before.values(), finding("k0", Severity.HIGH), finding("new")]
    now = [f for f in now if not (f.key == "k0" and f.severity is Severity.MEDIUM)]
    changes = compare(before, [*now, *(finding(f"n{i}") for i in range(DIGEST_OVER))])
    [digest] = alerts_for(changes, "prod")
    assert digest.title == f"{DIGEST_OVER + 2} raised, 0 resolved"  # the risen one raised again
    assert "- [high, was medium] operations: k0 holds" in digest.body
