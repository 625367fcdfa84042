from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from domain.order import Channel
from store.csv_io import MAPPING_KINDS, CsvImportError, export_csv, import_csv, parse_csv
from store.mappings import (
    list_carrier_codes,
    list_carrier_services,
    list_facility_rules,
    list_sku_mappings,
    replace_facility_rules,
    upsert_sku_mappings,
)
from tests.store.conftest import wipe

# Any text a spreadsheet might hold: commas, quotes, line breaks, unicode (not NUL: no
# database stores it in text).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20)
OPTIONAL_TEXT = st.none() | TEXT
CODE2 = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=2, max_size=2)
CODE3 = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=3, max_size=3)
DECIMALS = st.integers(0, 9).flatmap(
    lambda places: st.decimals(
        min_value=-(10**12), max_value=10**12, places=places, allow_nan=False, allow_infinity=False
    )
)
CHANNELS = st.sampled_from(list(Channel))
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SKU_MAPPINGS = st.lists(
    st.builds(
        SkuMapping,
        channel=CHANNELS,
        sku=TEXT,
        item_code=TEXT,
        hs_code=OPTIONAL_TEXT,
        country_of_origin=st.none() | CODE2,
        customs_description=OPTIONAL_TEXT,
        customs_value=st.none() | DECIMALS,
        customs_currency=st.none() | CODE3,
    ),
    max_size=8,
    unique_by=lambda m: (m.channel, m.sku),
)
FACILITY_RULES = st.lists(
    st.builds(
        FacilityRule,
        facility_id=TEXT,
        channel=st.none() | CHANNELS,
        marketplace_id=OPTIONAL_TEXT,
        destination_country=OPTIONAL_TEXT,
        sku=OPTIONAL_TEXT,
        priority=st.integers(-(2**31), 2**31 - 1),
        domestic_countries=st.text(max_size=12).filter(lambda s: "\x00" not in s),
    ),
    max_size=6,
)


def _export(engine, kind: str) -> str:
    stream = io.StringIO(newline="")
    export_csv(engine, kind, stream)
    return stream.getvalue()


def _import(engine, kind: str, text: str):
    return import_csv(engine, kind, io.StringIO(text, newline=""))


@PROPERTY
@given(mappings=SKU_MAPPINGS)
def test_sku_csv_round_trip_is_lossless(engine, mappings):
    wipe(engine)
    upsert_sku_mappings(engine, mappings)
    before = list_sku_mappings(engine)
    text = _export(engine, "skus")
    wipe(engine)
    report = _import(engine, "skus", text)
    assert report.rows == report.created == len(mappings)
    after = list_sku_mappings(engine)
    assert after == before
    assert sorted(after, key=lambda m: (m.channel, m.sku)) == sorted(
        mappings, key=lambda m: (m.channel, m.sku)
    )
    assert _export(engine, "skus") == text


@PROPERTY
@given(rules=FACILITY_RULES)
def test_facility_csv_round_trip_is_lossless(engine, rules):
    wipe(engine)
    replace_facility_rules(engine, rules)
    text = _export(engine, "facilities")
    wipe(engine)
    report = _import(engine, "facilities", text)
    assert (report.created, report.removed) == (len(rules), 0)
    assert list_facility_rules(engine) == rules


def test_carrier_csv_round_trip(engine):
    services = (
        "channel,ship_service_level,carrier_service_code,destination\r\n"
        "amazon,STANDARD,RM48,domestic\r\n"
        "amazon,STANDARD,DHL-INTL,international\r\n"
        'centra,"Express, next day",DPD-NEXT,any\r\n'
    )
    codes = (
        "channel,carrier_service_code,carrier_code,carrier_name,shipping_method\r\n"
        'amazon,RM48,Other,"Royal ""Mail""",Tracked 48\r\n'
        "centra,DPD-NEXT,DPD,,\r\n"
    )
    assert _import(engine, "carrier-services", services).created == 3
    assert _import(engine, "carrier-codes", codes).created == 2
    assert list_carrier_services(engine)[2] == CarrierServiceMapping(
        channel=Channel.CENTRA,
        ship_service_level="Express, next day",
        carrier_service_code="DPD-NEXT",
    )
    assert list_carrier_codes(engine)[0].carrier_name == 'Royal "Mail"'
    assert list_carrier_codes(engine)[1] == CarrierCodeMapping(
        channel=Channel.CENTRA, carrier_service_code="DPD-NEXT", carrier_code="DPD"
    )
    assert _export(engine, "carrier-services") == services
    assert _export(engine, "carrier-codes") == codes


