from __future__ import annotations

from decimal import Decimal

import pytest

from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from integrations.registry import Channel
from store.mappings import (
    list_carrier_codes,
    list_carrier_services,
    list_facility_rules,
    list_sku_mappings,
    load_mapping_set,
    replace_facility_rules,
    upsert_carrier_codes,
    upsert_carrier_services,
    upsert_sku_mappings,
)
from store.upsert import WriteCounts

AMAZON_SKU = SkuMapping(
    channel=Channel.AMAZON,
    sku="TSHIRT-BLK-M",
    item_code="GXO-1001",
    hs_code="610910",
    country_of_origin="PT",
    customs_description="Cotton T-shirt",
    customs_value=Decimal("12.50"),
    customs_currency="GBP",
)


def _seed(engine) -> None:
    upsert_sku_mappings(
        engine,
        [
            AMAZON_SKU,
            SkuMapping(channel=Channel.AMAZON, sku="MUG-1", item_code="GXO-2001"),
            SkuMapping(channel=Channel.CENTRA, sku="TSHIRT-BLK-M", item_code="GXO-9999"),
        ],
    )
    replace_facility_rules(
        engine,
        [
            FacilityRule(facility_id="GXO-UK-DAV", domestic_countries="GB"),
            FacilityRule(facility_id="GXO-DE-KOB", channel=Channel.AMAZON, marketplace_id="A1PA"),
            FacilityRule(facility_id="GXO-DE-KOB", channel=Channel.CENTRA, priority=5),
            FacilityRule(facility_id="GXO-NL", channel=Channel.AMAZON, sku="MUG-1"),
        ],
    )
    upsert_carrier_services(
        engine,
        [
            CarrierServiceMapping(
                channel=Channel.AMAZON,
                ship_service_level="Std UK Dom_1",
                carrier_service_code="RM48",
            ),
            CarrierServiceMapping(
                channel=Channel.CENTRA, ship_service_level="standard", carrier_service_code="DHL"
            ),
        ],
    )
    upsert_carrier_codes(
        engine,
        [
            CarrierCodeMapping(
                channel=Channel.AMAZON,
                carrier_service_code="RM48",
                carrier_code="Royal Mail",
                shipping_method="Tracked 48",
            ),
            CarrierCodeMapping(
                channel=Channel.CENTRA, carrier_service_code="DHL", carrier_code="DHL"
            ),
        ],
    )


def test_upsert_is_idempotent_and_updates_on_the_natural_key(engine):
    assert upsert_sku_mappings(engine, [AMAZON_SKU]) == WriteCounts(created=1)
    assert upsert_sku_mappings(engine, [AMAZON_SKU]) == WriteCounts(updated=1)
    assert list_sku_mappings(engine) == [AMAZON_SKU]

    changed = AMAZON_SKU.model_copy(update={"item_code": "GXO-1002", "customs_value": None})
    other = SkuMapping(channel=Channel.AMAZON, sku="NEW", item_code="GXO-3")
    assert upsert_sku_mappings(engine, [changed, other]) == WriteCounts(created=1, updated=1)
    assert list_sku_mappings(engine) == [other, changed]


def test_upsert_keeps_the_last_of_duplicate_keys_in_one_call(engine):
    first = SkuMapping(channel=Channel.AMAZON, sku="A", item_code="one")
    last = SkuMapping(channel=Channel.AMAZON, sku="A", item_code="two")
    assert upsert_sku_mappings(engine, [first, last]) == WriteCounts(created=1)
    assert list_sku_mappings(engine) == [last]


def test_blank_optional_text_is_stored_as_missing(engine):
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(
                channel=Channel.AMAZON, sku="A", item_code="X", hs_code="", customs_description=""
            )
        ],
    )
    [stored] = list_sku_mappings(engine)
    assert stored.hs_code is None
    assert stored.customs_description is None


def test_decimal_customs_values_keep_their_exact_value_and_scale(engine):
    values = [Decimal("0.10"), Decimal("12345678901234.123456789"), Decimal("-3"), Decimal("7.5")]
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(channel=Channel.AMAZON, sku=f"S{i}", item_code="X", customs_value=value)
            for i, value in enumerate(values)
        ],
    )
    stored = {m.sku: m.customs_value for m in list_sku_mappings(engine)}
    assert [str(stored[f"S{i}"]) for i in range(len(values))] == [str(v) for v in values]


