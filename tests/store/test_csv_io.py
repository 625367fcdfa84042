from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.inventory import BufferRule
from domain.mapping import CarrierCodeMapping, CarrierServiceMapping, FacilityRule, SkuMapping
from integrations.registry import CHANNEL_NAMES, Channel
from store import csv_io
from store.csv_io import (
    FORMULA_PREFIXES,
    MAPPING_KINDS,
    CsvImportError,
    ImportRefused,
    UnreadableCsv,
    escape_formula,
    export_csv,
    import_csv,
    parse_csv,
    read_csv_bytes,
    read_csv_file,
    unescape_formula,
)
from store.inventory import list_buffer_rules, replace_buffer_rules
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
# database stores it in text), and often what a spreadsheet would run as a formula, or a value
# that only looks escaped.
ANY_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
TRICKY_STARTS = st.sampled_from([*FORMULA_PREFIXES, "'", "''", "'=", "' ", "=HYPERLINK("])
TEXT = st.one_of(
    ANY_TEXT.filter(bool), st.builds(lambda start, rest: start + rest, TRICKY_STARTS, ANY_TEXT)
)
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
        domestic_countries=st.text(max_size=12).filter(lambda s: "\x00" not in s) | TEXT,
    ),
    max_size=6,
)
BUFFER_RULES = st.lists(
    st.builds(
        BufferRule,
        channel=st.none() | CHANNELS,
        sku=OPTIONAL_TEXT,
        units=st.integers(0, 10**6),
        percent=st.decimals(0, 100, places=2),
    ),
    max_size=6,
)


def _export(engine, kind: str) -> str:
    stream = io.StringIO(newline="")
    export_csv(engine, kind, stream)
    return stream.getvalue()


def _import(engine, kind: str, text: str, force: bool = False):
    return import_csv(
        engine, kind, io.StringIO(text, newline=""), channels=CHANNEL_NAMES, force=force
    )


def assert_no_formula(kind: str, text: str) -> None:
    """No cell of an exported file starts the way a spreadsheet formula does, except a
    negative number in a numeric column."""
    numeric = csv_io._spec(kind).model.model_fields.keys() - csv_io._spec(kind).text_columns
    for row in csv.DictReader(io.StringIO(text, newline="")):
        for column, cell in row.items():
            if column not in numeric:
                assert not cell.startswith(FORMULA_PREFIXES), (column, cell)


@PROPERTY
@given(mappings=SKU_MAPPINGS)
def test_sku_csv_round_trip_is_lossless(engine, mappings):
    wipe(engine)
    upsert_sku_mappings(engine, mappings)
    before = list_sku_mappings(engine)
    text = _export(engine, "skus")
    assert_no_formula("skus", text)
    wipe(engine)
    report = _import(engine, "skus", text)
    assert report.rows == report.created == len(mappings)
    after = list_sku_mappings(engine)
    assert after == before
    assert sorted(after, key=lambda m: (m.channel, m.sku)) == sorted(
        mappings, key=lambda m: (m.channel, m.sku)
    )
    assert _export(engine, "skus") == text


WHOLE_SETS: dict[str, tuple[Any, Any, Any]] = {  # strategy, write, read
    "facilities": (FACILITY_RULES, replace_facility_rules, list_facility_rules),
    "buffers": (BUFFER_RULES, replace_buffer_rules, list_buffer_rules),
}


@PROPERTY
@pytest.mark.parametrize("kind", list(WHOLE_SETS))
@given(data=st.data())
def test_rule_set_csv_round_trip_is_lossless(engine, kind, data):
    strategy, replace, read = WHOLE_SETS[kind]
    rules = data.draw(strategy)
    wipe(engine)
    replace(engine, rules)
    text = _export(engine, kind)
    assert_no_formula(kind, text)
    wipe(engine)
    report = _import(engine, kind, text)
    assert (report.created, report.removed) == (len(rules), 0)
    assert read(engine) == rules


@given(value=TEXT | ANY_TEXT)
def test_escaping_is_exact_and_defuses_every_formula(value):
    escaped = escape_formula(value)
    assert unescape_formula(escaped) == value
    assert not escaped.startswith(FORMULA_PREFIXES)
    assert escaped == value or escaped == "'" + value


def test_an_exported_formula_is_quoted_and_imported_back_as_it_was(engine):
    link = '=HYPERLINK("http://evil.example","click")'
    mapping = SkuMapping(
        channel=Channel.AMAZON, sku="@SUM(A1)", item_code=link, customs_description="-2+3"
    )
    upsert_sku_mappings(engine, [mapping])
    replace_facility_rules(engine, [FacilityRule(facility_id="+GXO", priority=-5)])
    skus, facilities = _export(engine, "skus"), _export(engine, "facilities")
    assert skus.splitlines()[1] == (
        'amazon,\'@SUM(A1),"\'=HYPERLINK(""http://evil.example"",""click"")",,,,\'-2+3,,'
    )
    assert facilities.splitlines()[1] == "'+GXO,,,,,-5,"  # a number stays a number
    wipe(engine)
    _import(engine, "skus", skus)
    _import(engine, "facilities", facilities)
    assert list_sku_mappings(engine) == [mapping]
    assert list_facility_rules(engine) == [FacilityRule(facility_id="+GXO", priority=-5)]


