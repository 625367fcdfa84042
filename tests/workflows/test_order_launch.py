"""The launch gate on the time-skipping server: an order for an item GXO has not accepted
parks as ITEM_NOT_LAUNCHED without reaching GXO, and the product sync's item_accepted signal
(launch-release) plans it again with the reason in its history; the same signal releases an
order parked as UNMAPPED_SKU once the product sync wrote the mapping (mapping-release); it is
ignored by an order parked for another reason."""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import EventType

from activities.models import ItemAccepted
from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage
from tests.workflows.fakes import make_order
from tests.workflows.order_harness import Harness, OrderHandle, at, until
from workflows.order_fulfillment import OrderFulfillment

ACCEPTED = ItemAccepted(facility_id="GXO-UK-DAV", item_code="GXO-NEW-1", sku="NEW-1")


async def test_an_order_parked_for_a_launch_is_released_by_item_accepted(
    harness: Harness,
) -> None:
    harness.world.not_launched = {ACCEPTED.item_code}
    handle = await harness.start(make_order(lines=[("NEW-1", 1)]))
    parked = await until(handle, at(OrderStage.EXCEPTION))
    assert parked.exception is not None
    assert parked.exception.kind is ExceptionKind.ITEM_NOT_LAUNCHED
    assert harness.world.injections == []

    harness.world.not_launched = set()  # GXO loaded the item
    await handle.signal(OrderFulfillment.item_accepted, ACCEPTED)
    released = await until(handle, at(OrderStage.INJECTED))
    assert released.exception is None
    assert len(harness.world.injections) == 1
    note = "GXO accepted GXO-NEW-1 (NEW-1) at GXO-UK-DAV"
    assert any(note in line and "product sync" in line for line in released.history)


async def test_an_order_parked_unmapped_is_released_when_the_sync_maps_the_sku(
    harness: Harness,
) -> None:
    order = make_order(lines=[("NEW-1", 1)])
    harness.world.add(order)
    mapped = harness.world.mappings.skus
    harness.world.mappings.skus = []  # the product sync has not written the mapping yet
    handle = await harness.start(order, add=False)
    parked = await until(handle, at(OrderStage.EXCEPTION))
    assert parked.exception is not None
    assert parked.exception.kind is ExceptionKind.UNMAPPED_SKU
    harness.world.mappings.skus = mapped  # the sync wrote it
    mapping = ItemAccepted(facility_id="", item_code=ACCEPTED.item_code, sku="NEW-1")
    await handle.signal(OrderFulfillment.item_accepted, mapping)
    released = await until(handle, at(OrderStage.INJECTED))
    assert released.exception is None
    assert len(harness.world.injections) == 1
    note = "the product sync mapped NEW-1 to GXO item GXO-NEW-1"
    assert any(note in line and "product sync" in line for line in released.history)


async def test_item_accepted_leaves_an_order_parked_for_another_reason(
    harness: Harness,
) -> None:
    order = make_order(lines=[("NEW-1", 1)])
    harness.world.add(order)
    rules = harness.world.mappings.facility_rules
    harness.world.mappings.facility_rules = []  # NO_FACILITY, not a launch or a mapping
    handle = await harness.start(order, add=False)
    parked = await until(handle, at(OrderStage.EXCEPTION))
    assert parked.exception is not None
    assert parked.exception.kind is ExceptionKind.NO_FACILITY
    harness.world.mappings.facility_rules = rules  # a retry now would inject: must not retry
    await handle.signal(OrderFulfillment.item_accepted, ACCEPTED)
    after = await events_after_the_signal(handle)
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in after
    still = await handle.query(OrderFulfillment.status)
    assert still.exception is not None and still.exception.kind is ExceptionKind.NO_FACILITY
    assert harness.world.injections == []


async def events_after_the_signal(handle: OrderHandle) -> list[EventType.ValueType]:
    """The event types after the last signal, once a workflow task has handled it."""
    for _ in range(2400):  # a bound (60 s), not a timing assertion
        types = [e.event_type for e in (await handle.fetch_history()).events]
        signalled = max(
            i for i, t in enumerate(types) if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        )
        after = types[signalled + 1 :]
        if EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in after:
            return after
        await asyncio.sleep(0.025)
    raise AssertionError("the signal was never handled")
