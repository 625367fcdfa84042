"""`consign inventory status|sync-now|buffers` against a real dev server (a stand-in
InventorySync) and a temporary SQLite store."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.inventory import ListingQuantity, PushOutcome
from domain.sync_status import DriftLine, InventorySyncStatus
from integrations.amazon.module import AMAZON
from integrations.centra.module import CENTRA
from integrations.registry import Channel, get_settings
from starter import inventory_cli
from starter.client import CliError
from starter.inventory_cli import Target, resolve_targets
from store.inventory import record_push, record_read_back
from store.migrate import open_store
from tests.starter.conftest import Invoke, OrderServer, start_sync, unique_account
from tests.starter.fake_inventory import REQUESTS_QUERY
from workflows.inventory_sync import SyncRequest, inventory_sync_id

PUSHED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CHECKED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BUFFERS = "channel,sku,units,percent\n,,2,0\namazon,,0,10\ncentra,TEE-BLK-M,5,25\n"


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that no table cell wraps."""
    monkeypatch.setattr(inventory_cli.console, "width", 250)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def make_status(account: str) -> InventorySyncStatus:
    return InventorySyncStatus(
        channel=Channel.AMAZON,
        account=account,
        last_push_at=PUSHED,
        pushes=7,
        skus_pushed=42,
        pending_items=["GXO-1001"],
        in_cycle=True,
        rejected=[
            PushOutcome(
                sku="CAP-RED",
                quantity=3,
                accepted=False,
                submission="feed-9",
                message="listing suppressed",
            )
        ],
        stalled=["MUG-WHT"],
        last_reconcile_at=CHECKED,
        drift=[DriftLine(sku="TEE-BLK-M", expected=5, shown=9)],
        unknown_to_gxo=["GXO-404"],
        unmapped_items=["GXO-777"],
        last_error="push_stock: throttled",
    )


def seed_ledger(database_url: str, account: str) -> None:
    """TEE-BLK-M accepted at 5 but shown as 9 (drift); CAP-RED rejected; MUG-WHT in step."""
    engine = open_store(database_url)
    outcomes = [
        PushOutcome(sku="TEE-BLK-M", quantity=5, accepted=True, submission="feed-8"),
        PushOutcome(sku="MUG-WHT", quantity=4, accepted=True, submission="feed-8"),
    ]
    record_push(engine, Channel.AMAZON, account, outcomes, PUSHED)
    rejected = PushOutcome(
        sku="CAP-RED", quantity=3, accepted=False, submission="feed-9", message="suppressed"
    )
    record_push(engine, Channel.AMAZON, account, [rejected], PUSHED)
    shown = [
        ListingQuantity(sku="TEE-BLK-M", quantity=9),
        ListingQuantity(sku="MUG-WHT", quantity=4),
    ]
    record_read_back(engine, Channel.AMAZON, account, shown, CHECKED)


def cells(output: str, sku: str) -> list[str]:
    """The cells of the ledger row for `sku` (the last table line naming it)."""
    line = [row for row in output.splitlines() if f"│ {sku} " in row][-1]
    return [cell.strip() for cell in line.split("│")[1:-1]]


def test_targets_default_to_every_configured_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    settings = get_settings().model_copy(update={"channels": [Channel.AMAZON, Channel.CENTRA]})
    monkeypatch.setattr(inventory_cli, "get_settings", lambda: settings)
    assert resolve_targets(None, None) == [
        Target(Channel.AMAZON, AMAZON.settings_of(settings).seller_id),
        Target(Channel.CENTRA, CENTRA.settings_of(settings).account),
    ]
    assert resolve_targets("Centra", "shop2") == [Target(Channel.CENTRA, "shop2")]
    assert resolve_targets("centra", None)[0].workflow_id == (
        f"inventory:centra:{CENTRA.settings_of(settings).account}"
    )
    # --account alone: a configured account of any channel; another is named as unknown.
    seller = AMAZON.settings_of(settings).seller_id
    assert resolve_targets(None, seller) == [Target(Channel.AMAZON, seller)]
    with pytest.raises(CliError, match="no account 'shop2' configured"):
        resolve_targets(None, "shop2")
    with pytest.raises(CliError, match="unknown channel 'ebay'"):
        resolve_targets("ebay", None)


