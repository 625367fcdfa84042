"""Centra's products into GXO's item master through the product activities with
CENTRA_ITEM_CODES_FROM_PRODUCTS (issue 10, "Mappings": operations stop keeping Centra's SKU
mappings by hand): a SKU with no mapping goes to every facility under its own SKU as the item
code and its mapping is written from the product data (EAN, HS code and description, country
of origin); a hand-kept mapping keeps its item code and what the product master does not hold
(customs value); without the setting an unmapped SKU is named and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.models import ItemSendRequest, ItemsSent
from activities.products import ProductActivities
from domain.mapping import SkuMapping
from domain.products import ChannelProduct
from integrations.registry import Channel
from sandbox.gxo.catalogue import DE_KOBLENZ, UK_DAVENTRY
from store import products as ledger
from store.mappings import list_sku_mappings, upsert_sku_mappings
from tests.activities.test_products_amazon import Items

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CENTRA = Channel.CENTRA
NEW, KEPT = "LNC700GRNM", "LNC701GRNM"
FACILITIES = [UK_DAVENTRY, DE_KOBLENZ]


def product(sku: str, hs_description: str | None = "Anoraks of synthetic fibres") -> ChannelProduct:
    return ChannelProduct(
        sku=sku,
        name=f"Launch Parka Forest M ({sku})",
        ean="7350000007001",
        hs_code="620193",
        hs_description=hs_description,
        country_of_origin="PT",
        weight_kg=Decimal("0.9"),
        updated_at=AT,
    )


def request(products: list[ChannelProduct], from_products: bool = True) -> ItemSendRequest:
    return ItemSendRequest(
        channel=CENTRA,
        account="brand-eu",
        products=products,
        item_codes_from_products=from_products,
    )


async def send(engine: Engine, items: Items, sent: ItemSendRequest) -> ItemsSent:
    acts = ProductActivities({}, items, engine, FACILITIES)
    result: ItemsSent = await ActivityEnvironment().run(acts.send, sent)
    return result


def mappings(engine: Engine) -> dict[str, SkuMapping]:
    return {m.sku: m for m in list_sku_mappings(engine, CENTRA) if m.sku in (NEW, KEPT)}


@pytest.fixture
def kept(engine: Engine) -> Engine:
    """KEPT is mapped by hand to GXO's own code, with a customs value Centra does not hold."""
    hand = SkuMapping(
        channel=CENTRA,
        sku=KEPT,
        item_code="GXO-700001",
        hs_code="999999",
        customs_value=Decimal("45.00"),
        customs_currency="EUR",
    )
    upsert_sku_mappings(engine, [hand])
    return engine


async def test_a_new_sku_goes_to_every_facility_under_its_sku_and_its_mapping_is_written(
    engine: Engine,
) -> None:
    items = Items()
    sent = await send(engine, items, request([product(NEW)]))
    assert (sent.sent, sent.unmapped) == (2, [])
    assert sorted((r.facility_id, r.item_code) for r in items.puts) == [
        (DE_KOBLENZ, NEW),
        (UK_DAVENTRY, NEW),
    ]
    written = mappings(engine)[NEW]
    assert (written.item_code, written.gtin, written.hs_code, written.country_of_origin) == (
        NEW,
        "7350000007001",
        "620193",
        "PT",
    )
    assert written.customs_description == "Anoraks of synthetic fibres"
    # The ledger holds both records as sent: the launch gate waits for GXO to accept them.
    assert NEW in ledger.not_launched_items(engine)


async def test_without_an_hs_description_the_customs_description_is_the_products_name(
    engine: Engine,
) -> None:
    await send(engine, Items(), request([product(NEW, hs_description=None)]))
    assert mappings(engine)[NEW].customs_description == f"Launch Parka Forest M ({NEW})"


async def test_a_hand_kept_mapping_keeps_its_item_code_and_customs_value(kept: Engine) -> None:
    items = Items()
    await send(kept, items, request([product(KEPT)]))
    assert {r.item_code for r in items.puts} == {"GXO-700001"}
    mapping = mappings(kept)[KEPT]
    assert (mapping.item_code, mapping.customs_value, mapping.customs_currency) == (
        "GXO-700001",
        Decimal("45.00"),
        "EUR",
    )
    # What the product master holds replaces the hand-kept customs data.
    assert (mapping.hs_code, mapping.gtin, mapping.country_of_origin) == (
        "620193",
        "7350000007001",
        "PT",
    )


async def test_sent_again_unchanged_nothing_is_sent_and_the_mapping_stays_one_row(
    engine: Engine,
) -> None:
    items = Items()
    await send(engine, items, request([product(NEW)]))
    again = await send(engine, items, request([product(NEW)]))
    assert (again.sent, again.unchanged, len(items.puts)) == (0, 2, 2)
    assert [m.sku for m in list_sku_mappings(engine, CENTRA)].count(NEW) == 1


async def test_without_the_setting_an_unmapped_sku_is_named_and_nothing_is_written(
    kept: Engine,
) -> None:
    items = Items()
    sent = await send(kept, items, request([product(NEW), product(KEPT)], from_products=False))
    assert sent.unmapped == [NEW]
    assert {r.item_code for r in items.puts} == {"GXO-700001"}  # the hand-kept one still goes
    found = mappings(kept)
    assert NEW not in found
    assert (found[KEPT].hs_code, found[KEPT].gtin) == ("999999", None)  # left as kept by hand
