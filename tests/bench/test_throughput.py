"""bench.throughput's arithmetic: the bare order's activity count read from a real history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from bench.throughput import activities_scheduled, activity_mix, growth

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


def test_activities_counted_from_a_stored_order_history() -> None:
    text = (HISTORIES / "order_split.json").read_text()
    events = json.loads(text)["events"]
    expected = sum(e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED" for e in events)
    history = WorkflowHistory.from_json("order:amazon:split", text)
    # fetch, fetch, fetch, plan (failed), fetch, plan, inject, 4 x confirm_parcel
    assert activities_scheduled(history) == expected == 11


def test_bare_orders_run_the_sampled_counts_in_turn() -> None:
    assert activity_mix([6, 7, 9], 5) == [6, 7, 9, 6, 7]
    assert sum(activity_mix([6, 7, 9], 300)) == 100 * (6 + 7 + 9)
    with pytest.raises(ValueError):
        activity_mix([], 10)


def test_namespace_growth_counts_new_runs_whole_and_old_ones_by_their_new_events() -> None:
    before = {"intake": (100, 10_000)}
    after = {"intake": (130, 13_000), "order-1": (60, 11_000)}
    assert growth(before, after) == (90, 14_000)