def test_only_the_quote_export_adds_is_removed(engine):
    text = "channel,sku,item_code\r\namazon,'A,'=B\r\namazon,'',''C\r\n"
    _import(engine, "skus", text)
    assert [(m.sku, m.item_code) for m in list_sku_mappings(engine)] == [("'", "'C"), ("'A", "=B")]


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
        (
            "skus",
            "channel,sku\r\namazon,A\r\n",
            "line 1: not a SKU mapping header: missing column(s) 'item_code'",
        ),
        (
            "skus",
            "channel,sku,item_code,colour\r\n",
            "line 1: not a SKU mapping header: unknown column(s) 'colour'",
        ),
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
        parse_csv(
            "skus", io.StringIO("channel,sku,item_code,customs_value\r\n" + rows), CHANNEL_NAMES
        )
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
        "dispositions",
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


# -- a file with no rows, for the kinds it would empty ------------------------------------


@pytest.mark.parametrize(
    ("kind", "seed", "header", "named"),
    [
        (
            "facilities",
            lambda engine: replace_facility_rules(
                engine,
                [
                    FacilityRule(facility_id="GXO-UK-DAV", channel=Channel.AMAZON),
                    FacilityRule(facility_id="GXO-DE-KOB", priority=50),
                ],
            ),
            "facility_id,channel,marketplace_id,destination_country,sku,priority,domestic_countries\r\n",
            "2 facility routing rule(s) (facility_id=GXO-UK-DAV channel=amazon; "
            "facility_id=GXO-DE-KOB priority=50)",
        ),
        (
            "buffers",
            lambda engine: replace_buffer_rules(engine, [BufferRule(units=2)]),
            "channel,sku,units,percent\r\n",
            "1 buffer rule(s) (units=2)",
        ),
    ],
)
def test_an_empty_file_does_not_delete_a_whole_set_unless_forced(engine, kind, seed, header, named):
    seed(engine)
    before = _export(engine, kind)
    with pytest.raises(ImportRefused) as caught:
        _import(engine, kind, header)
    assert f"the {kind} file has no rows: importing it would delete all {named}" in str(
        caught.value
    )
    assert "nothing was changed" in str(caught.value)
    assert _export(engine, kind) == before

    report = _import(engine, kind, header, force=True)
    assert (report.rows, report.removed) == (0, len(caught.value.current))
    assert _export(engine, kind) == header
    assert _import(engine, kind, header).removed == 0  # nothing left to delete: no refusal


def test_an_empty_file_of_an_upserted_kind_changes_nothing(engine):
    _import(engine, "skus", GOOD_SKUS)
    assert _import(engine, "skus", "channel,sku,item_code\r\n").rows == 0
    assert len(list_sku_mappings(engine)) == 1


# -- inputs that are not CSV text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not CSV text"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary data (an Excel workbook?), not CSV text"),
        ("channel,sku\n".encode("utf-16"), "UTF-16 text: save it as CSV UTF-8"),
        ("channel,sku,item_code\namazon,CAFÉ,I\n".encode("latin-1"), "not UTF-8 text (byte 0xc9"),
    ],
    ids=["png", "xlsx", "utf-16", "latin-1"],
)
def test_bytes_that_are_not_utf8_csv_are_named(data, problem):
    with pytest.raises(UnreadableCsv, match=re.escape(problem)):
        read_csv_bytes(io.BytesIO(data))


def test_a_bom_is_dropped_and_size_is_bounded(monkeypatch):
    assert read_csv_bytes(io.BytesIO(b"\xef\xbb\xbfa,b\r\n")) == "a,b\r\n"
    monkeypatch.setattr(csv_io, "MAX_CSV_BYTES", 8)
    with pytest.raises(UnreadableCsv, match="larger than"):
        read_csv_bytes(io.BytesIO(b"a,b\r\n1,2\r\n"))


def test_paths_that_are_not_files_are_named(tmp_path: Path):
    with pytest.raises(UnreadableCsv, match=r"^no such file$"):
        read_csv_file(tmp_path / "missing.csv")
    with pytest.raises(UnreadableCsv, match=r"^is a directory, not a CSV file$"):
        read_csv_file(tmp_path)
    with pytest.raises(UnreadableCsv, match=r"^not a regular file$"):
        read_csv_file(Path("/dev/null"))
