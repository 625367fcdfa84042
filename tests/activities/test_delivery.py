"""DeliveryActivities against a real Temporal dev server, signalling stand-in workflows."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment

from activities.delivery import DeliveryActivities
from activities.models import ChangeSet, EventDelivery, SetAsideEvent
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from domain.warehouse import (
    EventMismatch,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrderStatus,
    warehouse_reference,
)
from integrations.registry import Channel
from store.unmatched import list_unmatched
from tests.activities.temporal_server import (
    FINISH_SIGNAL,
    RECEIVED_QUERY,
    DevServer,
    eventually,
)

FACILITY = "GXO-UK-DAV"


@pytest.fixture
def delivery(dev_server: DevServer, engine: Engine) -> DeliveryActivities:
    return DeliveryActivities(dev_server.client, engine, dev_server.task_queue)


@pytest.fixture
def account(unique: Callable[[str], str]) -> str:
    """Each test its own seller account, so workflow ids never collide across tests."""
    return unique("A")


def change(
    account: str, order_id: str, fulfilled_by: FulfilledBy = FulfilledBy.MERCHANT
) -> OrderChange:
    return OrderChange(
        ref=OrderRef(channel=Channel.AMAZON, account=account, order_id=order_id),
        status=ChannelOrderStatus.READY,
        fulfilled_by=fulfilled_by,
        last_updated_at=datetime.now(UTC).replace(microsecond=0),
    )


def event(
    account: str,
    reference: str,
    sequence: int = 1,
    kind: WarehouseEventKind = WarehouseEventKind.CANCELLED,
    channel_order_id: str | None = None,
) -> WarehouseEvent:
    """`channel_order_id` None: an order injected before references were per account, whose
    reference is the channel order id itself."""
    return WarehouseEvent(
        event_id=f"EV-{FACILITY}-{account}-{sequence:08d}",
        sequence=sequence,
        kind=kind,
        facility_id=FACILITY,
        reference=reference,
        channel_order_id=channel_order_id,
        channel=Channel.AMAZON,
        account=account,
        warehouse_order_id="WO00000001",
        order_status=WarehouseOrderStatus.CANCELLED,
        occurred_at=datetime.now(UTC).replace(microsecond=0),
    )


async def received(server: DevServer, workflow_id: str, key: str, count: int) -> list[str]:
    handle = server.client.get_workflow_handle(workflow_id)

    async def probe() -> list[str]:
        answer: dict[str, list[str]] = await handle.query(RECEIVED_QUERY, result_type=dict)
        return answer[key]

    return await eventually(probe, lambda found: len(found) >= count)


async def test_start_signals_one_workflow_per_mfn_change_and_skips_afn(
    delivery: DeliveryActivities, dev_server: DevServer, account: str
) -> None:
    changes = [
        change(account, "A-1"),
        change(account, "A-2"),
        change(account, "A-FBA", FulfilledBy.CHANNEL),
    ]

    report = await ActivityEnvironment().run(
        delivery.start_order_workflows, ChangeSet(changes=changes)
    )

    assert (report.signalled, report.skipped_afn, report.already_closed) == (2, 1, 0)
    for order_id in ("A-1", "A-2"):
        workflow_id = f"order:amazon:{account}:{order_id}"
        assert await received(dev_server, workflow_id, "changes", 1) == [order_id]
        description = await dev_server.client.get_workflow_handle(workflow_id).describe()
        assert description.workflow_type == "OrderFulfillment"
        assert description.task_queue == dev_server.task_queue
        # Started findable, so its first workflow task upserts none of them.
        shown = {p.key.name: p.value for p in description.typed_search_attributes}
        started = {
            "Channel": "amazon",
            "ChannelAccount": account,
            "ChannelOrderId": order_id,
            "OrderStage": "RECEIVED",
        }
        assert {name: shown.get(name) for name in started} == started
    assert not await dev_server.exists(f"order:amazon:{account}:A-FBA")


async def test_a_duplicate_change_only_signals_again(
    delivery: DeliveryActivities, dev_server: DevServer, account: str
) -> None:
    batch = ChangeSet(changes=[change(account, "A-1")])
    workflow_id = f"order:amazon:{account}:A-1"

    first = await ActivityEnvironment().run(delivery.start_order_workflows, batch)
    run_id = (await dev_server.client.get_workflow_handle(workflow_id).describe()).run_id
    second = await ActivityEnvironment().run(delivery.start_order_workflows, batch)

    assert (first.signalled, second.signalled) == (1, 1)
    assert await received(dev_server, workflow_id, "changes", 2) == ["A-1", "A-1"]
    description = await dev_server.client.get_workflow_handle(workflow_id).describe()
    assert description.run_id == run_id
    assert description.status is WorkflowExecutionStatus.RUNNING


async def test_a_late_change_for_a_finished_order_is_already_closed(
    delivery: DeliveryActivities, dev_server: DevServer, account: str
) -> None:
    batch = ChangeSet(changes=[change(account, "A-1")])
    workflow_id = f"order:amazon:{account}:A-1"
    await ActivityEnvironment().run(delivery.start_order_workflows, batch)
    handle = dev_server.client.get_workflow_handle(workflow_id)
    await handle.signal(FINISH_SIGNAL)
    await handle.result()

    report = await ActivityEnvironment().run(delivery.start_order_workflows, batch)

    assert (report.signalled, report.already_closed) == (0, 1)
    description = await handle.describe()
    assert description.status is WorkflowExecutionStatus.COMPLETED


async def test_a_change_for_a_terminated_order_starts_a_new_run(
    delivery: DeliveryActivities, dev_server: DevServer, account: str
) -> None:
    """An operator may re-run an order whose workflow failed or was terminated."""
    batch = ChangeSet(changes=[change(account, "A-1")])
    workflow_id = f"order:amazon:{account}:A-1"
    await ActivityEnvironment().run(delivery.start_order_workflows, batch)
    handle = dev_server.client.get_workflow_handle(workflow_id)
    old_run = (await handle.describe()).run_id
    await handle.terminate(reason="test")

    report = await ActivityEnvironment().run(delivery.start_order_workflows, batch)

    assert (report.signalled, report.already_closed) == (1, 0)
    description = await handle.describe()
    assert description.run_id != old_run
    assert description.status is WorkflowExecutionStatus.RUNNING
    assert await received(dev_server, workflow_id, "changes", 1) == ["A-1"]


async def test_deliver_signals_the_orders_workflow(
    delivery: DeliveryActivities, dev_server: DevServer, engine: Engine, account: str
) -> None:
    await ActivityEnvironment().run(
        delivery.start_order_workflows, ChangeSet(changes=[change(account, "A-1")])
    )
    events = [event(account, "A-1", 1), event(account, "A-1", 2)]

    report = await ActivityEnvironment().run(
        delivery.deliver_warehouse_events, EventDelivery(events=events)
    )

    assert (report.delivered, report.unmatched) == (2, 0)
    workflow_id = f"order:amazon:{account}:A-1"
    assert await received(dev_server, workflow_id, "events", 2) == [e.event_id for e in events]
    assert list_unmatched(engine) == []


async def test_an_event_for_an_unknown_order_is_kept_unmatched_once(
    delivery: DeliveryActivities, dev_server: DevServer, engine: Engine, account: str
) -> None:
    stray = event(account, "NOBODY-1")
    delivery_batch = EventDelivery(events=[stray])

    first = await ActivityEnvironment().run(delivery.deliver_warehouse_events, delivery_batch)
    second = await ActivityEnvironment().run(delivery.deliver_warehouse_events, delivery_batch)

    assert (first.delivered, first.unmatched) == (0, 1)
    assert second.delivered == 0
    [kept] = list_unmatched(engine)
    assert (kept.event_id, kept.facility_id, kept.reference) == (
        stray.event_id,
        FACILITY,
        "NOBODY-1",
    )
    assert WarehouseEvent.model_validate(json.loads(kept.raw_json)) == stray
    assert not await dev_server.exists(f"order:amazon:{account}:NOBODY-1")


async def test_a_dispatch_for_a_finished_order_is_kept_unmatched_a_cancel_is_ignored(
    delivery: DeliveryActivities, dev_server: DevServer, engine: Engine, account: str
) -> None:
    """A parcel leaving for an order already closed needs a person; GXO confirming a cancel
    consign itself asked for changes nothing."""
    await ActivityEnvironment().run(
        delivery.start_order_workflows, ChangeSet(changes=[change(account, "A-1")])
    )
    handle = dev_server.client.get_workflow_handle(f"order:amazon:{account}:A-1")
    await handle.signal(FINISH_SIGNAL)
    await handle.result()

    cancelled = event(account, "A-1", 1)
    dispatched = event(account, "A-1", 2, WarehouseEventKind.DISPATCH)
    report = await ActivityEnvironment().run(
        delivery.deliver_warehouse_events, EventDelivery(events=[cancelled, dispatched])
    )

    assert (report.delivered, report.unmatched, report.ignored) == (0, 1, 1)
    assert [e.event_id for e in list_unmatched(engine)] == [dispatched.event_id]


async def test_old_and_new_style_references_both_reach_their_order(
    delivery: DeliveryActivities, dev_server: DevServer, engine: Engine, account: str
) -> None:
    """An order injected before the upgrade is named by its reference; a new one by the
    channel order id GXO echoes beside its per-account reference."""
    await ActivityEnvironment().run(
        delivery.start_order_workflows,
        ChangeSet(changes=[change(account, "A-OLD"), change(account, "A-NEW")]),
    )
    new_reference = warehouse_reference(
        OrderRef(channel=Channel.AMAZON, account=account, order_id="A-NEW")
    )
    old = event(account, "A-OLD", 1)
    new = event(account, new_reference, 2, channel_order_id="A-NEW")

    report = await ActivityEnvironment().run(
        delivery.deliver_warehouse_events, EventDelivery(events=[old, new])
    )

    assert (report.delivered, report.unmatched) == (2, 0)
    for order_id, sent in (("A-OLD", old), ("A-NEW", new)):
        workflow_id = f"order:amazon:{account}:{order_id}"
        assert await received(dev_server, workflow_id, "events", 1) == [sent.event_id]
    assert list_unmatched(engine) == []
    assert not await dev_server.exists(f"order:amazon:{account}:{new_reference}")


async def test_an_unmatched_event_says_why_it_was_kept(
    delivery: DeliveryActivities, engine: Engine, account: str
) -> None:
    stray = event(account, "CQ3Z-404", channel_order_id="404")

    await ActivityEnvironment().run(
        delivery.deliver_warehouse_events, EventDelivery(events=[stray])
    )

    [kept] = list_unmatched(engine)
    assert kept.reason == f"NO_ORDER: no order workflow order:amazon:{account}:404"
    assert kept.reference == "CQ3Z-404"


async def test_an_event_the_order_refused_is_kept_with_its_reason(
    delivery: DeliveryActivities, engine: Engine, account: str
) -> None:
    foreign = event(account, "A-1", kind=WarehouseEventKind.DISPATCH)
    request = SetAsideEvent(
        event=foreign, reason=EventMismatch.FACILITY, detail="the order is A-1 at GXO-DE-KOB"
    )

    await ActivityEnvironment().run(delivery.set_aside_warehouse_event, request)
    await ActivityEnvironment().run(delivery.set_aside_warehouse_event, request)  # a retry

    [kept] = list_unmatched(engine)
    assert (kept.event_id, kept.reason) == (
        foreign.event_id,
        "FACILITY: the order is A-1 at GXO-DE-KOB",
    )
    assert WarehouseEvent.model_validate_json(kept.raw_json) == foreign


class KilledAt:
    """The dev server's client, but the call that would make the `at`-th start never returns:
    the worker running the hand-over is killed there."""

    def __init__(self, client: Client, at: int) -> None:
        self.client = client
        self.at = at
        self.starts = 0
        self.stuck = asyncio.Event()

    async def start_workflow(self, *args: Any, **kwargs: Any) -> object:
        self.starts += 1
        if self.starts == self.at:
            self.stuck.set()
            await asyncio.Event().wait()
        return await self.client.start_workflow(*args, **kwargs)


async def test_a_retried_hand_over_resumes_after_the_last_item_its_heartbeat_recorded(
    delivery: DeliveryActivities, dev_server: DevServer, engine: Engine, account: str
) -> None:
    """Before: every attempt began again at the first change, so a batch longer than a worker
    lives between kills was never handed over (bench.chaos: 329 Amazon orders never started)."""
    changes = [
        change(account, "A-1"),
        change(account, "A-FBA", FulfilledBy.CHANNEL),
        change(account, "A-2"),
        change(account, "A-3"),
    ]
    beats: list[Sequence[Any]] = []
    first = ActivityEnvironment()
    first.info = replace(first.info, heartbeat_timeout=timedelta(milliseconds=30))
    first.on_heartbeat = lambda *details: beats.append(details)
    killed = KilledAt(dev_server.client, at=3)  # started, A-FBA skipped
    # One at a time: what is tested is the progress each item records.
    dying = DeliveryActivities(cast(Client, killed), engine, dev_server.task_queue, start_window=1)
    attempt = asyncio.create_task(
        first.run(dying.start_order_workflows, ChangeSet(changes=changes))
    )
    await killed.stuck.wait()
    recorded = len(beats)

    async def beaten() -> int:
        return len(beats)

    await eventually(beaten, lambda n: n > recorded)  # a beat since: A-2 is recorded as done
    attempt.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await attempt

    # Temporal gives the retry the last details recorded, as the worker decodes them.
    details = await pydantic_data_converter.decode(
        await pydantic_data_converter.encode(list(beats[-1]))
    )
    retry = ActivityEnvironment()
    retry.info = replace(retry.info, attempt=2, heartbeat_details=details)
    report = await retry.run(delivery.start_order_workflows, ChangeSet(changes=changes))

    assert (report.signalled, report.skipped_afn, report.already_closed) == (3, 1, 0)
    # A-3 was started last: had the retry signalled again, they would show it.
    assert await received(dev_server, f"order:amazon:{account}:A-3", "changes", 1) == ["A-3"]
    for order_id in ("A-1", "A-2"):
        workflow_id = f"order:amazon:{account}:{order_id}"
        assert await received(dev_server, workflow_id, "changes", 1) == [order_id]


async def test_a_hand_over_records_each_item_as_soon_as_it_is_done(
    dev_server: DevServer, engine: Engine, account: str
) -> None:
    """Before: progress went out only with the background beat (every third of the heartbeat
    timeout), so an attempt killed before its second beat passed nothing on; with retries
    landing just before each kill, bench.chaos saw 41 orders take 13 attempts (134 s)."""
    changes = [
        change(account, "A-1"),
        change(account, "A-FBA", FulfilledBy.CHANNEL),
        change(account, "A-2"),
    ]
    beats: list[Sequence[Any]] = []
    env = ActivityEnvironment()
    env.info = replace(env.info, heartbeat_timeout=timedelta(hours=1))  # one background beat
    env.on_heartbeat = lambda *details: beats.append(details)
    killed = KilledAt(dev_server.client, at=2)  # A-1 started, A-FBA skipped, dies on A-2
    # One at a time: what is tested is the progress each item records.
    dying = DeliveryActivities(cast(Client, killed), engine, dev_server.task_queue, start_window=1)
    attempt = asyncio.create_task(env.run(dying.start_order_workflows, ChangeSet(changes=changes)))
    await killed.stuck.wait()
    attempt.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await attempt

    done, report = beats[-1]
    assert (done, report.signalled, report.skipped_afn) == (2, 1, 1)


class Overlapping:
    """The dev server's client, counting the starts in flight at once."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.in_flight = 0
        self.most = 0

    async def start_workflow(self, *args: Any, **kwargs: Any) -> object:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.05)  # an RPC's round trip, so the window's calls overlap
            return await self.client.start_workflow(*args, **kwargs)
        finally:
            self.in_flight -= 1


async def test_a_hand_over_overlaps_its_starts_a_window_at_a_time(
    dev_server: DevServer, engine: Engine, account: str
) -> None:
    """One signal-with-start at a time, a batch took the sum of its round trips and fell
    behind for good under bench.chaos's kills; now a window's starts overlap, and progress is
    recorded per window."""
    changes = [change(account, f"A-{n}") for n in range(7)]
    beats: list[Sequence[Any]] = []
    env = ActivityEnvironment()
    env.info = replace(env.info, heartbeat_timeout=timedelta(hours=1))
    env.on_heartbeat = lambda *details: beats.append(details)
    overlapping = Overlapping(dev_server.client)
    delivery = DeliveryActivities(
        cast(Client, overlapping), engine, dev_server.task_queue, start_window=3
    )
    report = await env.run(delivery.start_order_workflows, ChangeSet(changes=changes))
    assert report.signalled == 7 and overlapping.most == 3
    assert [beat[0] for beat in beats if beat][-3:] == [3, 6, 7]
