"""OrderFulfillment on the time-skipping server: gate, plan, inject, confirm, cancel, deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError

from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    OperatorRequest,
    OrderStage,
)
from domain.order import ChannelOrderStatus, FulfilledBy
from domain.payloads import payload_size, split_dispatch
from domain.warehouse import (
    CancelOutcome,
    EventMismatch,
    Rejection,
    RejectionCode,
    WarehouseEvent,
    WarehouseEventKind,
    WarehouseOrderStatus,
    warehouse_reference,
)
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import Harness, at, eventually, notice, rejected, until
from workflows.order_fulfillment import OrderFulfillment


async def test_ships_in_full_with_one_confirm_per_parcel(harness: Harness) -> None:
    order = make_order(lines=[("TSHIRT-BLK-M", 2), ("CAP-RED", 1)])
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    event = dispatch(
        order,
        1,
        parcel("P1", ("10000", 2)),
        parcel("P2", ("20000", 1)),
        status=WarehouseOrderStatus.SHIPPED,
    )
    await handle.signal(OrderFulfillment.warehouse_event, event)
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [c.package_reference for c in harness.world.confirms] == ["1", "2"]
    assert [(c.parcel.parcel_id, c.parcel.lines[0].quantity) for c in harness.world.confirms] == [
        ("P1", 2),
        ("P2", 1),
    ]
    assert len(harness.world.injections) == 1
    injected = harness.world.injections[0]
    assert injected.reference == warehouse_reference(order.ref)
    assert injected.channel_order_id == order.ref.order_id
    assert result.warehouse_reference == injected.reference
    assert [(line.item_code, line.quantity) for line in injected.lines] == [
        ("GXO-TSHIRT-BLK-M", 2),
        ("GXO-CAP-RED", 1),
    ]
    assert all(line.remaining == 0 for line in result.lines)
    assert harness.world.closed_demand == [order.ref]  # ended: nothing it holds back any more


async def test_short_pick_ships_two_then_one_and_ignores_duplicates(harness: Harness) -> None:
    order = make_order(lines=[("TSHIRT-BLK-M", 3)])
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    first = dispatch(order, 1, parcel("P1", ("10000", 2)))
    await handle.signal(OrderFulfillment.warehouse_event, first)
    status = await until(handle, at(OrderStage.PARTIALLY_SHIPPED))
    assert status.lines[0].shipped == 2 and status.lines[0].remaining == 1
    await handle.signal(OrderFulfillment.warehouse_event, first)  # duplicate delivery
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 2, parcel("P2", ("10000", 1)))
    )
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [(c.package_reference, c.parcel.lines[0].quantity) for c in harness.world.confirms] == [
        ("1", 2),
        ("2", 1),
    ]


async def test_pending_order_waits_for_payment_then_injects(harness: Harness) -> None:
    order = make_order(status=ChannelOrderStatus.PENDING)
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    assert harness.world.injections == []
    ready = order.model_copy(update={"status": ChannelOrderStatus.READY})
    harness.world.orders[order.ref.order_id] = ready
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(order, timedelta(minutes=5), ChannelOrderStatus.READY),
    )
    await until(handle, at(OrderStage.INJECTED))
    assert len(harness.world.injections) == 1


async def test_afn_order_never_reaches_the_warehouse(harness: Harness) -> None:
    order = make_order(fulfilled_by=FulfilledBy.CHANNEL)
    result = await (await harness.start(order)).result()
    assert result.stage is OrderStage.SKIPPED_AFN
    assert harness.world.injections == []


async def test_buyer_cancel_after_injection_cancels_at_gxo(harness: Harness) -> None:
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(order, timedelta(minutes=1), ChannelOrderStatus.READY, buyer_cancel_requested=True),
    )
    result = await handle.result()
    assert result.stage is OrderStage.CANCELLED
    assert [c.reference for c in harness.world.cancels] == [warehouse_reference(order.ref)]
    assert harness.world.confirms == []
    assert harness.world.closed_demand == [order.ref]


async def test_stale_change_notice_is_ignored(harness: Harness) -> None:
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(order, -timedelta(hours=1), ChannelOrderStatus.CANCELLED),
    )
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert harness.world.cancels == []


async def test_cancel_too_late_raises_exception_and_follows_dispatch(harness: Harness) -> None:
    harness.world.cancel_outcome = CancelOutcome.TOO_LATE
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.order_changed,
        notice(order, timedelta(minutes=1), ChannelOrderStatus.CANCELLED),
    )
    status = await until(handle, lambda s: s.exception is not None)
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.CANCEL_TOO_LATE
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    assert (await handle.result()).stage is OrderStage.SHIPPED


async def test_unmapped_sku_parks_until_retry(harness: Harness) -> None:
    order = make_order(lines=[("NEW-SKU-1", 1)])
    harness.world.add(order)
    harness.world.mappings.skus = [m for m in harness.world.mappings.skus if m.sku != "NEW-SKU-1"]
    handle = await harness.start(order, add=False)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.UNMAPPED_SKU
    assert "NEW-SKU-1" in status.exception.message
    described = await handle.describe()
    assert described.typed_search_attributes is not None
    assert harness.world.injections == []
    harness.world.add(order)  # operations add the mapping
    await handle.signal(
        OrderFulfillment.retry, OperatorRequest(reason="mapped", requested_by="ops")
    )
    status = await until(handle, at(OrderStage.INJECTED))
    assert status.exception is None
    assert len(harness.world.injections) == 1


async def test_ship_by_days_away_chases_then_marks_late(harness: Harness) -> None:
    order = make_order(ship_by_in=timedelta(days=3))
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await harness.env.sleep(timedelta(days=2, hours=19))  # past ship-by minus the 6 h chase lead
    status = await until(handle, at(OrderStage.AT_RISK))
    assert harness.world.lookups == 1
    assert status.exception is not None and status.exception.kind is ExceptionKind.SHIP_BY_AT_RISK
    await harness.env.sleep(timedelta(hours=6))
    status = await until(handle, at(OrderStage.LATE))
    assert status.late
    assert status.exception is not None and status.exception.kind is ExceptionKind.SHIP_BY_MISSED
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED and result.late and result.exception is None


async def test_chase_recovers_a_dispatch_that_never_arrived(harness: Harness) -> None:
    order = make_order(ship_by_in=timedelta(days=1))
    harness.world.warehouse_parcels[order.ref.order_id] = [parcel("P9", ("10000", 1))]
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    result = await handle.result()  # time skips to the chase
    assert result.stage is OrderStage.SHIPPED and not result.late
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P9"]


async def test_reinject_resends_the_same_reference(harness: Harness) -> None:
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(OrderFulfillment.reinject, OperatorRequest(reason="GXO lost it"))
    status = await until(handle, lambda s: s.injections == 2)
    assert [o.reference for o in harness.world.injections] == [warehouse_reference(order.ref)] * 2
    assert status.stage is OrderStage.INJECTED


async def test_warehouse_rejection_parks_and_reinject_sends_again(harness: Harness) -> None:
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(OrderFulfillment.warehouse_event, rejected(order, 1))
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.WAREHOUSE_REJECTED
    assert "INVALID_ADDRESS" in status.exception.message
    await handle.signal(OrderFulfillment.reinject, OperatorRequest(reason="address fixed"))
    await until(handle, lambda s: s.injections == 2 and s.stage is OrderStage.INJECTED)


async def test_over_shipment_is_an_exception_not_a_confirm(harness: Harness) -> None:
    order = make_order(lines=[("TSHIRT-BLK-M", 1)])
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 2)))
    )
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None and status.exception.kind is ExceptionKind.OVER_SHIPMENT
    assert harness.world.confirms == []


async def test_channel_rejecting_a_confirm_parks_then_retry_confirms(harness: Harness) -> None:
    order = make_order()
    harness.world.confirm_failures["P1"] = ApplicationError(
        "carrier unknown", type=ExceptionKind.CHANNEL_REJECTED.value, non_retryable=True
    )
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None and status.exception.kind is ExceptionKind.CHANNEL_REJECTED
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="carrier mapped"))
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [c.package_reference for c in harness.world.confirms] == ["1"]


@pytest.mark.parametrize("status", [ChannelOrderStatus.CANCELLED, ChannelOrderStatus.SHIPPED])
async def test_orders_closed_before_injection_are_not_sent(
    harness: Harness, status: ChannelOrderStatus
) -> None:
    result = await (await harness.start(make_order(status=status))).result()
    assert result.stage in (OrderStage.CANCELLED, OrderStage.SHIPPED)
    assert harness.world.injections == []
    assert harness.world.closed_demand == []  # never planned: no demand recorded


async def test_retry_after_a_gxo_rejection_plans_again_with_the_fixed_mapping(
    harness: Harness,
) -> None:
    order = make_order(lines=[("TSHIRT-BLK-M", 1)])
    harness.world.inject_failures.append(
        ApplicationError(
            "GXO rejected the order: UNKNOWN_ITEM",
            type=ExceptionKind.WAREHOUSE_REJECTED.value,
            non_retryable=True,
        )
    )
    handle = await harness.start(order)
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.WAREHOUSE_REJECTED
    for mapping in harness.world.mappings.skus:  # operations correct the item code
        mapping.item_code = "GXO-CORRECTED"
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="item code fixed"))
    await until(handle, at(OrderStage.INJECTED))
    assert [o.lines[0].item_code for o in harness.world.injections] == ["GXO-CORRECTED"]


async def test_an_over_shipped_parcel_set_aside_is_not_raised_again(harness: Harness) -> None:
    order = make_order(lines=[("TSHIRT-BLK-M", 1)])
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]
    await until(handle, at(OrderStage.INJECTED))
    bad = parcel("P1", ("10000", 2))
    harness.world.warehouse_parcels[order.ref.order_id] = [bad]
    await handle.signal(OrderFulfillment.warehouse_event, dispatch(order, 1, bad))
    await until(handle, at(OrderStage.EXCEPTION))
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="GXO will correct it"))
    status = await until(handle, lambda s: s.stage is not OrderStage.EXCEPTION)
    assert "set aside" in status.history[-1]
    # A later retry re-reads GXO's parcels: the set-aside one must not park the order again.
    good = parcel("P2", ("10000", 1))
    harness.world.warehouse_parcels[order.ref.order_id] = [bad, good]
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="recover dispatches"))
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P2"]


async def test_reinject_while_injected_resends_the_same_plan(harness: Harness) -> None:
    order = make_order()
    handle = await harness.start(order)
    await until(handle, at(OrderStage.INJECTED))
    harness.world.mappings.facility_rules[0].facility_id = "GXO-DE-KOB"  # routing changed since
    await handle.signal(OrderFulfillment.reinject, OperatorRequest(reason="GXO lost it"))
    await until(handle, lambda s: s.injections == 2)
    assert [o.facility_id for o in harness.world.injections] == ["GXO-UK-DAV", "GXO-UK-DAV"]


async def test_a_hold_placed_while_parked_holds_the_retry(harness: Harness) -> None:
    """The retry re-reads the order through the gate: put on hold meanwhile, it waits again."""
    order = make_order(lines=[("NEW-SKU-2", 1)])
    harness.world.add(order)
    harness.world.mappings.skus = [m for m in harness.world.mappings.skus if m.sku != "NEW-SKU-2"]
    handle = await harness.start(order, add=False)
    order = harness.world.orders[order.ref.order_id]
    await until(handle, at(OrderStage.EXCEPTION))
    held = order.model_copy(update={"status": ChannelOrderStatus.PENDING})
    harness.world.add(held)  # the mapping arrives, and so does a hold
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="mapped"))
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    assert harness.world.injections == []
    released = held.model_copy(
        update={
            "status": ChannelOrderStatus.READY,
            "last_updated_at": held.last_updated_at + timedelta(minutes=3),
        }
    )
    harness.world.orders[order.ref.order_id] = released
    await handle.signal(OrderFulfillment.order_changed, released.change())
    await until(handle, at(OrderStage.INJECTED))
    assert len(harness.world.injections) == 1


async def test_a_failed_chase_is_noted_and_does_not_park_the_order(harness: Harness) -> None:
    harness.world.lookup_failures.append(
        ApplicationError(
            "GXO refused the request: unknown facility",
            type=ExceptionKind.WAREHOUSE_REJECTED.value,
            non_retryable=True,
        )
    )
    order = make_order(ship_by_in=timedelta(days=1))
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]
    await until(handle, at(OrderStage.INJECTED))
    await harness.env.sleep(timedelta(hours=19))  # past ship-by minus the 6 h chase lead
    status = await until(handle, at(OrderStage.AT_RISK))
    assert any("chase of GXO failed" in note for note in status.history)
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 1, parcel("P1", ("10000", 1)))
    )
    assert (await handle.result()).stage is OrderStage.SHIPPED


@pytest.mark.parametrize(
    ("foreign", "reason"),
    [
        ({"facility_id": "GXO-DE-KOB"}, EventMismatch.FACILITY),
        ({"reference": "CQ3Z-1042"}, EventMismatch.REFERENCE),
        ({"warehouse_order_id": "WO-SOMEONE-ELSE"}, EventMismatch.WAREHOUSE_ORDER),
    ],
)
async def test_a_dispatch_about_another_warehouse_order_is_set_aside_not_confirmed(
    harness: Harness, foreign: dict[str, str], reason: EventMismatch
) -> None:
    """Routed to this order by its channel order id, but reported by another facility, under
    another reference or for another GXO order: kept for a person, never confirmed."""
    order = make_order()
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    stray = dispatch(order, 1, parcel("P-STRAY", ("10000", 1))).model_copy(update=foreign)
    await handle.signal(OrderFulfillment.warehouse_event, stray)
    await until(handle, lambda s: any("set aside" in note for note in s.history))
    await eventually(lambda: bool(harness.world.set_aside))  # noted before it is stored

    assert harness.world.confirms == []
    [kept] = harness.world.set_aside
    assert (kept.event.event_id, kept.reason) == (stray.event_id, reason)
    assert warehouse_reference(order.ref) in kept.detail
    await handle.signal(
        OrderFulfillment.warehouse_event, dispatch(order, 2, parcel("P1", ("10000", 1)))
    )
    result = await handle.result()
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P1"]


async def test_a_retry_after_an_upgrade_keeps_the_reference_gxo_may_already_hold(
    harness: Harness,
) -> None:
    """Planned by a worker that sent the channel order id as the reference; the inject then
    failed for good (GXO may have accepted it and the answer was lost). The retry runs on a
    worker that makes per-account references: it must re-send the old reference, or GXO
    would create a second warehouse order."""
    order = make_order()
    harness.world.plan_reference = lambda plan: plan.order_ref.order_id  # the old planner
    harness.world.inject_failures.append(
        ApplicationError("GXO inject: HTTP 401", type="WAREHOUSE_REJECTED", non_retryable=True)
    )
    handle = await harness.start(order)
    await until(handle, at(OrderStage.EXCEPTION))
    harness.world.plan_reference = None  # the upgraded planner
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="key fixed"))
    await until(handle, at(OrderStage.INJECTED))

    [injected] = harness.world.injections
    assert injected.reference == order.ref.order_id
    assert injected.channel_order_id == order.ref.order_id


async def test_a_replan_after_gxo_rejected_an_order_planned_before_the_upgrade_keeps_its_reference(
    harness: Harness,
) -> None:
    """Injected under the old reference (the channel order id); GXO rejects it after the
    upgrade; the re-plan must not move the order to a new reference."""
    order = make_order()
    harness.world.plan_reference = lambda plan: plan.order_ref.order_id  # the old planner
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]  # as re-based on the server clock
    await until(handle, at(OrderStage.INJECTED))
    harness.world.plan_reference = None  # the upgraded planner
    old_id = order.ref.order_id
    rejected = WarehouseEvent(
        **dispatch(order, 1).model_dump(
            exclude={"kind", "rejection", "order_status", "reference", "channel_order_id"}
            | {"warehouse_order_id"}
        ),
        reference=old_id,
        warehouse_order_id=f"WO-{old_id}",
        kind=WarehouseEventKind.REJECTED,
        order_status=WarehouseOrderStatus.REJECTED,
        rejection=Rejection(code=RejectionCode.INVALID_ADDRESS, message="postcode not found"),
    )
    await handle.signal(OrderFulfillment.warehouse_event, rejected)
    await until(handle, at(OrderStage.EXCEPTION))
    await handle.signal(OrderFulfillment.retry, OperatorRequest(reason="address fixed"))
    status = await until(handle, lambda s: s.injections == 2 and s.stage is OrderStage.INJECTED)

    assert [o.reference for o in harness.world.injections] == [old_id, old_id]
    assert status.warehouse_reference == old_id
    assert harness.world.set_aside == []


async def test_a_dispatch_split_into_parts_confirms_every_parcel_exactly_once(
    harness: Harness,
) -> None:
    """The intakes split a dispatch too large for one signal into parts (domain/payloads.py).
    The parts, a repeated part and parts of the same dispatch split differently (a re-pull
    with another budget) confirm each parcel once, and the order ships."""
    order = make_order(lines=[("TSHIRT-BLK-M", 30)])
    handle = await harness.start(order)
    order = harness.world.orders[order.ref.order_id]
    await until(handle, at(OrderStage.INJECTED))
    parcels = [parcel(f"P{n:02d}", ("10000", 1)) for n in range(30)]
    whole = dispatch(order, 1, *parcels, status=WarehouseOrderStatus.SHIPPED)
    parts = split_dispatch(whole, payload_size(whole) // 4)
    other = split_dispatch(whole, payload_size(whole) // 8)
    assert len(parts) >= 4 and {e.event_id for e in parts}.isdisjoint(e.event_id for e in other)

    for event in [parts[0], parts[0], other[0], *parts[1:-1], other[1], parts[-1]]:
        await handle.signal(OrderFulfillment.warehouse_event, event)
    result = await handle.result()

    assert result.stage is OrderStage.SHIPPED
    confirmed = [c.parcel.parcel_id for c in harness.world.confirms]
    assert sorted(confirmed) == [p.parcel_id for p in parcels]  # each once
    assert sorted(int(c.package_reference) for c in harness.world.confirms) == list(range(1, 31))
