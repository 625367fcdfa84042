"""The chaos run's own arithmetic: when an intake counts as recovered, and what each exact
check flags in the sandboxes' records (the run itself: tests/e2e/test_chaos.py)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from bench import chaos
from bench.chaos import (
    WATCHED,
    Disruption,
    Orders,
    Records,
    Sample,
    Stretch,
    exact_checks,
    recovery,
    stretches,
)
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
    assert recovery(10.0, 6, [samples[0], Sample(asked=16.0, answered=16.1, value=6)]) is None


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


def failed(found: Records, stalls: list[Stretch] | None = None) -> dict[str, list[str]]:
    checks = exact_checks(found, ORDERS, stalls or [], bound=20.0)
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


def test_a_new_run_counting_from_zero_is_progress_once_it_counts() -> None:
    samples = [
        Sample(asked=9.0, answered=9.1, value=57),
        Sample(asked=11.0, answered=11.1, value=0),  # continued as new: not progress yet
        Sample(asked=12.0, answered=12.1, value=1),
    ]
    assert recovery(10.0, 57, samples) == pytest.approx(2.1)


def test_an_interrupted_recovery_is_one_the_next_disruption_came_before() -> None:
    label = WATCHED[0].label
    cut = Disruption("worker kill", 100.0, {label: 3}, recovered={label: 14.0}, until=10.0)
    whole = Disruption("worker kill", 110.0, {label: 3}, recovered={label: 4.0}, until=10.0)
    last = Disruption("worker kill", 120.0, {label: 3}, recovered={label: None})
    assert [d.interrupted(label) for d in (cut, whole, last)] == [True, False, False]


def test_stretches_run_from_one_progress_to_the_next_with_the_disruptions_inside() -> None:
    label = WATCHED[0].label
    samples = [
        Sample(asked=0.0, answered=0.1, value=1),
        Sample(asked=1.0, answered=1.1, value=1),
        Sample(asked=2.0, answered=2.1, value=2),
        Sample(asked=30.0, answered=30.1, value=0),  # a new run, not progress
        Sample(asked=40.0, answered=40.1, value=1),
    ]
    found = stretches(label, samples, [5.0, 15.0, 25.0])
    assert [(s.start, s.end, s.disruptions) for s in found] == [
        (0.1, 2.1, ()),
        (2.1, 40.1, (5.0, 15.0, 25.0)),
    ]
    assert found[1].seconds == pytest.approx(38.0)
    assert found[1].after_last == pytest.approx(15.1)


def test_an_idle_sync_is_not_stalled_but_one_with_a_cycle_under_way_is() -> None:
    sync = next(w for w in WATCHED if w.can_idle)
    nothing = {"pushes": 4, "pending_items": [], "in_cycle": False}
    assert sync.read(nothing) == (4, True)
    assert sync.read({**nothing, "in_cycle": True}) == (4, False)  # a push in flight
    assert sync.read({**nothing, "pending_items": ["GXO-1"]}) == (4, False)
    samples = [
        Sample(asked=0.0, answered=0.1, value=4),
        Sample(asked=20.0, answered=20.1, value=4, idle=True),  # pushed all, nothing new
        Sample(asked=50.0, answered=50.1, value=4),  # something waits again ...
        Sample(asked=80.0, answered=80.1, value=5),  # ... and goes out 30 s later
    ]
    found = stretches(sync.label, samples, [])
    assert [(s.start, s.end) for s in found] == [(0.1, 20.1), (20.1, 80.1)]
    assert recovery(10.0, 4, samples) == pytest.approx(10.1)


def test_an_order_intake_progresses_by_reading_and_by_handing_notified_changes_over() -> None:
    intake = next(w for w in WATCHED if w.label == "Amazon order intake")
    assert intake.read({"polls": 3, "signalled": 40}) == (43, False)
    assert intake.read({"polls": 3, "signalled": 41}) == (44, False)


def test_a_stretch_longer_than_the_bound_after_its_last_disruption_fails_the_run() -> None:
    label = WATCHED[0].label
    kills = Stretch(label, 0.0, 45.0, (10.0, 20.0, 30.0))  # 15 s after the last: within
    slow = Stretch(label, 45.0, 90.0, (50.0,))  # 40 s after its kill
    quiet = Stretch(label, 90.0, 115.0, ())  # 25 s without a disruption
    found = failed(records(), [kills, slow, quiet])
    assert list(found.values()) == [
        [
            f"{label} +45s: 45.0s without progress, 40.0s after the last of 1 disruptions in it",
            f"{label} +90s: 25.0s without progress, 25.0s after the last of 0 disruptions in it",
        ]
    ]


class BusyClient:
    """A client whose workflow is always too busy to describe."""

    def get_workflow_handle(self, workflow_id: str) -> BusyClient:
        return self

    async def describe(self) -> None:
        raise RPCError("Workflow is busy.", RPCStatusCode.RESOURCE_EXHAUSTED, b"")


async def test_a_workflow_too_busy_to_describe_is_named_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chaos.asyncio, "sleep", fake_sleep)
    found = await chaos.pending_activities(BusyClient(), "intake:x")  # type: ignore[arg-type]
    assert found == ["(not described: Workflow is busy.)"]


async def fake_sleep(seconds: float) -> None:
    return None
