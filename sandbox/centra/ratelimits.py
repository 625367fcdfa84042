"""Centra's rate limits: three bucket types (RateLimitType REQUEST_COUNT, QUERY_COMPLEXITY,
MUTATION_COUNT) over two windows (RateLimitInterval TEN_SECONDS, ONE_HOUR), per token.

The defaults are Centra's published example quotas (an instance may have others). A request
that does not fit gets HTTP 429 with `Retry-After` holding a timestamp: the moment it would fit.
Sliding windows on the sandbox clock, so tests exhaust a bucket and move time instead of
sleeping."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from sandbox.centra.records import Clock

REQUEST_COUNT = "REQUEST_COUNT"
QUERY_COMPLEXITY = "QUERY_COMPLEXITY"
MUTATION_COUNT = "MUTATION_COUNT"
BucketType = Literal["REQUEST_COUNT", "QUERY_COMPLEXITY", "MUTATION_COUNT"]
Interval = Literal["TEN_SECONDS", "ONE_HOUR"]
SECONDS: dict[str, int] = {"TEN_SECONDS": 10, "ONE_HOUR": 3600}


class Quota(BaseModel):
    type: BucketType
    interval: Interval
    quota: int = Field(ge=1)

    @property
    def seconds(self) -> int:
        return SECONDS[self.interval]


PUBLISHED_QUOTAS: tuple[Quota, ...] = (
    Quota(type=REQUEST_COUNT, interval="TEN_SECONDS", quota=20),
    Quota(type=REQUEST_COUNT, interval="ONE_HOUR", quota=10_000),
    Quota(type=QUERY_COMPLEXITY, interval="TEN_SECONDS", quota=150_000),
    Quota(type=QUERY_COMPLEXITY, interval="ONE_HOUR", quota=20_000_000),
    Quota(type=MUTATION_COUNT, interval="TEN_SECONDS", quota=100),
    Quota(type=MUTATION_COUNT, interval="ONE_HOUR", quota=1_000),
)


def published_quotas(scale: float = 1.0) -> list[Quota]:
    """The published quotas, multiplied (a local demo runs faster than a real instance)."""
    if scale <= 0:
        raise ValueError(f"rate scale must be positive, got {scale}")
    return [
        q.model_copy(update={"quota": max(1, round(q.quota * scale))}) for q in PUBLISHED_QUOTAS
    ]


Usage = deque[tuple[datetime, int]]


class RateLimiter:
    """Admits a request only if every bucket has room for its cost."""

    def __init__(self, clock: Clock, quotas: list[Quota] | None = None) -> None:
        self.clock = clock
        self.configure(quotas or published_quotas())

    def configure(self, quotas: list[Quota]) -> None:
        """Replace the quotas and forget past usage, so a test starts from a known state."""
        self.quotas = list(quotas)
        self.usage: dict[tuple[str, str], Usage] = {}

    def _window(self, token: str, kind: str, now: datetime) -> Usage:
        log = self.usage.setdefault((token, kind), deque())
        longest = max((q.seconds for q in self.quotas if q.type == kind), default=0)
        while log and (now - log[0][0]).total_seconds() >= longest:
            log.popleft()
        return log

    def _used(self, token: str, quota: Quota, now: datetime) -> int:
        log = self._window(token, quota.type, now)
        return sum(n for t, n in log if (now - t).total_seconds() < quota.seconds)

    def _wait(self, token: str, quota: Quota, cost: int, now: datetime) -> float:
        """Seconds until enough of this window's usage expires for `cost` to fit."""
        if cost > quota.quota:
            return quota.seconds
        excess = self._used(token, quota, now) + cost - quota.quota
        for stamp, amount in self._window(token, quota.type, now):
            age = (now - stamp).total_seconds()
            if age >= quota.seconds:
                continue
            excess -= amount
            if excess <= 0:
                return quota.seconds - age
        return quota.seconds

    def admit(self, token: str, costs: dict[str, int]) -> datetime | None:
        """Record the costs and return None, or return when the request would fit (the
        Retry-After timestamp, whole seconds) and record nothing."""
        now = self.clock()
        waits = [
            self._wait(token, q, costs.get(q.type, 0), now)
            for q in self.quotas
            if costs.get(q.type, 0) and self._used(token, q, now) + costs[q.type] > q.quota
        ]
        if waits:
            return now + timedelta(seconds=math.ceil(max(waits)))
        for kind, amount in costs.items():
            if amount:
                self.usage.setdefault((token, kind), deque()).append((now, amount))
        return None

    def snapshot(
        self, token: str, types: list[str] | None = None, intervals: list[str] | None = None
    ) -> list[dict[str, object]]:
        """The `rateLimits` query's answer for this token."""
        now = self.clock()
        out: list[dict[str, object]] = []
        for quota in self.quotas:
            if (types and quota.type not in types) or (
                intervals and quota.interval not in intervals
            ):
                continue
            used = self._used(token, quota, now)
            out.append(
                {
                    "type": quota.type,
                    "intervalSeconds": quota.interval,
                    "quota": _graphql_int(quota.quota),
                    "usedQuota": _graphql_int(used),
                    "remainingQuota": _graphql_int(max(0, quota.quota - used)),
                }
            )
        return out


def _graphql_int(value: int) -> int:
    """The schema types these fields Int, which GraphQL bounds to 32 bits: a quota scaled up for
    a demo (millions of times Centra's) is reported at the bound, never as an invalid answer."""
    return min(value, 2**31 - 1)
