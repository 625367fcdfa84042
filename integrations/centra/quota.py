"""Centra's rate limits, and the Temporal task queues that keep every worker inside them.

Centra meters three buckets over two windows: requests, query complexity and mutations, each
per 10 seconds and per hour. The published example quotas are 20 requests / 10 s and 10,000 / h,
150,000 complexity / 10 s and 20,000,000 / h, 100 mutations / 10 s and 1,000 / h; an instance
may have others (`CENTRA_RATE_SCALE` multiplies them). Over a limit Centra answers 429 with a
Retry-After timestamp.

The budget is the instance's, shared by every worker, so consign paces Centra the way it paces
Amazon: each Centra activity runs on one of three task queues, and the Temporal server starts at
most `max_task_queue_activities_per_second` activities per queue across all workers. The rate
of each queue is its share of the budget divided by the most one of its activities can spend:

- SHIPMENTS (confirm_parcel): at most 4 requests and 2 mutations (createShipment with capture,
  completeShipment; or captureShipment and completeShipment for a shipment found again);
- WRITES (ack_channel_changes: confirmEvents; push_stock: setStock per 500 sizes;
  settle_capture when an operator's retry captures again): at most 3 requests and 1 mutation
  (a push of more than 500 sizes costs one mutation more per 500);
- READS (fetch_channel_order, poll_channel_changes, read_channel_stock, settle_capture when it
  only checks a pending capture): at most 3 requests.

With the published quotas and 10% headroom: 0.25 mutations/s (900 / h) split 2:1 between
SHIPMENTS (300 activities / h, 600 mutations) and WRITES (300 activities / h, 300 mutations);
1.8 requests/s, of which SHIPMENTS and WRITES use at most 0.58, leaving READS 0.41 activities/s
(about 1,460 / h). docs/centra.md shows what that means in parcels and stock pushes per hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HEADROOM = 0.9  # use 90% of each budget: room for setEventListeners, people and retries


class CentraQueue(StrEnum):
    READS = "centra-reads"
    SHIPMENTS = "centra-shipments"
    WRITES = "centra-writes"


@dataclass(frozen=True)
class Quota:
    """Requests and mutations per 10 seconds and per hour (the published example values)."""

    requests_per_10s: float = 20
    requests_per_hour: float = 10_000
    mutations_per_10s: float = 100
    mutations_per_hour: float = 1_000

    def scaled(self, scale: float) -> Quota:
        if scale <= 0:
            raise ValueError(f"rate scale must be positive, got {scale}")
        return Quota(
            self.requests_per_10s * scale,
            self.requests_per_hour * scale,
            self.mutations_per_10s * scale,
            self.mutations_per_hour * scale,
        )

    @property
    def requests_per_second(self) -> float:
        return min(self.requests_per_10s / 10, self.requests_per_hour / 3600)

    @property
    def mutations_per_second(self) -> float:
        return min(self.mutations_per_10s / 10, self.mutations_per_hour / 3600)


@dataclass(frozen=True)
class QueueCost:
    """The most one activity on the queue spends, and its queue's share of the mutations."""

    requests: int
    mutations: int
    mutation_share: float


COSTS: dict[CentraQueue, QueueCost] = {
    CentraQueue.SHIPMENTS: QueueCost(requests=4, mutations=2, mutation_share=2 / 3),
    CentraQueue.WRITES: QueueCost(requests=3, mutations=1, mutation_share=1 / 3),
    CentraQueue.READS: QueueCost(requests=3, mutations=0, mutation_share=0),
}


def queue_rates(quota: Quota = Quota(), scale: float = 1.0) -> dict[CentraQueue, float]:
    """Activities per second for each Centra task queue, across all workers."""
    budget = quota.scaled(scale)
    mutations = HEADROOM * budget.mutations_per_second
    requests = HEADROOM * budget.requests_per_second
    rates: dict[CentraQueue, float] = {}
    for queue in (CentraQueue.SHIPMENTS, CentraQueue.WRITES):
        cost = COSTS[queue]
        rates[queue] = mutations * cost.mutation_share / cost.mutations
    spent = sum(rates[q] * COSTS[q].requests for q in rates)
    rates[CentraQueue.READS] = max(0.0, requests - spent) / COSTS[CentraQueue.READS].requests
    return rates
