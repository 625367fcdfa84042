"""The same end-to-end run while every sandbox misbehaves: 5xx, 429, slow timeouts, responses
lost after the work was done, repeated and reordered events. Temporal retries, idempotent
calls and deduplication must leave every outcome exactly as without faults."""

from __future__ import annotations

import asyncio

import pytest

from integrations.registry import Channel
from sandbox.faults import FaultConfig
from starter.demo import Outcome, run_scenario
from starter.demo_parts import outcome_of
from starter.devstack import DevStack

pytestmark = pytest.mark.e2e
FAULTS = FaultConfig(
    error_rate=0.08,
    throttle_rate=0.05,
    timeout_rate=0.02,
    timeout_seconds=1.0,
    lost_response_rate=0.08,
    duplicate_event_rate=0.3,
    reorder_events=True,
    seed=11,
)


@pytest.fixture(scope="module")
def outcome(stack: DevStack) -> Outcome:
    return asyncio.run(run_scenario(stack, 40, 7, 300, console=None, faults=FAULTS))


def test_every_invariant_holds_under_faults(outcome: Outcome) -> None:
    failed = [name for name, ok in outcome.checks().items() if not ok]
    assert failed == []


@pytest.mark.parametrize("channel", [Channel.AMAZON, Channel.CENTRA])
def test_every_order_still_ends_as_expected(outcome: Outcome, channel: Channel) -> None:
    part = outcome.part(channel)
    statuses = outcome.statuses_of(channel)
    assert sorted(statuses) == sorted(part.order_ids)
    wrong = {o: outcome_of(s) for o, s in statuses.items() if outcome_of(s) != part.expected(o)}
    assert wrong == {}
