"""The settlement intake's activities against the sandbox and a SQLite store: new reports found
once, each stored once however often it is fetched, a file that does not sum or cannot be read
refused for good under its own kind, and the differences against the parcels the store
recorded as confirmed replaced on every reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.settlement_models import (
    ReconcileRequest,
    SettlementFetchRequest,
    SettlementListRequest,
)
from activities.settlements import SettlementActivities
from domain.mapping import SkuMapping
from domain.order import OrderRef
from domain.settlement_differences import DifferenceKind
from integrations.amazon.factory import AmazonClient
from integrations.amazon.settlement.port import AmazonSettlements
from sandbox.amazon.settlements import CloseRequest
from store.db import create_engine_from_url
from store.inventory import confirm_shipped
from store.mappings import upsert_sku_mappings
from store.migrate import init_db
from store.settlements import list_settlements, load_differences, record_order_charge
from tests.settlements.sandbox_world import SKU, World

CHANNEL = "amazon"
ITEM = "GXO-ITEM-1"


@pytest.fixture
def store(tmp_path) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{tmp_path}/consign.db")
    init_db(engine)
    upsert_sku_mappings(engine, [SkuMapping(channel=CHANNEL, sku=SKU, item_code=ITEM)])
    return engine


def activities(client: AmazonClient, store: Engine) -> SettlementActivities:
    return SettlementActivities(
        {(CHANNEL, client.account): AmazonSettlements(client.reports)}, store
    )


def confirmed(client: AmazonClient, store: Engine, order_id: str, units: int) -> None:
    """What confirm_parcel records in the store once the channel took the parcel."""
    ref = OrderRef(channel=CHANNEL, account=client.account, order_id=order_id)
    confirm_shipped(store, ref, f"{order_id}-P1", [(ITEM, units)])


async def test_reports_are_stored_once_and_reconciled(world, store) -> None:
    w, client = world
    w.ship("111-0000000-0000001")  # 2 units shipped, consign recorded 1: planted
    w.ship("111-0000000-0000002", quantity=1)
    confirmed(client, store, "111-0000000-0000001", 1)
    confirmed(client, store, "111-0000000-0000002", 1)
    w.clock.advance(3600)
    w.sandbox.close_settlement(CloseRequest(include_afn=False))
    steps, env = activities(client, store), ActivityEnvironment()
    listing = SettlementListRequest(channel=CHANNEL, account=client.account)
    [report] = (await env.run(steps.list_reports, listing)).reports
    fetch = SettlementFetchRequest(channel=CHANNEL, account=client.account, report=report)
    stored = await env.run(steps.store_report, fetch)
    assert stored.new
    again = await env.run(steps.store_report, fetch)
    assert not again.new and again.settlement_id == stored.settlement_id
    assert (await env.run(steps.list_reports, listing)).reports == []
    [listed] = list_settlements(store)
    assert stored.deposit == f"{listed.total} {listed.currency}"

    request = ReconcileRequest(
        channel=CHANNEL, account=client.account, settlement_id=stored.settlement_id
    )
    done = await env.run(steps.reconcile, request)
    assert done.differences == {DifferenceKind.QUANTITY_DIFFERS.value: 1}
    [difference] = load_differences(store, stored.settlement_id)
    assert difference.order_id == "111-0000000-0000001" and difference.sku == SKU
    assert (difference.expected, difference.settled) == (1, 2)
    confirmed(client, store, "111-0000000-0000001", 1)  # a retried confirm: counted once
    assert (await env.run(steps.reconcile, request)).differences == done.differences


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (CloseRequest(truncated=True), "SETTLEMENT_UNBALANCED"),
        (CloseRequest(malformed_row=True), "INVALID_CHANNEL_DATA"),
    ],
    ids=["truncated", "malformed"],
)
async def test_a_bad_report_is_refused_for_good_and_not_stored(
    world: tuple[World, AmazonClient], store: Engine, fault: CloseRequest, kind: str
) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    w.sandbox.close_settlement(fault)
    steps, env = activities(client, store), ActivityEnvironment()
    listing = SettlementListRequest(channel=CHANNEL, account=client.account)
    [report] = (await env.run(steps.list_reports, listing)).reports
    fetch = SettlementFetchRequest(channel=CHANNEL, account=client.account, report=report)
    with pytest.raises(ApplicationError) as caught:
        await env.run(steps.store_report, fetch)
    assert caught.value.non_retryable and caught.value.type == kind
    assert list_settlements(store) == []
    assert (await env.run(steps.list_reports, listing)).reports == [report]  # listed again


async def test_an_order_settled_at_another_price_than_it_costs_is_a_total_difference(
    world: tuple[World, AmazonClient], store: Engine
) -> None:
    """Each order as consign reads it (Orders v2026 with PROCEEDS, the default reader) and
    keeps it when planning, then confirmed; the settlement charges one of them a cent less."""
    w, client = world
    promoted, plain, repriced = "111-0000000-0000001", "111-0000000-0000002", "111-0000000-0000003"
    w.ship(promoted, promotion_percent=10)
    w.ship(plain, quantity=1)
    w.ship(repriced)
    for order_id, units in ((promoted, 2), (plain, 1), (repriced, 2)):
        assert record_order_charge(store, await client.reader.get_order(order_id))
        confirmed(client, store, order_id, units)
    w.clock.advance(3600)
    change = {repriced: Decimal("-0.01")}
    w.sandbox.close_settlement(CloseRequest(include_afn=False, price_changes=change))
    steps, env = activities(client, store), ActivityEnvironment()
    listing = SettlementListRequest(channel=CHANNEL, account=client.account)
    [report] = (await env.run(steps.list_reports, listing)).reports
    fetch = SettlementFetchRequest(channel=CHANNEL, account=client.account, report=report)
    stored = await env.run(steps.store_report, fetch)
    request = ReconcileRequest(
        channel=CHANNEL, account=client.account, settlement_id=stored.settlement_id
    )
    done = await env.run(steps.reconcile, request)
    assert done.differences == {DifferenceKind.TOTAL_DIFFERS.value: 1}
    [difference] = load_differences(store, stored.settlement_id)
    total = w.sandbox.orders[repriced].total
    assert (difference.order_id, difference.expected) == (repriced, total)
    assert difference.settled == total - Decimal("0.01")
