"""Mapping and buffer CSVs an operator might import by mistake: each is refused with one line
naming the file and the problem (exit 1) and changes nothing in the store; a cell a spreadsheet
would run as a formula is imported as text and exported escaped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine

from domain.inventory import BufferRule
from store.inventory import replace_buffer_rules
from store.mappings import list_sku_mappings
from tests.corpus import cli
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, one, rows

SKU_HEADER = (
    "channel,sku,item_code,gtin,hs_code,country_of_origin,customs_description,customs_value,"
    "customs_currency\n"
)
FORMULA = '=HYPERLINK("http://evil.example","GXO-100002")'


def refused(says: str) -> Outcome:
    return Outcome("exit 1", says)


DIRECTORY, MISSING = "a directory", "no file"
BUFFERS_HEADER = "channel,sku,units,percent\n"
FACILITIES_HEADER = (
    "facility_id,channel,marketplace_id,destination_country,sku,priority,domestic_countries\n"
)


def row(
    kind: str, table: str, bad: str, says: str, content: bytes | str
) -> tuple[Case, bytes | str]:
    """A file of `table` (skus, facilities, buffers, ...) that `consign` must refuse."""
    return Case(kind, f"CSV import: {table}", bad, Outcome("exit 1", says)), content


def sku_rows(*rows: str) -> bytes:
    return (SKU_HEADER + "".join(f"{r}\n" for r in rows)).encode()


ROWS: list[tuple[Case, bytes | str]] = [
    row(
        "csv-binary-workbook",
        "skus",
        "an .xlsx workbook",
        "binary data (an Excel workbook?)",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 64,
    ),
    row("csv-utf16", "skus", "UTF-16 text", "UTF-16 text", SKU_HEADER.encode("utf-16")),
    row(
        "csv-not-utf8",
        "skus",
        "Latin-1 text",
        "not UTF-8 text (byte 0xc9",
        (SKU_HEADER + "amazon,CAFÉ,GXO-1,,,,,,\n").encode("latin-1"),
    ),
    row("csv-empty-file", "skus", "a 0-byte file", "empty file", b""),
    row(
        "csv-empty-whole-set",
        "facilities",
        "a header and no rows",
        "would delete all 2 facility routing rule(s)",
        FACILITIES_HEADER.encode(),
    ),
    row(
        "csv-empty-buffer-set",
        "buffers",
        "a header and no rows",
        "would delete all 1 buffer rule(s)",
        BUFFERS_HEADER.encode(),
    ),
    row(
        "csv-wrong-kind",
        "skus",
        "a carrier-codes file",
        "not a SKU mapping header",
        b"channel,carrier_service_code,carrier_code,carrier_name,shipping_method\n"
        b"amazon,RM48,Royal Mail,,Tracked 48\n",
    ),
    row(
        "csv-unknown-channel",
        "skus",
        "channel 'ebay'",
        "line 2, column 'channel'",
        sku_rows("ebay,TEE-1,GXO-1,,,,,,"),
    ),
    row(
        "csv-non-numeric",
        "skus",
        "customs_value 'twelve'",
        "line 2, column 'customs_value'",
        sku_rows("amazon,TEE-1,GXO-1,,610910,PT,Tee,twelve,GBP"),
    ),
    row(
        "csv-negative-buffer",
        "buffers",
        "a buffer of -5 units",
        "line 2, column 'units'",
        (BUFFERS_HEADER + "amazon,TSHIRT-BLK-M,-5,0\n").encode(),
    ),
    row(
        "csv-duplicate-key",
        "skus",
        "one SKU on two rows",
        "duplicate channel+sku ('amazon', 'TEE-1'), first on line 2",
        sku_rows("amazon,TEE-1,GXO-1,,,,,,", "amazon,TEE-1,GXO-2,,,,,,"),
    ),
    row(
        "csv-ragged-row",
        "skus",
        "a row of 3 cells",
        "expected 9 cells, found 3",
        sku_rows("amazon,TEE-1,GXO-1"),
    ),
    row(
        "csv-oversized",
        "skus",
        "a 33 MiB file",
        "larger than 32 MiB",
        sku_rows(*["amazon,TEE-1,GXO-1,,,,,,"] * (33 * 2**20 // 24)),
    ),
    row(
        "csv-unknown-destination",
        "carrier-services",
        "destination 'overseas'",
        "line 2, column 'destination'",
        b"channel,ship_service_level,carrier_service_code,destination\n"
        b"amazon,STANDARD,RM-TRACKED-48,overseas\n",
    ),
    row(
        "csv-missing-required-cell",
        "carrier-codes",
        "a row without its carrier_code",
        "line 2, column 'carrier_code': a value is required",
        b"channel,carrier_service_code,carrier_code,carrier_name,shipping_method\n"
        b"amazon,RM-TRACKED-48,,,Tracked 48\n",
    ),
    row("csv-directory", "skus", "a directory's path", "is a directory", DIRECTORY),
    row("csv-missing-file", "skus", "a path with no file", "no such file", MISSING),
]


@pytest.fixture
def store(engine: Engine, store_url: str) -> tuple[Engine, str]:
    replace_buffer_rules(engine, [BufferRule(units=2)])
    return engine, store_url


@rows("content", ROWS)
def test_a_bad_csv_is_refused_and_changes_nothing(
    case: Case,
    content: bytes | str,
    store: tuple[Engine, str],
    tmp_path: Path,
    corpus: Corpus,
) -> None:
    engine, url = store
    path = tmp_path / f"{case.kind}.csv"
    if content == DIRECTORY:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    kind = case.surface.rpartition(" ")[2]
    command = ["inventory", "buffers"] if kind == "buffers" else ["mappings"]
    before = cli.store_contents(engine)

    kind_argument = [] if kind == "buffers" else [kind]
    observed = cli.run([*command, "import", *kind_argument, str(path), "--database-url", url])

    after = cli.store_contents(engine)
    observed.lost += missing("the store after the refused import", before, after)
    observed.lost += missing("the file named in the error", True, str(path) in observed.message)
    observed.message = observed.message.replace(str(path), path.name)
    corpus.check(case, observed)


FORMULA_CASE = Case(
    "csv-formula-cell",
    "CSV import: skus",
    "an item code =HYPERLINK(...)",
    Outcome("exported escaped", "'=HYPERLINK("),
)


@one(FORMULA_CASE)
def test_a_formula_cell_is_kept_as_text_and_exported_escaped(
    case: Case, store: tuple[Engine, str], tmp_path: Path, corpus: Corpus
) -> None:
    engine, url = store
    source = tmp_path / "skus.csv"
    with source.open("w", newline="") as stream:
        stream.write(SKU_HEADER)
        csv.writer(stream).writerow(["amazon", "TEE-F", FORMULA, "", "", "", "", "", ""])
    imported = cli.run(["mappings", "import", "skus", str(source), "--database-url", url])
    exported = cli.runner.invoke(cli.app, ["mappings", "export", "skus", "--database-url", url])
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    cell = rows.get("TEE-F", {}).get("item_code", "")
    observed = Observed("exported escaped" if cell.startswith("'=") else "exported as is", cell)
    observed.lost += missing("the import", "exit 0", imported.name)
    # Nothing lost: the stored value is the text as written, and re-importing the export
    # (which removes exactly the quote it added) stores that same text again.
    stored = {m.sku: m.item_code for m in list_sku_mappings(engine)}
    observed.lost += missing("the stored item code", FORMULA, stored.get("TEE-F"))
    again = tmp_path / "again.csv"
    again.write_text(exported.stdout)
    cli.run(["mappings", "import", "skus", str(again), "--database-url", url])
    stored = {m.sku: m.item_code for m in list_sku_mappings(engine)}
    observed.lost += missing("the value after a round trip", FORMULA, stored.get("TEE-F"))
    corpus.check(case, observed)
