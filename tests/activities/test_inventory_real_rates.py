"""Stock reaches Amazon at Amazon's real rates (rate scale 1): InventorySync on the time-skipping
server, the real inventory activities, the Amazon stock port and the Amazon sandbox, whose usage
plans refill on a clock that moves only with the server's time and with the client's own waits
for tokens (the slowest world a push can meet: no other time passes). Twenty SKUs move three
times; every figure lands, none is throttled, none is sent twice.

Before pacing, the sixth patch of a batch was throttled and the whole batch retried from its
first SKU, so at real rates the stock never caught up (issue 14)."""

from __future__ import annotations

import uuid
from collections import Counter

import httpx
from sqlalchemy import Engine
from temporalio.worker import Worker

from activities.inventory import InventoryActivities
from activities.models import StockNotice
from activities.warehouse import WarehouseActivities
from domain.inventory import StockLevel
from domain.lifecycle import STOCK_CHANGED_SIGNAL
from domain.mapping import SkuMapping
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.stock import build_amazon_stock
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS, UK
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import ITEMS, UK_DAVENTRY
from store import inventory
from store.mappings import upsert_sku_mappings
from tests.activities.conftest import SELLER
from tests.activities.test_inventory_feed_wait import FollowServerTime, time_env, until_async
from tests.amazon.sandboxed import ManualClock, sandbox_settings
from workflows.inventory_sync import InventorySync, InventorySyncInput

__all__ = ["time_env"]  # the fixture, shared

ROUNDS = 3
# Each SKU its own GXO item where there are enough; the rest share (a mapping may do that).
ITEM_OF = {sku: ITEMS[n % len(ITEMS)].item_code for n, sku in enumerate(SKUS)}


def levels(round_: int) -> list[StockLevel]:
    """Every item moves each round, so every SKU's figure changes."""
    return [
        StockLevel(facility_id=UK_DAVENTRY, item_code=item.item_code, on_hand=10 * round_ + n)
        for n, item in enumerate(ITEMS, start=1)
    ]


async def test_twenty_skus_moving_three_times_all_reach_amazon_at_its_real_rate(
    time_env, warehouse: WarehouseActivities, engine: Engine
) -> None:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock, token_lifetime_seconds=24 * 3600)
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(channel=Channel.AMAZON, sku=sku, item_code=item)
            for sku, item in ITEM_OF.items()
        ],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sandbox))) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer(scale=1.0))
        stock = build_amazon_stock(client, patch_threshold=len(SKUS))  # patches, not a feed
        acts = InventoryActivities(engine, warehouse.warehouse, {(Channel.AMAZON, SELLER): stock})
        queue = f"real-rates-{uuid.uuid4()}"
        async with Worker(
            time_env.client,
            task_queue=queue,
            workflows=[InventorySync],
            activities=[acts.plan_push, acts.push, acts.check_submission, acts.stalled],
            interceptors=[FollowServerTime(clock)],
        ):
            inventory.replace_facility_stock(engine, UK_DAVENTRY, levels(1), cursor=1)
            handle = await time_env.client.start_workflow(
                InventorySync.run,
                InventorySyncInput(channel=Channel.AMAZON, account=SELLER),
                id=f"inventory:amazon:{queue}",
                task_queue=queue,
            )
            sent: Counter[tuple[str, int]] = Counter()
            try:
                for round_ in range(1, ROUNDS + 1):
                    if round_ > 1:
                        inventory.replace_facility_stock(
                            engine, UK_DAVENTRY, levels(round_), cursor=round_
                        )
                        await handle.signal(
                            STOCK_CHANGED_SIGNAL, StockNotice(items=sorted(set(ITEM_OF.values())))
                        )
                    wanted, _, _ = acts._targets(Channel.AMAZON, SELLER, None)

                    async def landed(wanted: dict[str, int] = wanted) -> bool:
                        shown = sandbox.listings.quantities(UK.marketplace_id)
                        return all(shown.get(sku) == n for sku, n in wanted.items())

                    await until_async(landed)
                    sent.update(wanted.items())
            finally:
                await handle.terminate("test done")

    stats = sandbox.stats()
    calls: dict[str, int] = stats["calls"]  # type: ignore[assignment]
    throttled: dict[str, int] = stats["throttled"]  # type: ignore[assignment]
    assert len(sent) == ROUNDS * len(SKUS)  # every SKU had a new figure every round
    assert calls["patchListingsItem"] == sum(sent.values())  # each figure sent exactly once
    assert throttled.get("patchListingsItem", 0) == 0
    assert clock.seconds() >= (len(SKUS) - 5) / 5  # at least one batch waited for tokens
