"""The Centra task queues' rates: within the published quotas across every worker, and the
arithmetic docs/centra.md states."""

from __future__ import annotations

import pytest

from integrations.centra.quota import COSTS, HEADROOM, CentraQueue, Quota, queue_rates


def spend(rates: dict[CentraQueue, float], attribute: str) -> float:
    """The most the queues can spend per second of requests or mutations."""
    return sum(rate * getattr(COSTS[queue], attribute) for queue, rate in rates.items())


def test_the_published_quotas_give_the_documented_rates() -> None:
    rates = queue_rates()
    per_hour = {queue: round(rate * 3600) for queue, rate in rates.items()}
    assert per_hour == {
        CentraQueue.SHIPMENTS: 300,
        CentraQueue.WRITES: 300,
        CentraQueue.READS: 1460,
    }


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0, 200.0])
def test_every_worker_together_stays_inside_every_bucket(scale: float) -> None:
    quota = Quota().scaled(scale)
    rates = queue_rates(scale=scale)
    assert spend(rates, "mutations") * 3600 <= HEADROOM * quota.mutations_per_hour + 1e-6
    assert spend(rates, "mutations") * 10 <= quota.mutations_per_10s
    assert spend(rates, "requests") * 10 <= HEADROOM * quota.requests_per_10s + 1e-6
    assert spend(rates, "requests") * 3600 <= quota.requests_per_hour


def test_a_bigger_instance_quota_scales_every_queue() -> None:
    assert queue_rates(scale=2)[CentraQueue.READS] == pytest.approx(
        2 * queue_rates()[CentraQueue.READS]
    )
    with pytest.raises(ValueError):
        queue_rates(scale=0)
