"""Amazon's listings into GXO's item master through the product activities: only the SKUs no
product-mastering channel (Centra) has are sent (`defer_to`), customs data the listing lacks
comes from the SKU mapping, an unchanged listing is not sent again (the item ledger), a
listing without a weight is sent and named as a finding, and the launch gate (ITEM_NOT_LAUNCHED
and inventory sync's 0) holds an Amazon-only item back until GXO accepts it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.models import ItemCheckRequest, ItemSendRequest, ItemsSent
from activities.products import ProductActivities
from domain.mapping import SkuMapping
from domain.products import ChannelProduct, ItemRecord, ItemState, ItemStatus
from integrations.registry import Channel
from sandbox.gxo.catalogue import UK_DAVENTRY
from store import products as ledger
from store.mappings import upsert_sku_mappings

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AMAZON, CENTRA = Channel.AMAZON, Channel.CENTRA


class Items:
    """GXO's item master at one facility: a new record PENDING until `load`."""

    def __init__(self) -> None:
        self.puts: list[ItemRecord] = []
        self.held: dict[str, ItemRecord] = {}
        self.loaded: set[str] = set()

    async def put_item(self, record: ItemRecord) -> ItemState:
        self.puts.append(record)
        self.held[record.item_code] = record
        return await self._state(record.item_code)

    async def get_item(self, facility_id: str, item_code: str) -> ItemState | None:
        return await self._state(item_code) if item_code in self.held else None

    async def _state(self, code: str) -> ItemState:
        status = ItemStatus.ACTIVE if code in self.loaded else ItemStatus.PENDING
        return ItemState(facility_id=UK_DAVENTRY, item_code=code, status=status)


def listing(sku: str, weight: str | None = "0.450") -> ChannelProduct:
    return ChannelProduct(
        sku=sku,
        name=f"Listing {sku}",
        ean="5060000000019",
        weight_kg=Decimal(weight) if weight else None,
        length_cm=Decimal("30.0"),
        width_cm=Decimal("20.0"),
        height_cm=Decimal("5.0"),
        updated_at=AT,
    )


@pytest.fixture
def mapped(engine: Engine) -> Engine:
    """Amazon's hand-kept mappings (with customs data) and Centra's for the SKUs it masters:
    SHARED-1 by SKU, SHARED-2 by item code (Centra's ledger row only)."""
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(
                channel=AMAZON,
                sku=sku,
                item_code=f"GXO-{sku}",
                hs_code="650500",
                country_of_origin="GB",
            )
            for sku in ("AMZ-ONLY", "NO-WEIGHT", "SHARED-1", "SHARED-2")
        ]
        + [SkuMapping(channel=CENTRA, sku="SHARED-1", item_code="GXO-SHARED-1")],
    )
    centra = ItemRecord(
        facility_id=UK_DAVENTRY, item_code="GXO-SHARED-2", description="Centra's", sku="C-2"
    )
    accepted = ItemState(
        facility_id=UK_DAVENTRY, item_code="GXO-SHARED-2", status=ItemStatus.ACTIVE
    )
    ledger.record_sent(engine, CENTRA, "brand", [(centra, accepted)])
    return engine


def send_request(products: list[ChannelProduct], defer_to: list[str]) -> ItemSendRequest:
    return ItemSendRequest(channel=AMAZON, account="SELLER", products=products, defer_to=defer_to)


async def send(acts: ProductActivities, request: ItemSendRequest) -> ItemsSent:
    result: ItemsSent = await ActivityEnvironment().run(acts.send, request)
    return result


