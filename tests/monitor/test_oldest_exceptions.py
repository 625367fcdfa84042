"""More open exceptions and at-risk orders than one list holds (the limit lowered to 3), on a
real dev server: every kind is counted and its oldest found, and the report's "oldest first"
and "soonest ship-by first" lists are really the oldest and the soonest. Visibility lists
newest first, so a list cut at the limit kept the newest and a kind held only by older orders
was never raised."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

import activities.monitor
from activities.monitor import MonitorActivities
from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage, OrderStatus
from domain.monitor import Thresholds
from domain.owners import DEFAULT_OWNERS
from reporting.daily_report import gather_at_risk, gather_exceptions
from store.migrate import open_store
from tests.starter.conftest import OrderServer, make_status, start_fake_order
from tests.starter.report_world import OPEN_QUEUE, report_world

LIMIT = 3
NOW = datetime.now(UTC)
ACCOUNT = "A1CROWD"
SKU, CAPTURE = ExceptionKind.UNMAPPED_SKU, ExceptionKind.CAPTURE_FAILED


def parked(order_id: str, kind: ExceptionKind, raised: datetime) -> OrderStatus:
    status = make_status(ACCOUNT, order_id, OrderStage.EXCEPTION, exception=kind)
    assert status.exception is not None
    exception = status.exception.model_copy(update={"raised_at": raised})
    return status.model_copy(update={"exception": exception, "ship_by": NOW + timedelta(days=9)})


def due(order_id: str, hours: float) -> OrderStatus:
    return make_status(ACCOUNT, order_id).model_copy(
        update={"ship_by": NOW + timedelta(hours=hours)}
    )


# In start order: the oldest first. Two UNMAPPED_SKU orders parked days ago, then more
# CAPTURE_FAILED ones than the limit; the at-risk order due soonest started first too.
SEEDED = [
    parked("SKU-1", SKU, NOW - timedelta(days=2)),
    parked("SKU-2", SKU, NOW - timedelta(days=1)),
    due("DUE-1H", 1),
    *[parked(f"CAP-{n}", CAPTURE, NOW - timedelta(minutes=60 - n)) for n in range(1, 5)],
    *[due(f"DUE-{n}H", n) for n in (2, 3, 4)],
]


@pytest.fixture(scope="module")
async def crowded(order_server: OrderServer) -> AsyncIterator[Client]:
    async with report_world(order_server) as world:
        for status in SEEDED:
            await start_fake_order(world.client, status, OPEN_QUEUE)
        for _ in range(200):  # visibility is eventually consistent
            if (await world.client.count_workflows("ExecutionStatus = 'Running'")).count >= len(
                SEEDED
            ):
                break
            await asyncio.sleep(0.05)
        yield world.client


async def test_every_kind_is_counted_and_the_oldest_listed(crowded: Client) -> None:
    found = await gather_exceptions(crowded, DEFAULT_OWNERS, LIMIT)
    assert found.total == 6
    assert {k.kind: k.count for k in found.kinds} == {SKU: 2, CAPTURE: 4}
    assert [row.order_id for row in found.rows] == ["SKU-1", "SKU-2", "CAP-1"]
    oldest = {k.kind: k.oldest.order_id for k in found.kinds if k.oldest}
    assert oldest == {SKU: "SKU-1", CAPTURE: "CAP-1"}


async def test_at_risk_lists_the_soonest_ship_by(crowded: Client) -> None:
    rows, total = await gather_at_risk(crowded, NOW, 24, LIMIT)
    assert total == 4
    assert [row.order_id for row in rows] == ["DUE-1H", "DUE-2H", "DUE-3H"]


async def test_the_monitor_raises_a_kind_only_older_orders_hold(
    crowded: Client, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setattr(activities.monitor, "LIST_LIMIT", LIMIT)
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('crowd') / 'store.db'}")
    monitor = MonitorActivities(
        crowded, engine, DEFAULT_OWNERS, {}, [], alert_urls=[], clock=lambda: NOW
    )
    found = await ActivityEnvironment().run(monitor.check_health, Thresholds())
    summaries = {f.key: f.summary for f in found.findings}
    workflow_id = SEEDED[0].ref.workflow_id
    assert (
        summaries["exceptions:UNMAPPED_SKU"]
        == f"2 order(s) with UNMAPPED_SKU, oldest {workflow_id} (2d 0h)"
    )
    assert summaries["exceptions:CAPTURE_FAILED"].startswith("4 order(s) with CAPTURE_FAILED")
