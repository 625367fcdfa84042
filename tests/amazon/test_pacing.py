"""UsagePacer mirrors Amazon's token buckets: a burst goes at once, then one call per refill."""

from __future__ import annotations

import asyncio

import pytest

from integrations.amazon.pacing import MARGIN, UsagePacer
from integrations.amazon.usage_plans import Operation, usage_plan
from tests.amazon.sandboxed import ManualClock

PATCH = Operation.PATCH_LISTINGS_ITEM.value  # 5 per second, burst 5


async def test_a_burst_goes_at_once_then_calls_wait_for_the_refill() -> None:
    clock = ManualClock()
    pacer = clock.pacer()
    started = []
    for _ in range(8):
        await pacer.take(PATCH)
        started.append(clock.seconds())
    interval = 1 / (usage_plan(PATCH).rate * MARGIN)
    assert started[:5] == [0.0] * 5
    assert started[5:] == pytest.approx([interval, 2 * interval, 3 * interval], abs=1e-5)


async def test_a_quiet_spell_refills_the_bucket_up_to_its_burst() -> None:
    clock = ManualClock()
    pacer = clock.pacer()
    for _ in range(5):
        await pacer.take(PATCH)
    clock.advance(60)
    before = clock.seconds()
    for _ in range(5):
        await pacer.take(PATCH)
    assert clock.seconds() == before  # five again at once, not sixty seconds' worth
    await pacer.take(PATCH)
    assert clock.seconds() > before


async def test_concurrent_callers_reserve_tokens_in_turn() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = UsagePacer(1.0, clock=lambda: 0.0, sleep=sleep)
    await asyncio.gather(*(pacer.take(PATCH) for _ in range(7)))
    interval = 1 / (usage_plan(PATCH).rate * MARGIN)
    assert sorted(slept) == pytest.approx([interval, 2 * interval])


async def test_the_rate_scale_speeds_the_refill_and_unknown_operations_pass() -> None:
    clock = ManualClock()
    pacer = clock.pacer(scale=200)
    for _ in range(6):
        await pacer.take(PATCH)
    assert clock.seconds() == pytest.approx(1 / (5 * 200 * MARGIN), abs=1e-5)
    for _ in range(100):
        await pacer.take("anUnmeteredOperation")
    assert pacer.waited == pytest.approx(clock.seconds(), abs=1e-5)
