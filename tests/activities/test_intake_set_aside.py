"""Each intake (Amazon, Centra, GXO events, GXO stock), run for real (workflow and activities)
on the dev server, with one record it cannot understand planted between good ones: the good
ones flow (order workflows started, events delivered, stock applied), the bad one is stored as
set aside with its raw form, and the intake counts it in its progress query and its Web UI
details.

Before: Amazon intake stopped at the first order with an unknown status, warehouse intake at a
RETURNED event, stock intake at a negative on-hand figure (each page failed as a whole), and a
Centra order in an unknown status never got a workflow while nothing recorded it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from activities.channel import ChannelActivities
from activities.delivery import DeliveryActivities
from activities.inventory import InventoryActivities
from activities.models import ChangeSet
from activities.warehouse import WarehouseActivities
from domain.limits import IntakeLimits
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from domain.setaside import SetAsideFeed, SetAsideReason
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.centra.client import CentraClient
from integrations.centra.port import CentraChannel
from integrations.centra.quota import CentraQueue
from integrations.gxo import wire
from integrations.gxo.rest import RestWarehouse
from integrations.registry import Channel
from store.inventory import available_by_item
from store.set_aside import list_set_aside
from tests.activities.temporal_server import PARCELS_QUERY, RECEIVED_QUERY, DevServer
from tests.amazon.fakes import NOW, FakeAmazon, beyond_model, settings
from tests.centra.support import TOKEN as CENTRA_TOKEN
from tests.centra.support import URL as CENTRA_URL
from tests.centra.support import documented_order
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress
from workflows.stock_intake import StockIntake, StockIntakeInput, StockIntakeProgress
from workflows.warehouse_intake import (
    WarehouseIntake,
    WarehouseIntakeInput,
    WarehouseIntakeProgress,
    workflow_id_for,
)

T = TypeVar("T")
AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
QUIET = 3600.0  # poll interval: after its first pages the intake waits for the test


async def until(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """A bound on attempts (30 s), not a timing assertion."""
    import asyncio

    value = await probe()
    for _ in range(1200):
        if done(value):
            return value
        await asyncio.sleep(0.025)
        value = await probe()
    raise AssertionError(f"never reached; last {value!r}")


async def progress_of(handle: WorkflowHandle[Any, Any], model: type[T]) -> T:
    return await handle.query("progress", result_type=model)


async def details_of(handle: WorkflowHandle[Any, Any]) -> str:
    """The workflow's current details, as the Web UI reads them (the metadata query)."""
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return metadata.current_details


class FakeGxo:
    """GXO's three facility feeds as raw JSON, records consign cannot read included."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.levels: list[dict[str, Any]] = []

    @staticmethod
    def sequence(item: Any, cursor: int) -> int:
        """A record without a sequence of its own (not even an object) is served every time."""
        number = item.get("sequence") if isinstance(item, dict) else None
        return number if isinstance(number, int) else cursor + 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        cursor = int(request.url.params.get("cursor", 0))
        facility, resource = request.url.path.rsplit("/", 2)[-2:]
        if resource == "inventory":
            snapshot = {"facility_id": facility, "as_of": AT.isoformat(), "cursor": 0}
            return httpx.Response(200, json={**snapshot, "levels": self.levels})
        feed = self.events if resource == "events" else self.changes
        items = [item for item in feed if self.sequence(item, cursor) > cursor]
        top = max((self.sequence(item, cursor) for item in items), default=cursor)
        return httpx.Response(
            200, json={resource if resource == "events" else "changes": items, "next_cursor": top}
        )


@pytest.fixture
def gxo_feed() -> FakeGxo:
    return FakeGxo()


@asynccontextmanager
async def rest_over(feed: FakeGxo, max_parcels: int) -> AsyncIterator[RestWarehouse]:
    """consign's GXO transport reading `feed`, refusing dispatches beyond `max_parcels`."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(feed)) as http:
        yield RestWarehouse(
            "http://gxo.test", "key", http=http, max_parcels_per_dispatch=max_parcels
        )


