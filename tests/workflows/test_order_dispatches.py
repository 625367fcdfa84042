"""How dispatches are confirmed: once per parcel however GXO re-sends it, never twice for one
tracking number, and late when the parcels leave after the ship-by date."""

from __future__ import annotations

from datetime import timedelta

from domain.exceptions import ExceptionKind
from domain.lifecycle import OperatorRequest, OrderStage
from tests.workflows.fakes import make_order, parcel
from tests.workflows.order_harness import Harness, at, finished, until
from workflows.order_fulfillment import OrderFulfillment


async def test_a_parcel_resent_under_a_new_event_id_is_confirmed_once(harness: Harness) -> None:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 2)]))
    first = parcel("P1", ("10000", 1))
    await harness.ship(handle, 1, first)
    await harness.ship(handle, 2, first)
    await harness.ship(handle, 3, parcel("P2", ("10000", 1)))
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P1", "P2"]


async def test_a_known_tracking_number_under_another_parcel_id_is_not_sent_twice(
    harness: Harness,
) -> None:
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 2)]))
    await harness.ship(handle, 1, parcel("P1", ("10000", 1), tracking="TRK-1"))
    await harness.ship(handle, 2, parcel("P1-RESENT", ("10000", 1), tracking="TRK-1"))
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.DUPLICATE_TRACKING
    assert "P1-RESENT" in status.exception.message and "TRK-1" in status.exception.message
    assert [c.parcel.tracking_number for c in harness.world.confirms] == ["TRK-1"]
    assert status.lines[0].shipped == 1


async def test_reinject_confirms_a_parcel_sharing_a_tracking_number_as_its_own(
    harness: Harness,
) -> None:
    """A multi-piece shipment under one tracking number is real: the operator says so."""
    handle = await harness.inject(make_order(lines=[("TSHIRT-BLK-M", 2)]))
    await harness.ship(
        handle,
        1,
        parcel("P1", ("10000", 1), tracking="TRK-1"),
        parcel("P2", ("10000", 1), tracking="TRK-1"),
    )
    await until(handle, at(OrderStage.EXCEPTION))
    await handle.signal(OrderFulfillment.reinject, OperatorRequest(reason="two-piece shipment"))
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P1", "P2"]


async def test_an_order_past_its_ship_by_at_start_is_late_from_injection(
    harness: Harness,
) -> None:
    handle = await harness.start(make_order(ship_by_in=-timedelta(days=1)))
    status = await until(handle, lambda s: s.injections == 1)
    assert status.stage is OrderStage.LATE and status.late
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.SHIP_BY_MISSED
    assert not any("near" in note for note in status.history)
    assert harness.world.lookups == 0  # nothing to chase before GXO has the order
    await harness.ship(handle, 1, parcel("P1", ("10000", 1)))
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED and result.late


async def test_parcels_that_left_after_the_ship_by_make_the_order_late(harness: Harness) -> None:
    """GXO's dispatch time is the evidence, whenever its event reaches consign."""
    handle = await harness.inject(make_order(ship_by_in=timedelta(days=3)))
    order = harness.order(handle)
    assert order.ship_by is not None
    late_parcel = parcel("P1", ("10000", 1)).model_copy(
        update={"shipped_at": order.ship_by + timedelta(hours=1)}
    )
    await harness.ship(handle, 1, late_parcel)
    result = await finished(handle)
    assert result.stage is OrderStage.SHIPPED and result.late
    assert any("after the ship-by" in note for note in result.history)