def test_carrier_upserts_are_idempotent(engine):
    service = CarrierServiceMapping(
        channel=Channel.AMAZON, ship_service_level="Exp", carrier_service_code="DPD"
    )
    code = CarrierCodeMapping(
        channel=Channel.AMAZON, carrier_service_code="DPD", carrier_code="DPD"
    )
    for _ in range(2):
        upsert_carrier_services(engine, [service])
        upsert_carrier_codes(engine, [code])
    assert list_carrier_services(engine) == [service]
    assert list_carrier_codes(engine) == [code]
    moved = service.model_copy(update={"carrier_service_code": "UPS"})
    assert upsert_carrier_services(engine, [moved]) == WriteCounts(updated=1)
    assert list_carrier_services(engine, Channel.AMAZON) == [moved]


def test_replace_facility_rules_swaps_the_whole_set(engine):
    first = [FacilityRule(facility_id="A"), FacilityRule(facility_id="B", sku="X")]
    assert replace_facility_rules(engine, first) == WriteCounts(created=2)
    second = [FacilityRule(facility_id="C", channel=Channel.CENTRA, domestic_countries="DE AT")]
    assert replace_facility_rules(engine, second) == WriteCounts(created=1, removed=2)
    assert list_facility_rules(engine) == second


def test_load_mapping_set_returns_only_what_the_channel_needs(engine):
    _seed(engine)
    amazon = load_mapping_set(engine, Channel.AMAZON)
    assert {(m.sku, m.item_code) for m in amazon.skus} == {
        ("TSHIRT-BLK-M", "GXO-1001"),
        ("MUG-1", "GXO-2001"),
    }
    assert AMAZON_SKU in amazon.skus
    assert [r.facility_id for r in amazon.facility_rules] == ["GXO-UK-DAV", "GXO-DE-KOB", "GXO-NL"]
    assert all(r.channel in (None, Channel.AMAZON) for r in amazon.facility_rules)
    assert [s.carrier_service_code for s in amazon.carrier_services] == ["RM48"]
    assert [c.carrier_code for c in amazon.carrier_codes] == ["Royal Mail"]

    centra = load_mapping_set(engine, Channel.CENTRA)
    assert [(m.sku, m.item_code) for m in centra.skus] == [("TSHIRT-BLK-M", "GXO-9999")]
    assert [r.priority for r in centra.facility_rules] == [100, 5]
    assert [c.carrier_code for c in centra.carrier_codes] == ["DHL"]


def test_load_mapping_set_narrows_to_the_orders_skus(engine):
    _seed(engine)
    narrowed = load_mapping_set(engine, Channel.AMAZON, skus=["TSHIRT-BLK-M", "UNMAPPED"])
    assert narrowed.skus == [AMAZON_SKU]
    # The MUG-1 SKU override is irrelevant to this order; the generic rules stay.
    assert [r.facility_id for r in narrowed.facility_rules] == ["GXO-UK-DAV", "GXO-DE-KOB"]
    assert load_mapping_set(engine, Channel.AMAZON, skus=[]).skus == []


def test_large_upserts_are_chunked(engine):
    many = [
        SkuMapping(channel=Channel.CENTRA, sku=f"S{i:05}", item_code=f"I{i}") for i in range(1203)
    ]
    assert upsert_sku_mappings(engine, many) == WriteCounts(created=1203)
    assert upsert_sku_mappings(engine, many) == WriteCounts(updated=1203)
    assert list_sku_mappings(engine, Channel.CENTRA) == many


def test_a_failing_write_rolls_back_the_whole_call(engine):
    good = [SkuMapping(channel=Channel.AMAZON, sku=f"S{i:04}", item_code="I") for i in range(600)]
    # model_construct skips validation: a value only the database layer refuses, in chunk two.
    bad = SkuMapping.model_construct(
        channel=Channel.AMAZON, sku="BAD", item_code="I", customs_value=Decimal("NaN")
    )
    with pytest.raises(Exception, match="finite Decimal"):
        upsert_sku_mappings(engine, [*good, bad])
    assert list_sku_mappings(engine) == []


def test_load_mapping_set_finds_mappings_by_gtin(engine):
    upsert_sku_mappings(
        engine,
        [
            SkuMapping(channel=Channel.CENTRA, sku="JKT100BLKM", item_code="I1", gtin="735"),
            SkuMapping(channel=Channel.CENTRA, sku="OTHER", item_code="I2", gtin="999"),
        ],
    )
    found = load_mapping_set(engine, Channel.CENTRA, skus=["RENAMED-SKU"], gtins=["735"])
    assert [(m.sku, m.item_code, m.gtin) for m in found.skus] == [("JKT100BLKM", "I1", "735")]