@pytest.fixture
async def rest(gxo_feed: FakeGxo) -> AsyncIterator[RestWarehouse]:
    async with rest_over(gxo_feed, 20_000) as rest:
        yield rest


@pytest.fixture
def delivery(dev_server: DevServer, engine: Engine) -> DeliveryActivities:
    return DeliveryActivities(dev_server.client, engine, dev_server.task_queue)


async def start_orders(delivery: DeliveryActivities, refs: list[OrderRef]) -> None:
    """Stand-in order workflows, as intake would have started them."""
    changes = [
        OrderChange(
            ref=ref,
            status=ChannelOrderStatus.READY,
            fulfilled_by=FulfilledBy.MERCHANT,
            last_updated_at=AT,
        )
        for ref in refs
    ]
    await ActivityEnvironment().run(delivery.start_order_workflows, ChangeSet(changes=changes))


def wire_event(
    facility: str, sequence: int, ref: OrderRef, kind: str = "CANCELLED", parcels: int = 0
) -> dict[str, Any]:
    body = wire.Event(
        event_id=f"EV-{facility}-{sequence}",
        sequence=sequence,
        kind="CANCELLED",
        facility_id=facility,
        reference=f"AK7M-{ref.order_id}",
        channel_order_id=ref.order_id,
        channel=ref.channel,
        account=ref.account,
        warehouse_order_id=f"WO{sequence}",
        order_status="CANCELLED",
        occurred_at=AT,
        parcels=[
            wire.Parcel(
                parcel_id=f"WO{sequence}-P{n:05d}",
                tracking_number=f"RU{n:09d}GB",
                carrier_service_code="RM-TRACKED-48",
                shipped_at=AT,
                lines=[
                    wire.ParcelLine(
                        line_number=1, item_code="GXO-1", channel_line_id="L1", quantity=1
                    )
                ],
            )
            for n in range(parcels)
        ],
    ).model_dump(mode="json")
    body["kind"] = kind
    if kind == "DISPATCH":
        body["order_status"] = "SHIPPED"
    return body


async def received_events(server: DevServer, ref: OrderRef, count: int) -> list[str]:
    handle = server.client.get_workflow_handle(ref.workflow_id)

    async def probe() -> list[str]:
        answer: dict[str, list[str]] = await handle.query(RECEIVED_QUERY, result_type=dict)
        return answer["events"]

    return await until(probe, lambda found: len(found) >= count)


@asynccontextmanager
async def warehouse_intake(
    server: DevServer,
    facility: str,
    warehouse: WarehouseActivities,
    delivery: DeliveryActivities,
    **start: Any,
) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """The real WarehouseIntake of `facility` with its activities on a queue of its own,
    terminated on the way out; `start` passes on (a start signal, for one)."""
    queue = f"wh-{uuid.uuid4()}"
    async with Worker(
        server.client,
        task_queue=queue,
        workflows=[WarehouseIntake],
        activities=[warehouse.pull_events, delivery.deliver_warehouse_events],
    ):
        handle = await server.client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(facility_id=facility, poll_interval_seconds=QUIET),
            id=workflow_id_for(facility),
            task_queue=queue,
            **start,
        )
        yield handle
        await handle.terminate("test done")


