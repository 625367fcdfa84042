"""The chaos run, small: orders flow while the worker is SIGKILLed every 10 s and the Temporal
dev server restarts once; the sandboxes' records must show nothing lost, nothing stuck and
nothing done twice. Slow (an order whose activity died with a worker waits out its 60 s
timeout; about 3 minutes): `.venv/bin/pytest -m slow tests/e2e/test_chaos.py`. Recovery times
are the benchmark's to report (bench/README.md), never asserted here."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from bench.chaos import STALLS, WATCHED, Result, run_chaos
from starter.demo import build_stack, free_stack_ports

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    var = tmp_path_factory.mktemp("chaos")
    ports = free_stack_ports()
    with build_stack(var, ports, ui=False, temporal_db=var / "temporal.db") as stack:
        yield asyncio.run(run_chaos(stack, 24, kill_every=10, seed=3, rate=4, drain_limit=600))


def test_the_records_hold_through_kills_and_a_temporal_restart(result: Result) -> None:
    assert result.settled
    failed = {c.name: c.failures for c in result.checks if not c.ok and STALLS not in c.name}
    assert failed == {}


def test_the_worker_was_killed_temporal_restarted_and_every_intake_watched(
    result: Result,
) -> None:
    assert result.orders.total == 24
    disruptions = Counter(d.what for d in result.chaos.disruptions)
    assert disruptions["worker kill"] >= 2
    assert disruptions["Temporal restart"] == 1
    for disruption in result.chaos.disruptions:
        assert set(disruption.recovered) == {w.label for w in WATCHED}
