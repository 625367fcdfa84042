"""End to end: Temporal dev server, both sandboxes and the real worker process, over the demo's
order mix (60 generated orders plus one due to ship in seconds). Outcomes are asserted exactly
from what the sandboxes recorded, not from what consign says about itself."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.lifecycle import OrderStage
from sandbox.server import free_port
from starter.demo import Outcome, build_stack, checks, run_scenario
from starter.devstack import DevStack
from tests.e2e.histories import fetch_histories, save_histories

pytestmark = pytest.mark.e2e
ORDERS = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    ports = {name: free_port() for name in ("temporal", "amazon", "gxo", "centra", "webhook")}
    with build_stack(tmp_path_factory.mktemp("e2e"), ports, ui=False) as running:
        yield running


@pytest.fixture(scope="module")
def outcome(stack: DevStack) -> Outcome:
    result = asyncio.run(run_scenario(stack, ORDERS, 2026, 240, console=None))
    if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
        save_histories(asyncio.run(fetch_histories(stack, result)), Path(target))
    return result


def test_every_order_reaches_exactly_its_expected_outcome(outcome: Outcome) -> None:
    scenario = outcome.scenario
    assert len(scenario.mfn) + len(scenario.afn) == ORDERS + 1
    assert sorted(outcome.statuses) == sorted(scenario.mfn)
    for order_id, status in outcome.statuses.items():
        kind = status.exception.kind.value if status.exception else None
        assert (status.stage, kind) == scenario.expected(order_id, retried=True), order_id


def test_the_sandboxes_records_satisfy_every_invariant(outcome: Outcome) -> None:
    failed = [name for name, ok in checks(outcome).items() if not ok]
    assert failed == []


def test_mfn_orders_injected_once_and_afn_never(outcome: Outcome) -> None:
    injected = {ref for ref, c in outcome.injections.items() if c["created"]}
    scenario = outcome.scenario
    assert not injected & set(scenario.afn)
    for ref in injected:
        assert outcome.injections[ref]["created"] == 1, ref
    expected = {
        o for o in scenario.mfn if scenario.expected(o, retried=True)[0] is OrderStage.SHIPPED
    }
    assert expected <= injected
    assert len(scenario.afn) >= 1 and len(scenario.unmapped) >= 1 and len(scenario.pending) >= 1


def test_confirmed_quantities_and_parcels_match_gxo_per_line(outcome: Outcome) -> None:
    for order_id in outcome.scenario.mfn:
        amazon = outcome.amazon_orders[order_id]
        gxo = outcome.gxo_orders.get(order_id)
        packages = amazon.get("packages", {})
        if gxo is None:
            assert packages == {}, order_id
            continue
        assert len(packages) == len(gxo["parcels"]), order_id
        confirmed: dict[str, int] = {}
        for package in packages.values():
            for item_id, quantity in package["items"].items():
                confirmed[item_id] = confirmed.get(item_id, 0) + quantity
        shipped = {
            line["channel_line_id"]: line["shipped"] for line in gxo["lines"] if line["shipped"]
        }
        assert confirmed == shipped, order_id
        trackings = sorted(p["tracking_number"] for p in packages.values())
        assert trackings == sorted(p["tracking_number"] for p in gxo["parcels"]), order_id


def test_short_picks_and_splits_ship_in_several_parcels(outcome: Outcome) -> None:
    for order_id in outcome.scenario.short_picks:
        status = outcome.statuses[order_id]
        assert status.stage is OrderStage.SHIPPED and len(status.parcels) >= 2, order_id


def test_buyer_cancellations_stop_the_warehouse(outcome: Outcome) -> None:
    cancelled_at_gxo = {c["reference"] for c in outcome.gxo_cancels if c["outcome"] == "CANCELLED"}
    for order_id in outcome.scenario.to_cancel:
        status = outcome.statuses[order_id]
        assert status.stage is OrderStage.CANCELLED
        assert outcome.amazon_orders[order_id].get("packages", {}) == {}
        if status.injections:
            assert order_id in cancelled_at_gxo


def test_an_order_dispatched_after_its_ship_by_is_flagged_late(outcome: Outcome) -> None:
    [late] = outcome.scenario.late
    status = outcome.statuses[late]
    assert status.stage is OrderStage.SHIPPED and status.late
    assert any("at risk" in note or "near" in note for note in status.history)


def test_worker_logs_carry_no_personal_data_and_sigterm_stops_it_cleanly(
    stack: DevStack, outcome: Outcome
) -> None:
    """Runs last: it stops the worker. SIGTERM lets in-flight work finish and exits 0; the
    JSON log lines name orders and SKUs but never a buyer's name, address, email or phone."""
    worker = next(child for child in stack.children if child.name == "worker")
    assert worker.stop() == 0
    log = worker.log_path.read_text()
    assert '"message": "worker stopped"' in log
    personal = set()
    for order in outcome.amazon_orders.values():
        personal.add(order.get("buyer_email"))
        address = order.get("address") or {}
        personal.update(address.get(key) for key in ("name", "line1", "phone", "postal_code"))
    leaked = sorted(value for value in personal if value and value in log)
    assert leaked == []