async def test_warehouse_intake_delivers_around_an_event_of_an_unknown_kind(
    dev_server: DevServer,
    engine: Engine,
    delivery: DeliveryActivities,
    rest: RestWarehouse,
    gxo_feed: FakeGxo,
    unique: Callable[[str], str],
) -> None:
    facility, account = unique("GXO-T-"), unique("A")
    first, second = (
        OrderRef(channel=Channel.AMAZON, account=account, order_id=f"O-{n}") for n in (1, 2)
    )
    await start_orders(delivery, [first, second])
    gxo_feed.events = [
        wire_event(facility, 1, first, "DISPATCH", parcels=1),
        wire_event(facility, 2, first, "RETURNED"),
        wire_event(facility, 3, second),
    ]
    warehouse = WarehouseActivities(rest, engine, client=dev_server.client)
    async with warehouse_intake(dev_server, facility, warehouse, delivery) as handle:
        assert await received_events(dev_server, first, 1) == [f"EV-{facility}-1"]
        assert await received_events(dev_server, second, 1) == [f"EV-{facility}-3"]
        progress = await until(
            lambda: progress_of(handle, WarehouseIntakeProgress), lambda p: p.cursor == 3
        )
        details = await details_of(handle)

    assert (progress.delivered, progress.set_aside, progress.last_error) == (2, 1, None)
    assert progress.last_set_aside is not None
    assert progress.last_set_aside.startswith(f"UNKNOWN_KIND gxo warehouse-events {facility}")
    assert "1 record(s) set aside" in details and "UNKNOWN_KIND" in details
    [kept] = list_set_aside(engine)
    assert (kept.record_id, kept.reason, kept.feed) == (
        f"EV-{facility}-2",
        SetAsideReason.UNKNOWN_KIND,
        SetAsideFeed.WAREHOUSE_EVENTS,
    )
    assert json.loads(kept.raw) == gxo_feed.events[1]


async def test_a_pulled_dispatch_too_large_for_one_payload_reaches_its_order_in_parts(
    dev_server: DevServer,
    engine: Engine,
    delivery: DeliveryActivities,
    rest: RestWarehouse,
    gxo_feed: FakeGxo,
    unique: Callable[[str], str],
) -> None:
    """12,000 parcels pulled from the feed (the parcel limit raised): the pull activity splits
    the dispatch and pushes the parts to the intake, which delivers them in batches within the
    payload budget; the order hears of every parcel exactly once."""
    facility, account = unique("GXO-T-"), unique("A")
    order = OrderRef(channel=Channel.AMAZON, account=account, order_id="O-BIG")
    other = OrderRef(channel=Channel.AMAZON, account=account, order_id="O-SMALL")
    await start_orders(delivery, [order, other])
    gxo_feed.events = [
        wire_event(facility, 1, order, "DISPATCH", parcels=12_000),
        wire_event(facility, 2, other),
    ]
    limits = IntakeLimits(max_parcels_per_dispatch=20_000)
    warehouse = WarehouseActivities(rest, engine, client=dev_server.client, limits=limits)
    async with warehouse_intake(dev_server, facility, warehouse, delivery) as handle:
        order_handle = dev_server.client.get_workflow_handle(order.workflow_id)

        async def parcels() -> list[str]:
            """None yet when the query fails: on a machine loaded past its cores the worker
            can take longer than the deadlock detector's 2 s to answer a query about this
            large history (seen in a clean-clone CI run at load 11); the bound still holds."""
            try:
                found: list[str] = await order_handle.query(PARCELS_QUERY, result_type=list)
            except WorkflowQueryFailedError:
                return []
            return found

        seen = await until(parcels, lambda found: len(found) >= 12_000)
        assert await received_events(dev_server, other, 1) == [f"EV-{facility}-2"]
        progress = await until(
            lambda: progress_of(handle, WarehouseIntakeProgress), lambda p: p.cursor == 2
        )

    assert sorted(seen) == [f"WO1-P{n:05d}" for n in range(12_000)]  # each once
    events = await received_events(dev_server, order, 1)
    assert len(events) > 1 and all(e.startswith(f"EV-{facility}-1#") for e in events)
    # (The intake may have continued as new by now: 12,000 parcels make a large history.)
    assert (progress.set_aside, progress.last_error) == (0, None)


def stock_change(facility: str, sequence: int, item: str, on_hand_after: int) -> dict[str, Any]:
    return {
        "sequence": sequence,
        "facility_id": facility,
        "item_code": item,
        "kind": "ADJUSTMENT",
        "quantity": -1,
        "on_hand_after": on_hand_after,
        "allocated_after": 0,
        "at": AT.isoformat(),
    }


