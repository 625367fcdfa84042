"""The intake's steps against the sandbox and a SQLite store: new reports found once, each
stored once however often it is fetched, a file that does not sum refused for good, and the
differences against consign's shipments replaced on every reconciliation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from domain.settlement_differences import DifferenceKind, ShippedLine, ShippedOrder
from integrations.amazon.settlement import SettlementFileError
from integrations.amazon.settlement.intake import (
    NewReportsRequest,
    ReconcileRequest,
    StoreReportRequest,
    fetch_and_store_settlement,
    list_new_settlement_reports,
    reconcile_settlement,
)
from sandbox.amazon.settlements import CloseRequest
from store.db import create_engine_from_url
from store.migrate import init_db
from store.settlements import list_settlements, load_differences
from tests.settlements.sandbox_world import SKU


@pytest.fixture
def store(tmp_path) -> Engine:
    engine = create_engine_from_url(f"sqlite:///{tmp_path}/consign.db")
    init_db(engine)
    return engine


async def test_reports_are_stored_once_and_reconciled(world, store) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    w.ship("111-0000000-0000002", quantity=1)
    w.clock.advance(3600)
    w.sandbox.close_settlement(CloseRequest(include_afn=False))
    request = NewReportsRequest(account=client.account)
    [entry] = (await list_new_settlement_reports(client.reports, store, request)).reports
    step = StoreReportRequest(account=client.account, report=entry)
    stored = await fetch_and_store_settlement(client.reports, store, step)
    assert stored.new
    again = await fetch_and_store_settlement(client.reports, store, step)
    assert not again.new and again.settlement_id == stored.settlement_id
    assert (await list_new_settlement_reports(client.reports, store, request)).reports == []
    [listed] = list_settlements(store)
    assert str(listed.total) == stored.deposit

    shipped = [
        ShippedOrder(
            order_id="111-0000000-0000001",
            confirmed_at=w.clock.now - timedelta(hours=1),
            lines=(ShippedLine(sku=SKU, confirmed_quantity=1),),  # settled 2
        ),
        ShippedOrder(
            order_id="111-0000000-0000002",
            confirmed_at=w.clock.now - timedelta(hours=1),
            lines=(ShippedLine(sku=SKU, confirmed_quantity=1),),
        ),
    ]
    done = await reconcile_settlement(
        store, ReconcileRequest(settlement_id=stored.settlement_id, shipped=shipped)
    )
    assert done.differences == 1
    [difference] = load_differences(store, stored.settlement_id)
    assert difference.kind is DifferenceKind.QUANTITY_DIFFERS
    assert difference.order_id == "111-0000000-0000001"


async def test_a_malformed_report_is_refused_and_not_stored(world, store) -> None:
    w, client = world
    w.ship("111-0000000-0000001")
    w.sandbox.close_settlement(CloseRequest(malformed_row=True))
    request = NewReportsRequest(account=client.account)
    [entry] = (await list_new_settlement_reports(client.reports, store, request)).reports
    with pytest.raises(SettlementFileError) as caught:
        await fetch_and_store_settlement(
            client.reports, store, StoreReportRequest(account=client.account, report=entry)
        )
    assert not caught.value.transient
    assert list_settlements(store) == []