async def test_status_prints_the_workflow_and_the_ledger_with_drift(
    inventory_server: OrderServer, cli: Invoke, wide: None, database_url: str
) -> None:
    account = unique_account()
    await start_sync(inventory_server, make_status(account))
    seed_ledger(database_url, account)

    result = await cli(
        "inventory", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"inventory:amazon:{account}" in out
    assert "2026-03-02 09:30:00 UTC" in out and "42" in out
    for text in ("GXO-1001", "MUG-WHT", "GXO-404", "GXO-777", "push_stock: throttled"):
        assert text in out
    assert "listing suppressed" in out and "feed-9" in out  # rejected SKUs
    drift_line = next(row for row in out.splitlines() if "│ TEE-BLK-M " in row)
    assert [c.strip() for c in drift_line.split("│")[1:-1]] == ["TEE-BLK-M", "5", "9"]
    assert cells(out, "TEE-BLK-M") == [
        "TEE-BLK-M", "5", "2026-03-02 09:30:00 UTC", "feed-8", "accepted", "-", "9",
        "2026-03-02 12:00:00 UTC", "DRIFT",
    ]  # fmt: skip
    assert cells(out, "MUG-WHT")[-3:] == ["4", "2026-03-02 12:00:00 UTC", ""]
    assert cells(out, "CAP-RED")[:5] == ["CAP-RED", "-", "2026-03-02 09:30:00 UTC", "feed-9",
                                         "rejected: suppressed"]  # fmt: skip
    assert "1 SKU(s) drifted" in out
    under_way = next(row for row in out.splitlines() if "cycle under way" in row)
    assert under_way.split()[-1] == "yes"


async def test_status_of_a_workflow_not_running_still_prints_the_ledger(
    inventory_server: OrderServer, cli: Invoke, wide: None, database_url: str
) -> None:
    account = unique_account()
    seed_ledger(database_url, account)
    result = await cli(
        "inventory", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"InventorySync inventory:amazon:{account} is not running (never started)" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert cells(result.output, "TEE-BLK-M")[-1] == "DRIFT"

    handle = await start_sync(inventory_server, make_status(account))
    await handle.terminate("test")
    result = await cli(
        "inventory", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address,
    )  # fmt: skip
    assert f"inventory:amazon:{account} is not running (TERMINATED)" in result.output
    assert "ledger: 3 SKU(s)" in result.output


async def test_status_without_a_worker_says_so(
    inventory_server: OrderServer,
    cli: Invoke,
    wide: None,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inventory_cli, "QUERY_TIMEOUT", timedelta(seconds=1))
    account = unique_account()
    await inventory_server.client.start_workflow(
        "InventorySync",
        make_status(account),
        id=inventory_sync_id(Channel.AMAZON, account),
        task_queue="nobody-polls-this",
    )
    result = await cli(
        "inventory", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "no worker answered (is the worker running?)" in result.output
    assert "ledger: 0 SKU(s)" in result.output


async def test_status_with_temporal_unreachable_is_one_line_and_the_ledger(
    cli: Invoke, wide: None, database_url: str
) -> None:
    account = unique_account()
    seed_ledger(database_url, account)
    result = await cli(
        "inventory", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", "127.0.0.1:1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        f"inventory:amazon:{account}: cannot reach Temporal at 127.0.0.1:1"
        in result.output.splitlines()
    )
    assert "Traceback" not in result.output
    assert "ledger: 3 SKU(s)" in result.output


@pytest.mark.parametrize(
    "flags,request_sent",
    [
        ((), SyncRequest()),
        (("--full",), SyncRequest(full=True)),
        (("--full", "--reconcile"), SyncRequest(full=True, reconcile=True)),
    ],
)
async def test_sync_now_sends_the_request_and_prints_the_answer(
    inventory_server: OrderServer,
    cli: Invoke,
    flags: tuple[str, ...],
    request_sent: SyncRequest,
) -> None:
    account = unique_account()
    handle = await start_sync(inventory_server, make_status(account))
    result = await cli(
        "inventory", "sync-now", "--channel", "amazon", "--account", account, *flags,
        "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"sync_now of inventory:amazon:{account}: done, last push" in result.output
    received = await handle.query(REQUESTS_QUERY, result_type=list[SyncRequest])
    assert received == [request_sent]


async def test_sync_now_to_a_workflow_not_running_is_one_line(
    inventory_server: OrderServer, cli: Invoke
) -> None:
    result = await cli(
        "inventory", "sync-now", "--channel", "centra", "--account", "NOPE",
        "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: workflow inventory:centra:NOPE not found or already closed"
    )


async def test_sync_now_with_temporal_unreachable_is_one_line(cli: Invoke) -> None:
    result = await cli(
        "inventory", "sync-now", "--channel", "amazon", "--account", "X",
        "--address", "127.0.0.1:1",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == "error: cannot reach Temporal at 127.0.0.1:1"


async def test_buffers_import_export_round_trip(
    cli: Invoke, tmp_path: Path, database_url: str
) -> None:
    source = tmp_path / "buffers.csv"
    source.write_text(BUFFERS)
    result = await cli(
        "inventory", "buffers", "import", str(source), "--database-url", database_url
    )
    assert result.exit_code == 0, result.output
    assert "buffers: 3 row(s) imported (3 created, 0 updated, 0 removed)" in result.output
    again = await cli("inventory", "buffers", "import", str(source), "--database-url", database_url)
    assert "(3 created, 0 updated, 3 removed)" in again.output  # swapped as a whole set

    target = tmp_path / "out.csv"
    result = await cli(
        "inventory", "buffers", "export", str(target), "--database-url", database_url
    )
    assert result.exit_code == 0, result.output
    assert "3 buffers row(s) written" in result.output
    rows = list(csv.DictReader(target.open(newline="")))
    assert [(r["channel"], r["sku"], r["units"]) for r in rows] == [
        ("", "", "2"), ("amazon", "", "0"), ("centra", "TEE-BLK-M", "5"),
    ]  # fmt: skip
    assert rows[2]["percent"] == "25"

    stdout = await cli("inventory", "buffers", "export", "--database-url", database_url)
    assert stdout.output.splitlines()[0] == "channel,sku,units,percent"
    assert len(stdout.output.splitlines()) == 4


async def test_buffers_bad_csv_and_missing_file_are_one_line(
    cli: Invoke, tmp_path: Path, database_url: str
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("channel,sku,units,percent\nebay,,1,0\n,,1,150\n")
    result = await cli(
        "inventory", "buffers", "import", str(source), "--database-url", database_url
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {source}: buffers CSV rejected, nothing imported")
    assert "Traceback" not in result.output

    result = await cli(
        "inventory", "buffers", "import", str(tmp_path / "nope.csv"), "--database-url", database_url
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nope.csv'}: no such file"


async def test_buffers_help_explains_the_columns(cli: Invoke) -> None:
    result = await cli("inventory", "buffers", "import", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "channel (amazon or centra; empty = any channel)" in text
    assert "percent (0-100" in text and "most specific rule wins" in text
