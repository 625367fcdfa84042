"""`consign settlements list|show|export|month-end` against a temporary SQLite store holding
the authored sample and its differences."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.settlement_attribution import attribute
from domain.settlement_differences import differences
from integrations.amazon.settlement import parse_settlement
from starter import settlements_cli
from starter.cli import app
from store.migrate import open_store
from store.settlements import replace_differences, store_settlement
from tests.settlements.consign_records import SETTLED_BEFORE, SHIPPED
from tests.settlements.samples import authored_text

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settlements_cli.console, "width", 250)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    settlement = parse_settlement(authored_text())
    attribution = attribute(settlement)
    store_settlement(
        engine, settlement, attribution, channel="amazon", account="A1SELLER", report_id="R1"
    )
    found = differences(attribution, SHIPPED, settled_before=SETTLED_BEFORE)
    replace_differences(engine, settlement.settlement_id, found)
    engine.dispose()
    return url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["settlements", *args])
    return result.exit_code, result.output


def test_list_and_show(database_url: str) -> None:
    code, out = run("list", "--database-url", database_url)
    assert code == 0, out
    assert "24988110041" in out and "88.74 USD" in out
    code, out = run("list", "--period", "2026-08", "--database-url", database_url)
    assert (code, out.strip()) == (0, "no settlements stored")
    code, out = run("show", "24988110041", "--database-url", database_url)
    assert code == 0, out
    assert "attributed 88.74" in out
    assert "reserve_held" in out and "-74.18" in out
    assert "settled_not_shipped" in out and "112-6639014-0395847" in out
    code, out = run("show", "999", "--database-url", database_url)
    assert code == 1 and "no settlement 999 stored" in out


def test_export_csv(database_url: str, tmp_path: Path) -> None:
    code, out = run("export", "24988110041", "--csv", "--database-url", database_url)
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 38
    assert sum(Decimal(row["amount"]) for row in rows) == Decimal("88.74")
    assert rows[0]["kind"] == "principal" and rows[0]["order_id"] == "113-2841937-5520641"
    target = tmp_path / "out.csv"
    code, _ = run(
        "export", "24988110041", "--csv", "-o", str(target), "--database-url", database_url
    )
    assert code == 0 and target.read_text().count("\n") == 39
    code, out = run("export", "24988110041", "--database-url", database_url)
    assert code == 1 and "--csv" in out


def test_month_end_writes_csv_and_a_self_contained_html_page(
    database_url: str, tmp_path: Path
) -> None:
    code, out = run(
        "month-end",
        "--period",
        "2026-07",
        "--output-dir",
        str(tmp_path),
        "--database-url",
        database_url,
    )
    assert code == 0, out
    assert "1 settlement(s)" in out and "5 difference(s)" in out
    [line] = list(csv.DictReader((tmp_path / "settlements-2026-07.csv").open()))
    assert line["opening_reserve"] == "61.35" and line["closing_reserve"] == "74.18"
    assert line["deposit"] == "88.74"
    parts = [Decimal(line[c]) for c in settlements_cli_columns()]
    assert sum(parts) == Decimal("88.74")  # every column adds up to the deposit
    diffs = list(csv.DictReader((tmp_path / "settlements-2026-07-differences.csv").open()))
    assert {d["kind"] for d in diffs} == {
        "quantity_differs",
        "total_differs",
        "settled_not_shipped",
        "refund_without_return",
        "shipped_not_settled",
    }
    page = (tmp_path / "settlements-2026-07.html").read_text()
    assert "<svg" in page and "Where the money went (USD)" in page
    assert "<script" not in page  # nothing to run, nothing fetched:
    assert "src=" not in page and 'href="http' not in page and "@import" not in page
    code, out = run("month-end", "--period", "July", "--database-url", database_url)
    assert code == 1 and "YYYY-MM" in out


def settlements_cli_columns() -> list[str]:
    from domain.month_end import COLUMNS

    return list(COLUMNS)
