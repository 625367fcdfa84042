"""ProductSync for an Amazon account on the time-skipping server, with the real product
activities reading the Amazon sandbox's listings (in process, every exchange validated against
the official Listings Items model) into a stand-in GXO item master: the first sweep sends the
mapped listings Centra does not master, with the mapping's HS code and the listing's package
converted to kilograms and centimetres; a listing Centra masters is left to Centra; one without
a weight is sent and named; a new Amazon-only listing goes in the next (delta) sweep alone, and
the unchanged ones are not sent again; a listing in a unit consign does not know is set aside."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.products import ProductActivities
from domain.mapping import SkuMapping
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.products import AmazonProducts
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import UK, UNMAPPED_SKUS
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from sandbox.gxo.catalogue import UK_DAVENTRY
from starter.demo_world import sku_mappings
from store.mappings import upsert_sku_mappings
from store.migrate import open_store
from tests.activities.test_products_amazon import Items
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings
from tests.workflows.test_intakes import poll_until
from workflows.product_sync import (
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    ProductSync,
    ProductSyncInput,
    ProductSyncStatus,
)

CENTRA_MASTERED = "CAP-KHK-OS"  # also sold on Centra under the same SKU


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path}/s.db")
    upsert_sku_mappings(
        engine,
        [
            *sku_mappings(),
            SkuMapping(channel=Channel.CENTRA, sku=CENTRA_MASTERED, item_code="C-CAP"),
        ],
    )
    yield engine
    engine.dispose()


async def test_amazon_listings_reach_gxo_amazon_only_and_delta_first(
    time_env: WorkflowEnvironment, engine: Engine
) -> None:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock, listing_quantity=1)
    items = Items()
    queue = f"products-{uuid.uuid4()}"
    async with httpx.AsyncClient(transport=CheckedTransport(create_app(sandbox))) as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        port = AmazonProducts(client.api, DEFAULT_SELLER_ID, UK.marketplace_id)
        acts = ProductActivities(
            {("amazon", DEFAULT_SELLER_ID): port}, items, engine, [UK_DAVENTRY], time_env.client
        )
        async with Worker(
            time_env.client,
            task_queue=queue,
            workflows=[ProductSync],
            activities=[acts.read, acts.send, acts.check, acts.release],
        ):
            handle = await time_env.client.start_workflow(
                ProductSync.run,
                ProductSyncInput(channel="amazon", account=DEFAULT_SELLER_ID, defer_to=["centra"]),
                id=f"products:amazon:{uuid.uuid4()}",
                task_queue=queue,
            )
            try:
                first = await poll_until(
                    handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1
                )
                sent = {r.sku: r for r in items.puts}
                mapped = {m.sku for m in sku_mappings()}
                assert set(sent) == mapped - {CENTRA_MASTERED}
                assert first.deferred == [CENTRA_MASTERED]
                assert first.unmapped == sorted(UNMAPPED_SKUS)
                assert first.incomplete == ["TOTE-NAT-OS: no weight"]
                jacket = sent["JACKET-OLV-M"]  # listed in pounds and inches
                assert (jacket.weight_kg, jacket.length_cm) == (Decimal("1.089"), Decimal("40.6"))
                assert jacket.hs_code == "620193"  # from the mapping: no listing attribute
                assert jacket.item_code == "GXO-JACKET-OLV-M"
                assert first.pending == len(sent)

                # A new Amazon-only listing, mapped by hand: the next sweep sends it alone.
                clock.advance(120)
                upsert_sku_mappings(
                    engine,
                    [
                        SkuMapping(
                            channel=Channel.AMAZON,
                            sku="AMZ-ONLY-1",
                            item_code="GXO-AMZ-ONLY-1",
                            hs_code="650500",
                        )
                    ],
                )
                sandbox.listings.add("AMZ-ONLY-1", "HAT", title="Amazon-only Cap")
                stones = [{"unit": "stones", "value": 1, "marketplace_id": UK.marketplace_id}]
                sandbox.listings.add(
                    "AMZ-ODD-1",
                    "HAT",
                    details=lambda sku, market: {"item_package_weight": stones},
                    title="Listed in stones",
                )
                puts = len(items.puts)
                await handle.signal(SYNC_NOW_SIGNAL)
                second = await poll_until(
                    handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 2
                )
                assert [r.sku for r in items.puts[puts:]] == ["AMZ-ONLY-1"]
                # a listing in a unit consign does not know is set aside, never sent
                assert len(second.unreadable) == 1 and "AMZ-ODD-1" in second.unreadable[0]
                assert "item_package_weight.unit" in second.unreadable[0]
                assert second.cursor is not None and second.cursor > first.cursor  # type: ignore[operator]
                assert items.puts[-1].description == "Amazon-only Cap"

                # Nothing changed on Amazon: a sweep sends nothing (the cursor's own listing
                # is read again, inclusively, and found unchanged in the ledger).
                await handle.signal(SYNC_NOW_SIGNAL)
                third = await poll_until(
                    handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 3
                )
                assert len(items.puts) == puts + 1
                assert third.unchanged >= 1
            finally:
                await handle.terminate("test done")