def test_reimport_updates_and_reports(engine):
    text = "channel,sku,item_code,customs_value\r\namazon,A,I-1,1.5\r\ncentra,A,I-2,\r\n"
    first = _import(engine, "skus", text)
    assert (first.rows, first.created, first.updated) == (2, 2, 0)
    second = _import(engine, "skus", text.replace("I-1", "I-9"))
    assert (second.rows, second.created, second.updated) == (2, 0, 2)
    stored = list_sku_mappings(engine)
    assert [(m.item_code, m.customs_value) for m in stored] == [
        ("I-9", Decimal("1.5")),
        ("I-2", None),
    ]


def test_optional_columns_may_be_left_out_and_a_bom_is_ignored(engine):
    _import(engine, "facilities", "\ufefffacility_id\r\nGXO-UK-DAV\r\n\r\n")
    assert list_facility_rules(engine) == [FacilityRule(facility_id="GXO-UK-DAV")]


GOOD_SKUS = "channel,sku,item_code,customs_value\r\namazon,A,I-1,1.00\r\n"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("skus", GOOD_SKUS + "amazon,B,I-2,12,5\r\n", "line 3: expected 4 cells, found 5"),
        ("skus", GOOD_SKUS + "amazon,B,I-2,abc\r\n", "line 3, column 'customs_value'"),
        ("skus", GOOD_SKUS + "ebay,B,I-2,1\r\n", "line 3, column 'channel'"),
        ("skus", GOOD_SKUS + "amazon,B,,1\r\n", "line 3, column 'item_code': a value is required"),
        ("skus", GOOD_SKUS + "amazon,A,I-3,2\r\n", "line 3: duplicate channel+sku"),
        (
            "skus",
            'channel,sku,item_code\r\namazon,"multi\r\nline",I-1\r\namazon,C,I-2,x\r\n',
            "line 4: expected 3 cells",
        ),
        ("skus", "channel,sku\r\namazon,A\r\n", "line 1, column 'item_code': required column"),
        ("skus", "channel,sku,item_code,colour\r\n", "line 1, column 'colour': unknown column"),
        ("skus", "", "line 1: empty file"),
        ("facilities", "facility_id,priority\r\nA,1\r\nB,high\r\n", "line 3, column 'priority'"),
        (
            "carrier-codes",
            "channel,carrier_service_code,carrier_code\r\namazon,RM48,\r\n",
            "line 2, column 'carrier_code'",
        ),
    ],
)
def test_a_bad_row_names_line_and_column_and_imports_nothing(engine, kind, text, expected):
    with pytest.raises(CsvImportError) as caught:
        _import(engine, kind, text)
    assert expected in str(caught.value)
    assert "nothing imported" in str(caught.value)
    assert list_sku_mappings(engine) == []
    assert list_facility_rules(engine) == []
    assert list_carrier_codes(engine) == []


def test_a_rejected_facility_file_keeps_the_current_rules(engine):
    _import(engine, "facilities", "facility_id\r\nKEEP\r\n")
    with pytest.raises(CsvImportError):
        _import(engine, "facilities", "facility_id,priority\r\nNEW,1\r\nBAD,x\r\n")
    assert list_facility_rules(engine) == [FacilityRule(facility_id="KEEP")]


def test_every_error_is_reported_not_just_the_first():
    rows = "".join(f"amazon,S{i},,1\r\n" for i in range(30))
    with pytest.raises(CsvImportError) as caught:
        parse_csv("skus", io.StringIO("channel,sku,item_code,customs_value\r\n" + rows))
    assert len(caught.value.errors) == 30
    assert [e.line for e in caught.value.errors[:2]] == [2, 3]
    assert "... and 10 more" in str(caught.value)


def test_unknown_kind_is_refused(engine):
    with pytest.raises(ValueError, match="unknown mapping kind"):
        export_csv(engine, "stock", io.StringIO())
    assert set(MAPPING_KINDS) == {
        "skus",
        "facilities",
        "carrier-services",
        "carrier-codes",
        "buffers",
    }


def test_buffer_rules_round_trip_and_replace_the_set(engine):
    rules = "channel,sku,units,percent\r\n,,2,0\r\namazon,,0,10.5\r\ncentra,JKT100BLKM,5,20\r\n"
    assert _import(engine, "buffers", rules).created == 3
    assert _export(engine, "buffers") == rules
    assert _import(engine, "buffers", "channel,sku,units,percent\r\n,,1,0\r\n").removed == 3
    assert _export(engine, "buffers") == "channel,sku,units,percent\r\n,,1,0\r\n"


def test_export_writes_plain_decimals(engine):
    upsert_sku_mappings(
        engine,
        [SkuMapping(channel=Channel.AMAZON, sku="A", item_code="I", customs_value=Decimal("1E+2"))],
    )
    assert (
        _export(engine, "skus").splitlines()[1] == "amazon,A,I,,,,,100,"
    )  # item_code, gtin, hs_code, origin, description