async def test_only_amazon_only_skus_are_sent_with_the_mappings_customs_data(
    mapped: Engine,
) -> None:
    items = Items()
    acts = ProductActivities({}, items, mapped, [UK_DAVENTRY])
    products = [listing("AMZ-ONLY"), listing("SHARED-1"), listing("SHARED-2")]
    sent = await send(acts, send_request(products, [CENTRA]))
    assert [r.sku for r in items.puts] == ["AMZ-ONLY"]
    assert (sent.sent, sorted(sent.deferred)) == (1, ["SHARED-1", "SHARED-2"])
    record = items.puts[0]
    assert (record.hs_code, record.country_of_origin, record.ean) == (
        "650500",
        "GB",
        "5060000000019",
    )
    assert (record.weight_kg, record.length_cm, record.height_cm) == (
        Decimal("0.450"),
        Decimal("30.0"),
        Decimal("5.0"),
    )
    # Centra's record of the shared item is what GXO holds: the ledger row is still Centra's.
    shared = ledger.item_ledger(mapped, ["C-2"])
    assert [(e.channel, e.item_code) for e in shared] == [(CENTRA, "GXO-SHARED-2")]


async def test_without_a_master_channel_amazon_sends_every_mapped_listing(mapped: Engine) -> None:
    items = Items()
    acts = ProductActivities({}, items, mapped, [UK_DAVENTRY])
    products = [listing("AMZ-ONLY"), listing("SHARED-1")]
    sent = await send(acts, send_request(products, []))
    assert sorted(r.sku for r in items.puts) == ["AMZ-ONLY", "SHARED-1"]
    assert sent.deferred == []


async def test_an_unchanged_listing_is_not_sent_again_and_a_changed_one_is(mapped: Engine) -> None:
    items = Items()
    acts = ProductActivities({}, items, mapped, [UK_DAVENTRY])
    await send(acts, send_request([listing("AMZ-ONLY")], [CENTRA]))
    again = await send(acts, send_request([listing("AMZ-ONLY")], [CENTRA]))
    assert (again.sent, again.unchanged, len(items.puts)) == (0, 1, 1)
    heavier = await send(acts, send_request([listing("AMZ-ONLY", "0.500")], [CENTRA]))
    assert (heavier.sent, len(items.puts)) == (1, 2)
    assert items.puts[-1].weight_kg == Decimal("0.500")


async def test_a_listing_without_a_weight_is_sent_and_named_as_a_finding(mapped: Engine) -> None:
    items = Items()
    acts = ProductActivities({}, items, mapped, [UK_DAVENTRY])
    sent = await send(acts, send_request([listing("NO-WEIGHT", None)], [CENTRA]))
    assert sent.sent == 1 and sent.incomplete == ["NO-WEIGHT: no weight"]
    assert items.puts[0].weight_kg is None


async def test_the_launch_gate_holds_an_amazon_only_item_until_gxo_accepts_it(
    mapped: Engine,
) -> None:
    items = Items()
    acts = ProductActivities({}, items, mapped, [UK_DAVENTRY])
    await send(acts, send_request([listing("AMZ-ONLY")], [CENTRA]))
    line = (UK_DAVENTRY, "GXO-AMZ-ONLY")
    # an order for it parks as ITEM_NOT_LAUNCHED; inventory sync offers 0
    assert ledger.not_launched(mapped, [line]) == [line]
    assert "GXO-AMZ-ONLY" in ledger.not_launched_items(mapped)
    ledger.wait_for_launch(mapped, "order:amazon:SELLER:1", [(*line, "AMZ-ONLY")])
    check = ItemCheckRequest(channel=AMAZON, account="SELLER")
    pending = await ActivityEnvironment().run(acts.check, check)
    assert (pending.pending, pending.releases) == (1, [])
    items.loaded.add("GXO-AMZ-ONLY")
    accepted = await ActivityEnvironment().run(acts.check, check)
    assert accepted.accepted == [f"{UK_DAVENTRY} GXO-AMZ-ONLY"]
    assert [r.workflow_id for r in accepted.releases] == ["order:amazon:SELLER:1"]
    assert ledger.not_launched(mapped, [line]) == []
    assert "GXO-AMZ-ONLY" not in ledger.not_launched_items(mapped)
