"""The Centra task queues' rates: within the published quotas across every worker, the
arithmetic docs/centra.md states, and its premise: what one activity of each queue spends
against the sandbox."""

from __future__ import annotations

import pytest

from domain.inventory import ListingQuantity
from domain.order import OrderRef
from domain.shipment import ConfirmItem, ShipConfirmation
from integrations.centra.errors import CentraUnavailable
from integrations.centra.quota import COSTS, HEADROOM, CentraQueue, Quota, queue_rates
from integrations.centra.settings import CaptureMode
from integrations.channel import ChangeQuery
from integrations.registry import Channel
from sandbox.centra.catalogue import SIZES_BY_SKU
from tests.centra.support import NOW, Harness, answered_at_once


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


MUTATIONS = {
    "CreateShipment",
    "CompleteShipment",
    "CaptureShipment",
    "MarkShipmentPaid",
    "SetStock",
    "ChangeStock",
    "ConfirmEvents",
    "SetOrderListeners",
}


def spent(harness: Harness, since: int) -> tuple[int, int]:
    sent = harness.transport.operations[since:]
    return len(sent), sum(1 for name in sent if name in MUTATIONS)


def confirmation(harness: Harness, tracking: str, line: int, quantity: int) -> ShipConfirmation:
    return ShipConfirmation(
        ref=OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id="1001"),
        parcel_id=f"P-{tracking}",
        package_reference="1",
        carrier_code="DHL",
        tracking_number=tracking,
        shipped_at=NOW,
        items=[ConfirmItem(line_id=harness.line_ids(1001)[line], quantity=quantity)],
    )


@pytest.mark.parametrize("mode", list(CaptureMode))
@pytest.mark.parametrize("path", ["new", "found again unpaid", "lost response"])
async def test_a_parcel_confirmation_stays_within_the_shipments_queue_cost(
    mode: CaptureMode, path: str
) -> None:
    """The arithmetic's premise: one confirm_parcel spends at most COSTS[SHIPMENTS]."""
    harness = Harness(mode)
    harness.order(1001, payment="asynchronous")
    if path == "found again unpaid":
        with harness.sandbox.lock:
            order = harness.sandbox.order(1001)
            harness.sandbox.create_shipment(order, [(order.lines[0].id, 2)], {})
    if path == "lost response":
        harness.transport.lose.add("CreateShipment")
        with pytest.raises(CentraUnavailable):
            await harness.channel.confirm_parcel(confirmation(harness, "T1", 0, 2))
    before = len(harness.transport.operations)
    await harness.channel.confirm_parcel(confirmation(harness, "T1", 0, 2))
    requests, mutations = spent(harness, before)
    cost = COSTS[CentraQueue.SHIPMENTS]
    assert requests <= cost.requests and mutations <= cost.mutations


async def test_the_writes_and_reads_stay_within_their_queue_costs() -> None:
    harness = Harness()
    harness.order(1001, capture_fails=True)
    writes, reads = COSTS[CentraQueue.WRITES], COSTS[CentraQueue.READS]
    failed = await harness.channel.confirm_parcel(confirmation(harness, "T1", 0, 2))
    assert failed is not None
    before = len(harness.transport.operations)
    await harness.channel.settle_capture(failed, again=True)  # settle_capture with a capture
    assert spent(harness, before) <= (writes.requests, writes.mutations)
    await harness.stock.sizes.resolve(["JKT100BLKM"])  # the directory: once per process
    before = len(harness.transport.operations)
    await harness.stock.push(
        [ListingQuantity(sku=sku, quantity=1) for sku in SIZES_BY_SKU], answered_at_once
    )
    assert spent(harness, before) == (1, 1)  # push_stock: one setStock per 500 sizes
    before = len(harness.transport.operations)
    page = await harness.channel.changes(ChangeQuery(since=NOW))  # the first poll registers
    assert spent(harness, before)[0] <= reads.requests
    before = len(harness.transport.operations)
    await harness.channel.acknowledge(page.ack or ["1"])
    assert spent(harness, before) == (1, 1)  # ack_channel_changes: one confirmEvents
    before = len(harness.transport.operations)
    await harness.channel.get_order("1001")
    assert spent(harness, before) <= (reads.requests, 0)
    before = len(harness.transport.operations)
    await harness.stock.read(list(SIZES_BY_SKU))
    assert spent(harness, before) <= (reads.requests, 0)
