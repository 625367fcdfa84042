"""`consign orders --json|--csv|--older-than|--ship-by-within` and the "more rows" hint,
`consign unmatched list|resolve`, `consign intakes` and `consign owners`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage
from starter import intakes_cli
from starter.cli import app
from starter.orders_cli import build_query, parse_duration
from store.migrate import open_store
from store.unmatched import record_unmatched_event
from tests.starter.conftest import Invoke, OrderServer, make_status, unique_account
from tests.starter.report_world import OPEN_QUEUE, report_world

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def test_duration_forms() -> None:
    assert parse_duration("90m", "--x") == timedelta(minutes=90)
    assert parse_duration("6", "--x") == timedelta(hours=6)
    assert parse_duration("2d", "--x") == timedelta(days=2)
    assert parse_duration("1W", "--x") == timedelta(weeks=1)
    for bad in ("soon", "-2h", "nanh", ""):
        with pytest.raises(typer.BadParameter):
            parse_duration(bad, "--x")


def test_age_and_ship_by_clauses() -> None:
    query = build_query(older_than=timedelta(days=2), ship_by_within=timedelta(hours=6), now=NOW)
    assert query == (
        "WorkflowType = 'OrderFulfillment' AND StartTime < '2026-03-03T12:00:00Z' "
        "AND ShipBy < '2026-03-05T18:00:00Z'"
    )


async def _three_orders(order_server: OrderServer) -> str:
    account = unique_account()
    soon = datetime.now(UTC) + timedelta(hours=3)
    await order_server.start_order(
        make_status(
            account, "=HYPERLINK(1)", OrderStage.EXCEPTION, exception=ExceptionKind.UNMAPPED_SKU
        )
    )
    await order_server.start_order(
        make_status(account, "222-SOON").model_copy(update={"ship_by": soon})
    )
    await order_server.start_order(
        make_status(account, "333-LATER").model_copy(
            update={"ship_by": datetime.now(UTC) + timedelta(days=3)}
        )
    )
    await order_server.wait_visible(f"ChannelAccount = '{account}'", 3)
    return account


async def test_json_csv_ship_by_and_more_rows(order_server: OrderServer, cli: Invoke) -> None:
    account = await _three_orders(order_server)
    base = ["orders", "--address", order_server.address, "--account", account]

    result = await cli(*base, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["order_id"] for r in rows) == ["222-SOON", "333-LATER", "=HYPERLINK(1)"]
    assert {r["exception_kind"] for r in rows} == {"UNMAPPED_SKU", ""}

    result = await cli(*base, "--csv")
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == 3
    assert "'=HYPERLINK(1)" in {r["order_id"] for r in table}  # a formula is never a formula
    assert {r["running"] for r in table} == {"true"}

    result = await cli(*base, "--ship-by-within", "6h", "--json")
    assert result.exit_code == 0, result.output
    # make_status's default ship-by (2026-03-04) has passed: "within" includes passed ones
    assert sorted(r["order_id"] for r in json.loads(result.stdout)) == [
        "222-SOON",
        "=HYPERLINK(1)",
    ]

    result = await cli(*base, "--older-than", "1d", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []

    result = await cli(*base, "--limit", "2", "--csv")
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 2
    assert "more orders match than the 2 shown" in result.stderr

    result = await cli(*base, "--limit", "3")
    assert "more orders match" not in result.output


async def test_json_and_csv_together_is_a_usage_error(cli: Invoke) -> None:
    result = await cli("orders", "--json", "--csv")
    assert result.exit_code == 2
    result = await cli("orders", "--older-than", "soon")
    assert result.exit_code == 2 and "--older-than" in result.output


def test_unmatched_list_and_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    record_unmatched_event(engine, "GXO-UK-DAV", "REF-1", {"event_id": "E-1"}, "NO_ORDER")
    record_unmatched_event(engine, "GXO-DE-KOB", "REF-2", {"event_id": "E-2"}, "FACILITY")
    runner = CliRunner()
    monkeypatch.setenv("COLUMNS", "200")

    result = runner.invoke(app, ["unmatched", "list", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "E-1" in result.output and "E-2" in result.output and "2 event(s)" in result.output

    result = runner.invoke(
        app, ["unmatched", "list", "--facility", "GXO-DE-KOB", "--database-url", url]
    )
    assert "E-2" in result.output and "E-1" not in result.output

    result = runner.invoke(app, ["unmatched", "list", "--limit", "1", "--database-url", url])
    assert "1 more not shown" in result.output

    result = runner.invoke(app, ["unmatched", "resolve", "E-1", "--database-url", url])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["unmatched", "resolve", "E-1", "--database-url", url])
    assert result.exit_code == 1 and "no open unmatched event E-1" in result.output

    result = runner.invoke(app, ["unmatched", "list", "--database-url", url])
    assert "E-1" not in result.output and "E-2" in result.output
    result = runner.invoke(app, ["unmatched", "list", "--all", "--database-url", url])
    assert "resolved" in result.output


async def test_intakes_show_health_of_running_and_missing_ones(
    order_server: OrderServer, cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intakes_cli.console, "width", 250)
    monkeypatch.setattr(
        intakes_cli, "expected_intakes", lambda settings: {"stock:GXO-XX": "StockIntake"}
    )
    async with report_world(order_server) as world:
        await world.client.start_workflow(
            "WarehouseIntake",
            {"polls": 12, "retrying": {"activity": "pull_warehouse_events", "attempts": 100,
                                       "last_failure": "GXO_TRANSIENT: HTTP 503"}},
            id="warehouse-events:GXO-UK-DAV",
            task_queue=OPEN_QUEUE,
        )  # fmt: skip
        for _ in range(100):
            if (await world.client.count_workflows("ExecutionStatus = 'Running'")).count:
                break
            await asyncio.sleep(0.05)
        result = await cli("intakes", "--address", world.address, "--namespace", world.namespace)
    assert result.exit_code == 0, result.output
    assert "warehouse-events:GXO-UK-DAV" in result.output
    assert "pull_warehouse_events: 100 attempts" in result.output
    assert "stock:GXO-XX" in result.output and "never started" in result.output
    assert "2 intake(s) need a look" in result.output


def test_intakes_with_temporal_unreachable_is_one_line() -> None:
    result = CliRunner().invoke(app, ["intakes", "--address", "127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: cannot reach Temporal at 127.0.0.1:1"


def test_owners_prints_the_table_in_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overrides = tmp_path / "owners.csv"
    overrides.write_text(
        "kind,role,first_step\nCAPTURE_FAILED,operations,call the provider\n"
        "unmatched,engineering,read the event's reference\n"
    )
    monkeypatch.setenv("CONSIGN_OWNERS_FILE", str(overrides))
    result = CliRunner().invoke(app, ["owners"])
    assert result.exit_code == 0, result.output
    assert "| `CAPTURE_FAILED` | operations | high | call the provider |" in result.output
    # The Monitor's checks that are no exception kind are owned by the same file's rows.
    assert "| `unmatched` | engineering |" in result.output
    assert "read the event's reference |" in result.output
    overrides.write_text("kind,role\nCAPTURE_FAILED,sales\n")
    result = CliRunner().invoke(app, ["owners"])
    assert result.exit_code == 1 and "line 2: unknown role 'sales'" in result.output
