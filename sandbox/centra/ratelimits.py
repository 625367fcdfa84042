"""Centra's three rate-limit buckets (requests, summed query complexity, mutations) over a
10-second and a 1-hour window, per token. Sliding windows on the sandbox clock, so tests can
exhaust a bucket and move time instead of sleeping. Quotas are the sandbox's own choice:
Centra does not publish them."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime

from pydantic import BaseModel, Field

from sandbox.centra.records import Clock

REQUESTS = "requests"
COMPLEXITY = "complexity"
MUTATIONS = "mutations"


class Quota(BaseModel):
    type: str
    interval_seconds: int = Field(ge=1)
    quota: int = Field(ge=1)


DEFAULT_QUOTAS: tuple[Quota, ...] = (
    Quota(type=REQUESTS, interval_seconds=10, quota=100),
    Quota(type=REQUESTS, interval_seconds=3600, quota=10_000),
    Quota(type=COMPLEXITY, interval_seconds=10, quota=10_000),
    Quota(type=COMPLEXITY, interval_seconds=3600, quota=500_000),
    Quota(type=MUTATIONS, interval_seconds=10, quota=50),
    Quota(type=MUTATIONS, interval_seconds=3600, quota=5_000),
)

Usage = deque[tuple[datetime, int]]


class RateLimiter:
    """Admits a request only if every bucket has room for its cost."""

    def __init__(self, clock: Clock, quotas: list[Quota] | None = None) -> None:
        self.clock = clock
        self.configure(quotas or list(DEFAULT_QUOTAS))

    def configure(self, quotas: list[Quota]) -> None:
        """Replace the quotas and forget past usage, so a test starts from a known state."""
        self.quotas = list(quotas)
        self.usage: dict[tuple[str, str], Usage] = {}

    def _window(self, token: str, quota: Quota, now: datetime) -> Usage:
        log = self.usage.setdefault((token, quota.type), deque())
        longest = max(q.interval_seconds for q in self.quotas if q.type == quota.type)
        while log and (now - log[0][0]).total_seconds() >= longest:
            log.popleft()
        return log

    def _used(self, token: str, quota: Quota, now: datetime) -> int:
        log = self._window(token, quota, now)
        return sum(n for t, n in log if (now - t).total_seconds() < quota.interval_seconds)

    def _retry_after(self, token: str, quota: Quota, cost: int, now: datetime) -> int:
        """Seconds until enough of this window's usage expires for `cost` to fit."""
        if cost > quota.quota:
            return quota.interval_seconds
        excess = self._used(token, quota, now) + cost - quota.quota
        for stamp, amount in self._window(token, quota, now):
            age = (now - stamp).total_seconds()
            if age >= quota.interval_seconds:
                continue
            excess -= amount
            if excess <= 0:
                return max(1, math.ceil(quota.interval_seconds - age))
        return quota.interval_seconds

    def admit(self, token: str, costs: dict[str, int]) -> int | None:
        """Record the costs and return None, or return Retry-After seconds and record nothing."""
        now = self.clock()
        waits = [
            self._retry_after(token, q, costs.get(q.type, 0), now)
            for q in self.quotas
            if costs.get(q.type, 0) and self._used(token, q, now) + costs[q.type] > q.quota
        ]
        if waits:
            return max(waits)
        for kind, amount in costs.items():
            if amount:
                self.usage.setdefault((token, kind), deque()).append((now, amount))
        return None

    def snapshot(self, token: str) -> list[dict[str, object]]:
        """The `rateLimits` query's answer for this token."""
        now = self.clock()
        out: list[dict[str, object]] = []
        for quota in self.quotas:
            used = self._used(token, quota, now)
            out.append(
                {
                    "type": quota.type,
                    "intervalSeconds": quota.interval_seconds,
                    "quota": quota.quota,
                    "usedQuota": used,
                    "remainingQuota": max(0, quota.quota - used),
                }
            )
        return out
