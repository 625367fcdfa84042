"""Client-side pacing to Amazon's usage plans, so a loop of calls inside one activity (patching
20 SKUs, looking up product types, reading listings back) waits for its token instead of being
throttled on the sixth call and retried from the first.

Each operation gets a mirror of Amazon's token bucket (`burst` tokens, refilled at `rate` times
the rate scale). A call takes a token, waiting for the refill when the bucket is empty. The
mirror is per worker process; across workers confirmShipment, which many workflows call at once,
is limited by its task queue (usage_plans.py); getOrder and searchOrders are paced here only
(a task-queue limit below 1/s held each order's first read for seconds: bench/latency.py), and
the listings and feeds operations are called by one workflow per seller at a time (its
InventorySync), one activity after another, so one process paces them at a time. A process that
starts while Amazon's bucket is still drained by a predecessor may see a 429: the call is a
transient failure, retried, and the progress kept per SKU (activities/inventory.py) means no
accepted SKU is sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from integrations.amazon.usage_plans import USAGE_PLANS, Operation

# The mirror refills a little slower than the plan: our clock and Amazon's need not agree to the
# microsecond, and a token that is 0.99999 of a token at Amazon is a 429.
MARGIN = 0.98


@dataclass
class _Bucket:
    tokens: float
    updated: float


class UsagePacer:
    """Waits, per SP-API operation, until the seller's plan has a token for the next call.
    Operations without a known plan are not paced."""

    def __init__(
        self,
        scale: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if scale <= 0:
            raise ValueError(f"rate scale must be positive, got {scale}")
        self.scale = scale
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[Operation, _Bucket] = {}
        self.waited = 0.0  # seconds spent waiting for tokens, for benchmarks and tests

    async def take(self, operation: str) -> None:
        """Take one token for `operation`, waiting as long as the bucket needs to refill.
        Concurrent callers each reserve the next token, so they go in the order they asked."""
        try:
            known = Operation(operation)
        except ValueError:
            return
        wait = self._reserve(known)
        if wait > 0:
            self.waited += wait
            await self._sleep(wait)

    def _reserve(self, operation: Operation) -> float:
        """Take the token now (the bucket may go negative: a debt the wait pays off) and say
        how long until it is really there."""
        plan = USAGE_PLANS[operation]
        rate = plan.rate * self.scale * MARGIN
        now = self._clock()
        bucket = self._buckets.get(operation)
        if bucket is None:
            bucket = self._buckets[operation] = _Bucket(float(plan.burst), now)
        bucket.tokens = min(float(plan.burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        bucket.tokens -= 1.0
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / rate
