"""The demo operations scene's checks: the finding of the parked orders is alerted raised and
then resolved (the same finding, not any raised alert beside any resolved one), and every
retry's answer shows its order reached GXO."""

from __future__ import annotations

from typing import Any

from domain.lifecycle import OperatorAnswer, OrderStage
from domain.monitor import DIGEST_OVER, Changes, Finding, alerts_for
from domain.owners import OwnerRole, Severity
from starter.demo_operations import OperationsOutcome
from starter.demo_parts import Answered

ALERT_CHECK = "a parked orders' alert raised, and the same finding resolved after the retry"
ANSWER_CHECK = "every retry answered: its order reached GXO (INJECTED or later)"
PARKED = "exceptions:UNMAPPED_SKU"


def finding(key: str, summary: str) -> Finding:
    return Finding(
        key=key, check=key.split(":")[0], role=OwnerRole.OPERATIONS, severity=Severity.HIGH,
        summary=summary,
    )  # fmt: skip


def received(raised: list[Finding], resolved: list[Finding]) -> list[dict[str, Any]]:
    """What the local receiver holds for one check's changes (title and message)."""
    alerts = alerts_for(Changes(raised=raised, resolved=resolved), "demo")
    return [{"title": a.title, "message": a.body} for a in alerts]


def answered(*stages: OrderStage) -> dict[str, list[Answered]]:
    return {
        "amazon": [
            Answered(f"O{i}", OperatorAnswer(action="retry", stage=stage))
            for i, stage in enumerate(stages)
        ]
    }


def checks(alerts: list[dict[str, Any]], *stages: OrderStage) -> dict[str, bool]:
    return OperationsOutcome(alerts=alerts, answers=answered(*stages)).checks()


def test_the_parked_orders_finding_raised_then_resolved_passes() -> None:
    """Its summary moved (count, age) between the two alerts; the key did not."""
    alerts = [
        *received([finding(PARKED, "1 order(s) with UNMAPPED_SKU, oldest A (0 min)")], []),
        *received([], [finding(PARKED, "3 order(s) with UNMAPPED_SKU, oldest A (2 min)")]),
    ]
    found = checks(alerts, OrderStage.INJECTED, OrderStage.SHIPPED)
    assert found[ALERT_CHECK] and found[ANSWER_CHECK]


def test_another_finding_resolved_beside_the_raised_one_fails() -> None:
    intake = finding("intake:intake:amazon:A1", "intake:amazon:A1 paused")
    alerts = [
        *received([finding(PARKED, "1 order(s) with UNMAPPED_SKU")], []),
        *received([intake], []),
        *received([], [intake]),
    ]
    assert not checks(alerts, OrderStage.INJECTED)[ALERT_CHECK]


def test_resolved_before_it_was_raised_fails() -> None:
    parked = finding(PARKED, "1 order(s) with UNMAPPED_SKU")
    alerts = [*received([], [parked]), *received([parked], [])]
    assert not checks(alerts, OrderStage.INJECTED)[ALERT_CHECK]


def test_digests_are_read_too() -> None:
    many = [finding(f"at-risk:{i}", f"{i} at risk") for i in range(DIGEST_OVER)]
    parked = finding(PARKED, "2 order(s) with UNMAPPED_SKU")
    alerts = [*received([parked, *many], []), *received([], [parked, *many])]
    assert [a["title"] for a in alerts] == [
        f"{DIGEST_OVER + 1} raised, 0 resolved",
        f"0 raised, {DIGEST_OVER + 1} resolved",
    ]
    assert checks(alerts, OrderStage.INJECTED)[ALERT_CHECK]


def test_a_retry_answered_short_of_gxo_fails() -> None:
    alerts = [
        *received([finding(PARKED, "1")], []),
        *received([], [finding(PARKED, "1")]),
    ]
    for stage in (OrderStage.EXCEPTION, OrderStage.PLANNING, OrderStage.RECEIVED):
        assert not checks(alerts, OrderStage.INJECTED, stage)[ANSWER_CHECK], stage
    assert not checks(alerts)[ANSWER_CHECK]  # no retry answered at all
