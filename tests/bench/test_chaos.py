"""The chaos run's own arithmetic: when an intake counts as recovered, and what each exact
check flags in the sandboxes' records (the run itself: tests/e2e/test_chaos.py)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.chaos import WATCHED, Disruption, Orders, Records, Sample, exact_checks, recovery
from starter.demo_parts import GxoRecords

AMAZON, AFN, CENTRA = "203-0000001-0000001", "203-0000002-0000002", "10001"


def test_recovery_counts_only_answers_to_queries_asked_after_the_disruption() -> None:
    samples = [
        Sample(asked=9.0, answered=10.5, value=5),  # asked before the kill: may predate it
        Sample(asked=10.2, answered=10.4, value=4),  # the baseline, not progress
        Sample(asked=14.0, answered=14.3, value=5),
        Sample(asked=15.0, answered=15.1, value=6),
    ]
    assert recovery(10.0, 4, samples) == pytest.approx(4.3)
    assert recovery(10.0, 6, samples) is None


def gxo_records(parcels: dict[str, list[str]], created: dict[str, int]) -> GxoRecords:
    return GxoRecords.by_order_id(
        injections={o: {"channel_order_id": o, "created": n} for o, n in created.items()},
        orders=[
            {
                "reference": o,
                "channel_order_id": o,
                "parcels": [{"tracking_number": t} for t in tracking],
                "lines": [{"channel_line_id": "1", "shipped": len(tracking)}],
            }
            for o, tracking in parcels.items()
        ],
        cancels=[],
    )


def amazon_order(tracking: list[str]) -> dict[str, Any]:
    packages = {f"P{i}": {"tracking_number": t, "items": {"1": 1}} for i, t in enumerate(tracking)}
    return {"order_id": AMAZON, "packages": packages}


def centra_order(tracking: list[str]) -> dict[str, Any]:
    shipments = [
        {
            "number": f"S{i}",
            "shipment_info": {"trackingNumber": t},
            "is_shipped": True,
            "captured": True,
        }
        for i, t in enumerate(tracking)
    ]
    return {
        "number": int(CENTRA),
        "lines": [{"id": 1, "shipped_quantity": len(tracking)}],
        "shipments": shipments,
    }


def records(**changes: Any) -> Records:
    """A run where everything went right; `changes` break one thing."""
    found = Records(
        amazon={AMAZON: amazon_order(["T1", "T2"])},
        confirmations=[
            {
                "order_id": AMAZON,
                "tracking_number": t,
                "package_reference_id": f"P{i}",
                "edited": False,
            }
            for i, t in enumerate(["T1", "T2"])
        ],
        centra={CENTRA: centra_order(["T3"])},
        gxo=gxo_records({AMAZON: ["T1", "T2"], CENTRA: ["T3"]}, {AMAZON: 1, CENTRA: 1}),
        workflows={AMAZON: ("COMPLETED", "SHIPPED"), CENTRA: ("COMPLETED", "SHIPPED")},
        problems=[],
        pending={},
    )
    for name, value in changes.items():
        setattr(found, name, value)
    return found


ORDERS = Orders(amazon_mfn=[AMAZON], amazon_afn=[AFN], centra=[CENTRA])


def failed(found: Records, disruptions: list[Disruption] | None = None) -> dict[str, list[str]]:
    checks = exact_checks(found, ORDERS, disruptions or [], bound=20.0)
    return {c.name: c.failures for c in checks if not c.ok}


def test_a_clean_run_passes_every_check() -> None:
    assert failed(records()) == {}


@pytest.mark.parametrize(
    ("broken", "check", "named"),
    [
        ({"workflows": {AMAZON: ("COMPLETED", "SHIPPED")}}, "got a workflow", CENTRA),
        (
            {"workflows": {AMAZON: ("RUNNING", "INJECTED"), CENTRA: ("COMPLETED", "SHIPPED")}},
            "nothing stuck",
            f"{AMAZON} RUNNING INJECTED",
        ),
        (
            {"gxo": gxo_records({AMAZON: ["T1", "T2"], CENTRA: ["T3"]}, {AMAZON: 2, CENTRA: 1})},
            "exactly once",
            f"{AMAZON} created x2",
        ),
        (
            {
                "gxo": gxo_records(
                    {AMAZON: ["T1", "T2"], CENTRA: ["T3"]}, {AMAZON: 1, CENTRA: 1, AFN: 1}
                )
            },
            "no AFN",
            AFN,
        ),
        ({"centra": {CENTRA: centra_order(["T3", "T3"])}}, "confirmed to its channel", CENTRA),
        ({"amazon": {AMAZON: amazon_order(["T1"])}}, "confirmed to its channel", AMAZON),
        ({"problems": ["order:amazon:x:y"]}, "TemporalReportedProblems", "order:amazon:x:y"),
    ],
)
def test_each_check_names_what_broke_it(broken: dict[str, Any], check: str, named: str) -> None:
    found = failed(records(**broken))
    (name,) = [n for n in found if check in n]
    assert named in found[name]


def test_a_tracking_number_under_two_packages_is_a_duplicate_confirmation() -> None:
    resent = {
        "order_id": AMAZON,
        "tracking_number": "T1",
        "package_reference_id": "P9",
        "edited": False,
    }
    found = records()
    found.confirmations.append(resent)
    assert failed(found) == {
        "no tracking number confirmed under two Amazon packages": [f"{AMAZON} T1"]
    }


def test_a_stall_past_the_bound_or_without_recovery_fails_the_run() -> None:
    label = WATCHED[0].label
    slow = Disruption("worker kill", 100.0, {label: 3}, recovered={label: 25.0})
    quick = Disruption("worker kill", 110.0, {label: 3}, recovered={label: 5.0})
    never = Disruption("Temporal restart", 120.0, {label: 3}, recovered={label: None})
    found = failed(records(), [slow, quick, never])
    assert list(found.values()) == [
        [f"worker kill +0s: {label} 25.0s", f"Temporal restart +20s: {label} never recovered"]
    ]
