"""`consign set-aside list|show|resolve` against a temporary SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord
from starter import setaside_cli
from starter.cli import app
from store.migrate import open_store
from store.set_aside import keep_set_aside, list_set_aside

runner = CliRunner()
RAW = {"orderId": "204-1111111-1111111", "fulfillment": {"fulfillmentStatus": "ON_HOLD"}}


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setaside_cli.console, "width", 250)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    keep_set_aside(
        engine,
        [
            SetAsideRecord(
                system="amazon",
                feed=SetAsideFeed.ORDERS,
                scope="A1SELLER",
                record_id="204-1111111-1111111",
                reason=SetAsideReason.UNKNOWN_STATUS,
                detail="fulfillmentStatus 'ON_HOLD' is not a known value",
                raw=json.dumps(RAW),
            ),
            SetAsideRecord(
                system="gxo",
                feed=SetAsideFeed.WAREHOUSE_EVENTS,
                scope="GXO-UK-DAV",
                record_id="EV-9",
                reason=SetAsideReason.UNKNOWN_KIND,
                detail="kind 'RETURNED' is not one consign knows",
                raw='{"event_id": "EV-9", "kind": "RETURNED"}',
            ),
        ],
    )
    engine.dispose()
    return url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["set-aside", *args])
    return result.exit_code, result.output


def test_list_shows_the_open_records_and_filters(database_url: str) -> None:
    code, output = run("list", "--database-url", database_url)
    assert code == 0, output
    assert "204-1111111-1111111" in output and "EV-9" in output
    assert "UNKNOWN_STATUS" in output and "2 record(s)" in output
    code, output = run("list", "--system", "gxo", "--database-url", database_url)
    assert "EV-9" in output and "204-1111111" not in output
    code, output = run("list", "--reason", "UNKNOWN_STATUS", "--database-url", database_url)
    assert "1 record(s)" in output


def test_show_prints_the_raw_record_and_resolve_closes_it(database_url: str) -> None:
    engine = open_store(database_url)
    [first] = [e for e in list_set_aside(engine) if e.system == "amazon"]
    code, output = run("show", str(first.id), "--database-url", database_url)
    assert code == 0, output
    assert "fulfillmentStatus 'ON_HOLD'" in output and "open" in output
    assert '"fulfillmentStatus": "ON_HOLD"' in output  # the raw record, pretty-printed

    code, output = run(
        "resolve",
        str(first.id),
        "--note",
        "cancelled in Seller Central",
        "--by",
        "ops",
        "--database-url",
        database_url,
    )
    assert code == 0, output
    assert "cancelled in Seller Central (by ops)" in output
    code, output = run("list", "--database-url", database_url)
    assert "204-1111111-1111111" not in output and "1 record(s)" in output
    code, output = run("list", "--all", "--database-url", database_url)
    assert "(resolved)" in output
    code, output = run("resolve", str(first.id), "--note", "again", "--database-url", database_url)
    assert code == 1 and f"no open set-aside record {first.id}" in output
    engine.dispose()


def test_unknown_ids_and_empty_notes_are_one_line_errors(database_url: str) -> None:
    code, output = run("show", "999", "--database-url", database_url)
    assert code == 1 and "no set-aside record 999" in output
    code, output = run("resolve", "1", "--note", "  ", "--database-url", database_url)
    assert code == 1 and "--note must say what was done" in output


def test_an_empty_store_says_so(tmp_path: Path) -> None:
    code, output = run("list", "--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert code == 0 and "no records set aside (open)" in output


def test_list_filters_by_channel_and_account(database_url: str) -> None:
    """Two sellers and a store each set one record aside: `--channel` keeps one channel's,
    `--account` one account's (the warehouse's records are never an account's)."""
    engine = open_store(database_url)
    keep_set_aside(
        engine,
        [
            SetAsideRecord(
                system=system,
                feed=SetAsideFeed.ORDERS,
                scope=scope,
                record_id=record_id,
                reason=SetAsideReason.UNKNOWN_STATUS,
                detail="a status consign does not know",
                raw="{}",
            )
            for system, scope, record_id in (
                ("amazon", "A2SELLERDE", "305-2222222-2222222"),
                ("centra", "brand-us", "4711"),
            )
        ],
    )
    engine.dispose()
    code, output = run("list", "--channel", "amazon", "--database-url", database_url)
    assert code == 0, output
    assert "204-1111111-1111111" in output and "305-2222222-2222222" in output
    assert "4711" not in output and "EV-9" not in output
    code, output = run("list", "--account", "A2SELLERDE", "--database-url", database_url)
    assert "305-2222222-2222222" in output and "1 record(s)" in output
    code, output = run(
        "list", "--channel", "centra", "--account", "A2SELLERDE", "--database-url", database_url
    )
    assert code == 0 and "no records set aside" in output
    code, output = run("list", "--channel", "gxo", "--database-url", database_url)
    assert code == 1 and "unknown channel 'gxo'" in output
    code, output = run(
        "list", "--system", "gxo", "--account", "A2SELLERDE", "--database-url", database_url
    )
    assert code == 1 and "gxo has none" in output
