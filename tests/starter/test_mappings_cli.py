"""`consign mappings import|export` against a temporary SQLite store (the store's own tests
cover PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

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
