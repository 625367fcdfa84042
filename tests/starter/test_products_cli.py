"""`consign products status|sync-now` against a real dev server and a temporary SQLite store:
the report of SKUs on sale (mapped) that GXO's item master has not accepted, and the sync_now
update's answer printed (a stand-in ProductSync answers it)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from domain.mapping import SkuMapping
from domain.products import ItemRecord, ItemState, ItemStatus
from integrations.registry import Channel
from starter import inventory_cli, products_cli
from store.mappings import upsert_sku_mappings
from store.migrate import open_store
from store.products import (
    item_master_states,
    never_sent,
    on_sale_unknown_to_gxo,
    record_refused,
    record_sent,
)
from tests.starter.conftest import Invoke, OrderServer, unique_account
from workflows.product_sync import (
    SYNC_NOW_SIGNAL,
    ProductSyncStatus,
    SyncAnswer,
    product_sync_id,
)

FACILITY, OTHER = "GXO-UK-DAV", "GXO-DE-KOB"
PENDING = ItemStatus.PENDING


@workflow.defn(name="ProductSync")
class FakeProductSync:
    """Answers the sync_now update with a sweep that sent two records, as the real one would
    after its cycle."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)

    @workflow.update(name=SYNC_NOW_SIGNAL)
    def sync_now_update(self) -> SyncAnswer:
        status = ProductSyncStatus(pending=1, refused=["BAD: hs_code must be 6 digits"])
        return SyncAnswer(settled=True, read=3, sent=2, unchanged=1, released=1, status=status)


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory_cli.console, "width", 250)


def record(sku: str, facility: str = FACILITY, active: bool = True) -> ItemRecord:
    return ItemRecord(
        facility_id=facility, item_code=f"I-{sku}", description=sku, sku=sku, active=active
    )


def state(item: ItemRecord, status: ItemStatus) -> ItemState:
    return ItemState(facility_id=item.facility_id, item_code=item.item_code, status=status)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """LIVE launched at one facility (pending at the other), NEW pending, BAD refused, OLD
    inactive, HAND mapped by hand and never sent; OFF is a Centra SKU never sent; SHARED is
    sold on both, its item sent by Centra's product sync (Amazon's leaves it to Centra)."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    skus = ("LIVE", "NEW", "BAD", "OLD", "HAND", "SHARED")
    mappings = [SkuMapping(channel=Channel.AMAZON, sku=s, item_code=f"I-{s}") for s in skus]
    mappings.append(SkuMapping(channel=Channel.CENTRA, sku="OFF", item_code="I-OFF"))
    mappings.append(SkuMapping(channel=Channel.CENTRA, sku="SHARED", item_code="I-SHARED"))
    upsert_sku_mappings(engine, mappings)
    sent = [
        (record("LIVE"), ItemStatus.ACTIVE),
        (record("LIVE", OTHER), ItemStatus.PENDING),
        (record("NEW"), ItemStatus.PENDING),
        (record("OLD", active=False), ItemStatus.INACTIVE),
    ]
    record_sent(engine, "amazon", "A1", [(r, state(r, s)) for r, s in sent])
    record_refused(engine, "amazon", "A1", record("BAD"), "hs_code must be 6 digits")
    shared = record("SHARED")
    record_sent(engine, "centra", "brand", [(shared, state(shared, ItemStatus.ACTIVE))])
    engine.dispose()
    return url


def test_amazon_skus_are_counted_by_what_gxo_holds_and_who_sent_it(database_url: str) -> None:
    assert item_master_states(open_store(database_url), "amazon") == {
        "accepted": 1,
        "inactive": 1,
        "not sent": 1,
        "rejected": 1,
        "sent": 1,
        "sent by centra": 1,
    }


def held(code: str, status: ItemStatus = ItemStatus.ACTIVE) -> ItemState:
    return ItemState(facility_id=FACILITY, item_code=code, status=status)


def test_skus_gxo_holds_but_no_sync_sent_leave_the_report(database_url: str) -> None:
    """GXO's answers about the items no product sync sent: one it holds is not unknown to GXO
    (a brand whose catalogue GXO already holds is not flooded), one it does not know is."""
    engine = open_store(database_url)
    assert [(m.sku, m.item_code) for m in never_sent(engine, "amazon")] == [("HAND", "I-HAND")]
    asked = {"I-HAND": [held("I-HAND")]}
    found = on_sale_unknown_to_gxo(engine, "amazon", asked)
    assert [n.sku for n in found] == ["BAD", "NEW", "OLD"]
    states = item_master_states(engine, "amazon", asked)
    assert states["held by GXO, not sent"] == 1 and "not sent" not in states
    unknown = on_sale_unknown_to_gxo(engine, "amazon", {"I-HAND": []})
    assert ("HAND", "unknown to GXO") in [(n.sku, n.state) for n in unknown]
    pending = on_sale_unknown_to_gxo(engine, "amazon", {"I-HAND": [held("I-HAND", PENDING)]})
    assert ("HAND", "pending at GXO") in [(n.sku, n.state) for n in pending]


class HeldItems:
    """GXO's item master as the CLI asks it: holds I-HAND at FACILITY."""

    async def __aenter__(self) -> HeldItems:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def get_item(self, facility_id: str, item_code: str) -> ItemState | None:
        return held(item_code) if (facility_id, item_code) == (FACILITY, "I-HAND") else None