async def test_stock_intake_applies_the_changes_around_a_negative_figure(
    dev_server: DevServer,
    engine: Engine,
    delivery: DeliveryActivities,
    rest: RestWarehouse,
    gxo_feed: FakeGxo,
    unique: Callable[[str], str],
) -> None:
    facility = unique("GXO-T-")
    gxo_feed.levels = [
        {"facility_id": facility, "item_code": item, "on_hand": 10}
        for item in ("I-1", "I-2", "I-3")
    ]
    gxo_feed.changes = [
        stock_change(facility, 1, "I-1", 7),
        stock_change(facility, 2, "I-2", -4),  # a write-off GXO reported below zero
        stock_change(facility, 3, "I-3", 2),
    ]
    stock = InventoryActivities(engine, rest, {})
    queue = f"stock-{uuid.uuid4()}"
    async with Worker(
        dev_server.client,
        task_queue=queue,
        workflows=[StockIntake],
        activities=[stock.load_snapshot, stock.pull_changes, delivery.notify_stock_changed],
    ):
        handle = await dev_server.client.start_workflow(
            StockIntake.run,
            StockIntakeInput(facility_id=facility, poll_interval_seconds=0.2),
            id=f"stock:{facility}",
            task_queue=queue,
        )
        progress = await until(
            lambda: progress_of(handle, StockIntakeProgress), lambda p: p.cursor == 3
        )
        await handle.terminate("test done")

    assert available_by_item(engine, [facility]) == {"I-1": 7, "I-2": 10, "I-3": 2}
    assert (progress.set_aside, progress.last_error) == (1, None)
    assert progress.last_set_aside is not None and "INVALID_VALUE" in progress.last_set_aside
    [kept] = list_set_aside(engine)
    assert (kept.record_id, kept.reason) == ("2", SetAsideReason.INVALID_VALUE)
    assert json.loads(kept.raw) == gxo_feed.changes[1]


async def test_amazon_intake_starts_the_orders_around_one_in_an_unknown_status(
    dev_server: DevServer,
    engine: Engine,
    delivery: DeliveryActivities,
    reference_dir: Path,
    unique: Callable[[str], str],
) -> None:
    examples = reference_dir / "amazon-sp-api" / "sandbox-examples" / "orders_2026-01-01"
    example = json.loads((examples / "getOrder_200_static_1.json").read_text())
    template = example["response"]["order"]
    ids = ["202-1000001-0000001", "202-1000002-0000002", "202-1000003-0000003"]
    orders = []
    for order_id, status in zip(ids, ["UNSHIPPED", "ON_HOLD", "UNSHIPPED"], strict=True):
        order = json.loads(json.dumps(template))
        order["orderId"] = order_id
        order["fulfillment"]["fulfillmentStatus"] = status
        orders.append(order)
    fake = FakeAmazon()
    search = "/orders/2026-01-01/orders"
    fake.on("GET", search, beyond_model(200, {"orders": orders}))
    account = unique("A")
    async with fake.http() as http:
        amazon = build_amazon_client(
            settings("v2026").model_copy(update={"seller_id": account}),
            http=http,
            clock=lambda: NOW,
        )
        channel = ChannelActivities({(Channel.AMAZON, account): AmazonChannel(amazon)}, engine)
        queue = f"intake-{uuid.uuid4()}"
        async with (
            Worker(
                dev_server.client,
                task_queue=queue,
                workflows=[ChannelIntake],
                activities=[delivery.start_order_workflows, channel.poll_changes],
            ),
        ):
            handle = await dev_server.client.start_workflow(
                ChannelIntake.run,
                ChannelIntakeInput(
                    channel=Channel.AMAZON,
                    account=account,
                    cursor=NOW - timedelta(hours=1),
                    poll_interval_seconds=QUIET,
                ),
                id=f"intake:amazon:{account}",
                task_queue=queue,
            )
            progress = await until(
                lambda: progress_of(handle, IntakeProgress), lambda p: p.polls >= 1
            )
            await handle.terminate("test done")

    assert progress.cursor is not None and progress.cursor > NOW - timedelta(hours=1)
    assert (progress.signalled, progress.set_aside, progress.last_error) == (2, 1, None)
    for order_id in (ids[0], ids[2]):
        assert await dev_server.exists(f"order:amazon:{account}:{order_id}")
    assert not await dev_server.exists(f"order:amazon:{account}:{ids[1]}")
    [kept] = list_set_aside(engine)
    assert (kept.record_id, kept.reason, kept.scope) == (
        ids[1],
        SetAsideReason.UNKNOWN_STATUS,
        account,
    )
    assert json.loads(kept.raw) == orders[1]


