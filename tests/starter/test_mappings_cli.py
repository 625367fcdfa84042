"""`consign mappings import|export` against a temporary SQLite store (the store's own tests
cover PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from starter.cli import app

SKUS = (
    "channel,sku,item_code,hs_code,country_of_origin,customs_description,customs_value,"
    "customs_currency\n"
    "amazon,TEE-BLK-M,GXO-1001,610910,PT,Cotton T-shirt,12.50,GBP\n"
    "amazon,CAP-RED,GXO-2002,,,,,\n"
)
CARRIER_CODES = (
    "channel,carrier_service_code,carrier_code,carrier_name,shipping_method\n"
    "amazon,RM48,Royal Mail,,Tracked 48\n"
)

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_import_then_export_round_trips(tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "skus.csv"
    source.write_text(SKUS)
    result = runner.invoke(
        app, ["mappings", "import", "skus", str(source), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "skus: 2 row(s) imported (2 created, 0 updated, 0 removed)" in result.output

    again = runner.invoke(
        app, ["mappings", "import", "skus", str(source), "--database-url", database_url]
    )
    assert "(0 created, 2 updated, 0 removed)" in again.output

    target = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["mappings", "export", "skus", str(target), "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    assert "2 skus row(s) written" in result.output
    rows = {row["sku"]: row for row in csv.DictReader(target.open(newline=""))}
    assert rows["TEE-BLK-M"]["item_code"] == "GXO-1001"
    assert rows["TEE-BLK-M"]["customs_value"] == "12.50"
    assert rows["CAP-RED"]["hs_code"] == ""


def test_export_to_stdout_is_only_csv(tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "codes.csv"
    source.write_text(CARRIER_CODES)
    runner.invoke(
        app, ["mappings", "import", "carrier-codes", str(source), "--database-url", database_url]
    )
    result = runner.invoke(
        app, ["mappings", "export", "carrier-codes", "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows == [
        {
            "channel": "amazon",
            "carrier_service_code": "RM48",
            "carrier_code": "Royal Mail",
            "carrier_name": "",
            "shipping_method": "Tracked 48",
        }
    ]


def test_a_bad_row_is_reported_without_a_traceback(tmp_path: Path, database_url: str) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(SKUS.replace("amazon,CAP-RED", "ebay,CAP-RED"))
    result = runner.invoke(
        app, ["mappings", "import", "skus", str(source), "--database-url", database_url]
    )
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line 3" in result.output
    assert "Traceback" not in result.output
    export = runner.invoke(app, ["mappings", "export", "skus", "--database-url", database_url])
    assert export.stdout.strip().count("\n") == 0  # header only: nothing was written


def test_unknown_kind_and_missing_file(tmp_path: Path, database_url: str) -> None:
    result = runner.invoke(app, ["mappings", "import", "colours", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    result = runner.invoke(
        app,
        [
            "mappings",
            "import",
            "skus",
            str(tmp_path / "missing.csv"),
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 1
    assert "no such file" in result.output


def _one_line_error(result: Result, name: str) -> str:
    """The command failed with exactly one line, `error: NAME: problem`; returns the problem."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {name}: "), lines[0]
    return lines[0].removeprefix(f"error: {name}: ")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data, not CSV text"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "binary data (an Excel workbook?), not CSV text"),
        (SKUS.encode("utf-16"), "UTF-16 text: save it as CSV UTF-8"),
        (SKUS.replace("Cotton", "Coton brodé").encode("cp1252"), "not UTF-8 text (byte 0xe9"),
        (b'{"skus": [{"sku": "TEE-BLK-M"}]}\n', "line 1: not a SKU mapping header: missing"),
        (b"channel,sku\namazon,TEE-BLK-M\n", "missing column(s) 'item_code'"),
        (b"", "line 1: empty file: expected a header row"),
        (b"channel,sku,item_code\namazon,A\x00B,I\n", "binary data, not CSV text"),
    ],
    ids=["png", "xlsx", "utf-16", "cp1252", "json", "missing-columns", "empty", "nul"],
)
def test_an_unreadable_file_is_one_line_naming_it(
    tmp_path: Path, database_url: str, content: bytes, problem: str
) -> None:
    source = tmp_path / "mappings.csv"
    source.write_bytes(content)
    result = runner.invoke(
        app, ["mappings", "import", "skus", str(source), "--database-url", database_url]
    )
    assert problem in _one_line_error(result, str(source))


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("missing.csv", "no such file"),
        (".", "is a directory, not a CSV file"),
        ("/dev/null", "not a regular file"),
    ],
)
def test_a_path_that_is_not_a_file_is_one_line_naming_it(
    tmp_path: Path, database_url: str, path: str, problem: str
) -> None:
    target = tmp_path / path if path != "/dev/null" else Path(path)
    result = runner.invoke(
        app, ["mappings", "import", "facilities", str(target), "--database-url", database_url]
    )
    assert _one_line_error(result, str(target)) == problem


def test_binary_on_stdin_is_one_line(database_url: str) -> None:
    result = runner.invoke(
        app,
        ["mappings", "import", "skus", "-", "--database-url", database_url],
        input=b"\x00\x01\x02\xff",
    )
    assert _one_line_error(result, "stdin") == "binary data, not CSV text: save it as CSV UTF-8"


def test_an_export_that_cannot_be_written_is_one_line(tmp_path: Path, database_url: str) -> None:
    target = tmp_path / "no-such-dir" / "skus.csv"
    result = runner.invoke(
        app, ["mappings", "export", "skus", str(target), "--database-url", database_url]
    )
    assert _one_line_error(result, str(target)) == "cannot write it: No such file or directory"


FACILITIES = "facility_id,channel,priority\nGXO-UK-DAV,amazon,100\nGXO-DE-KOB,,50\n"


def test_an_empty_facilities_file_keeps_the_rules_unless_forced(
    tmp_path: Path, database_url: str
) -> None:
    rules, empty = tmp_path / "rules.csv", tmp_path / "empty.csv"
    rules.write_text(FACILITIES)
    empty.write_text("facility_id,channel,priority\n")
    command = ["mappings", "import", "facilities"]
    assert runner.invoke(app, [*command, str(rules), "--database-url", database_url]).exit_code == 0

    refused = runner.invoke(app, [*command, str(empty), "--database-url", database_url])
    assert _one_line_error(refused, str(empty)) == (
        "the facilities file has no rows: importing it would delete all 2 facility routing "
        "rule(s) (facility_id=GXO-UK-DAV channel=amazon; facility_id=GXO-DE-KOB priority=50); "
        "nothing was changed; to delete them, import it again with --force"
    )
    export = ["mappings", "export", "facilities", "--database-url", database_url]
    assert len(runner.invoke(app, export).stdout.splitlines()) == 3

    forced = runner.invoke(app, [*command, str(empty), "--force", "--database-url", database_url])
    assert forced.exit_code == 0, forced.output
    assert "(0 created, 0 updated, 2 removed)" in forced.output
    assert len(runner.invoke(app, export).stdout.splitlines()) == 1