async def test_status_asks_gxo_and_prints_json(
    inventory_server: OrderServer,
    cli: Invoke,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(products_cli, "open_item_master", HeldItems)
    monkeypatch.setattr(products_cli, "facilities", lambda settings: [FACILITY, OTHER])
    account = unique_account()
    result = await cli(
        "products", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["channel"], row["account"], row["gxo_asked"]) == ("amazon", account, True)
    assert row["sync"] is None and "never started" in row["sync_error"]
    assert row["item_master"]["held by GXO, not sent"] == 1
    assert [n["sku"] for n in row["on_sale_unknown_to_gxo"]] == ["BAD", "NEW", "OLD"]


def test_the_report_lists_mapped_skus_no_facility_has_launched(database_url: str) -> None:
    found = on_sale_unknown_to_gxo(open_store(database_url), "amazon")
    assert [(n.sku, n.item_code, n.state, n.detail) for n in found] == [
        ("BAD", "I-BAD", "rejected", "hs_code must be 6 digits"),
        ("HAND", "I-HAND", "not sent", None),
        ("NEW", "I-NEW", "sent", None),
        ("OLD", "I-OLD", "inactive", None),
    ]


async def test_status_of_a_sync_never_started_still_prints_the_report(
    inventory_server: OrderServer, cli: Invoke, wide: None, database_url: str
) -> None:
    account = unique_account()
    result = await cli(
        "products", "status", "--channel", "amazon", "--account", account,
        "--database-url", database_url, "--address", inventory_server.address, "--no-ask-gxo",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"ProductSync products:amazon:{account} is not running (never started)" in out
    assert "on sale but unknown to GXO: 4 SKU(s)" in out
    assert "accepted 1, inactive 1, not sent 1, rejected 1, sent 1, sent by centra 1" in out
    assert "hs_code must be 6 digits" in out and "│ LIVE " not in out and "OFF" not in out


async def test_sync_now_prints_what_the_sweep_did(
    inventory_server: OrderServer, cli: Invoke, wide: None
) -> None:
    account, queue = unique_account(), f"products-{uuid.uuid4()}"
    client = inventory_server.client
    async with Worker(
        client,
        task_queue=queue,
        workflows=[FakeProductSync],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await client.start_workflow(
            FakeProductSync.run, id=product_sync_id("centra", account), task_queue=queue
        )
        try:
            result = await cli(
                "products", "sync-now", "--channel", "centra", "--account", account,
                "--address", inventory_server.address,
            )  # fmt: skip
        finally:
            await handle.terminate("test done")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"sync_now of products:centra:{account}: done, 3 SKU(s) read, 2 record(s) sent to "
        "GXO, 1 unchanged, 1 order(s) released, 1 pending at GXO, 1 refused, 0 unmapped"
    )


async def test_sync_now_to_a_sync_not_running_is_one_line(
    inventory_server: OrderServer, cli: Invoke
) -> None:
    result = await cli(
        "products", "sync-now", "--channel", "centra", "--account", "NOPE",
        "--address", inventory_server.address,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: workflow products:centra:NOPE not found or already closed"
    )