class ScriptedCentra:
    """Centra's events queue holding three events, the middle one naming an order in a status
    consign does not know (the sandbox, bound to the documented enums, cannot say that)."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.orders = orders
        self.confirmed: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        query: str = body["query"]
        if "setEventListeners" in query:
            data: dict[str, Any] = {"setEventListeners": {"userErrors": [], "userWarnings": []}}
        elif "confirmEvents" in query:
            self.confirmed += body["variables"]["ids"]
            data = {"confirmEvents": {"userErrors": [], "userWarnings": []}}
        elif "events(" in query:
            queued = [
                {"id": n, "objectReference": order["number"]}
                for n, order in enumerate(self.orders, start=1)
                if n not in self.confirmed
            ]
            data = {"events": queued}
        else:  # the orders by number
            data = {"visible": self.orders, "held": [], "unpaid": [], "heldUnpaid": []}
        return httpx.Response(200, json={"data": data})


async def test_centra_intake_starts_the_orders_around_one_in_an_unknown_status(
    dev_server: DevServer,
    engine: Engine,
    delivery: DeliveryActivities,
    unique: Callable[[str], str],
) -> None:
    """Before: the order in an unknown status never got a workflow, its event stayed queued
    and nothing recorded it."""
    orders = [
        documented_order(number=1001),
        documented_order(number=1002, status="ARCHIVE"),
        documented_order(number=1003),
    ]
    centra = ScriptedCentra(orders)
    account = unique("brand-")
    async with httpx.AsyncClient(transport=httpx.MockTransport(centra)) as http:
        port = CentraChannel(
            CentraClient(CENTRA_URL, SecretStr(CENTRA_TOKEN), http),
            account,
            dispatch_sla=timedelta(hours=48),
        )
        channel = ChannelActivities({(Channel.CENTRA, account): port}, engine)
        queue = f"intake-{uuid.uuid4()}"
        async with (
            Worker(
                dev_server.client,
                task_queue=queue,
                workflows=[ChannelIntake],
                activities=[delivery.start_order_workflows],
            ),
            Worker(
                dev_server.client, task_queue=CentraQueue.READS, activities=[channel.poll_changes]
            ),
            Worker(
                dev_server.client, task_queue=CentraQueue.WRITES, activities=[channel.ack_changes]
            ),
        ):
            handle = await dev_server.client.start_workflow(
                ChannelIntake.run,
                ChannelIntakeInput(
                    channel=Channel.CENTRA, account=account, poll_interval_seconds=QUIET
                ),
                id=f"intake:centra:{account}",
                task_queue=queue,
            )
            progress = await until(
                lambda: progress_of(handle, IntakeProgress), lambda p: p.polls >= 1
            )
            await handle.terminate("test done")

    assert (progress.signalled, progress.set_aside, progress.last_error) == (2, 1, None)
    assert progress.last_set_aside is not None and "UNKNOWN_STATUS" in progress.last_set_aside
    for number in ("1001", "1003"):
        assert await dev_server.exists(f"order:centra:{account}:{number}")
    assert not await dev_server.exists(f"order:centra:{account}:1002")
    assert sorted(centra.confirmed) == [1, 2, 3]  # nothing left queued, nothing lost
    [kept] = list_set_aside(engine)
    assert (kept.system, kept.record_id, kept.reason) == (
        "centra",
        "1002",
        SetAsideReason.UNKNOWN_STATUS,
    )
    assert json.loads(kept.raw) == orders[1]
