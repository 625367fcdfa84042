"""confirm_parcel against the sandbox: create (capturing), complete, each step skipped when done,
so any repeat (after a lost response at any step) leaves exactly one completed shipment per
parcel and never a second capture; tracking goes in through ShipmentInfoInput; a failed capture
still ships the parcel; an asynchronous capture is reported pending and then settled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.capture import CaptureState, PaymentCapture
from domain.exceptions import ConsignError, ExceptionKind
from domain.order import OrderRef
from domain.shipment import ConfirmItem, ShipConfirmation
from integrations.centra.errors import (
    CentraBadResponse,
    CentraOrderNotFound,
    CentraUnavailable,
    CentraUserErrors,
)
from integrations.centra.settings import CaptureMode
from integrations.registry import Channel
from sandbox.centra.records import Shipment
from tests.centra.support import NOW, Harness

NUMBER = 1001


def parcel(
    harness: Harness,
    tracking: str = "TRK1",
    items: list[tuple[int, int]] | None = None,
    **changes: Any,
) -> ShipConfirmation:
    ids = harness.line_ids(NUMBER)
    fields: dict[str, Any] = {
        "ref": OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id=str(NUMBER)),
        "parcel_id": f"P-{tracking}",
        "package_reference": "1",
        "carrier_code": "DHL",
        "carrier_name": "DHL Express",
        "shipping_method": "Express Worldwide",
        "tracking_number": tracking,
        "shipped_at": NOW - timedelta(minutes=45),
        "items": [ConfirmItem(line_id=ids[i], quantity=q) for i, q in (items or [(0, 2)])],
    }
    fields.update(changes)
    return ShipConfirmation(**fields)


def ready(mode: CaptureMode = CaptureMode.CAPTURE, **order: Any) -> Harness:
    harness = Harness(mode)
    harness.order(NUMBER, **order)
    return harness


def shipments(harness: Harness) -> list[Shipment]:
    return harness.sandbox.order(NUMBER).shipments


def capture_entries(harness: Harness) -> list[tuple[str, str]]:
    return [
        (e.entry_type, e.status)
        for e in harness.sandbox.order(NUMBER).payments
        if e.entry_type != "AUTH"
    ]


async def test_creates_captures_and_completes_one_shipment() -> None:
    harness = ready()
    capture = await harness.channel.confirm_parcel(parcel(harness))
    assert harness.transport.operations == [
        "OrderPaymentHistory",
        "OrderShipments",
        "CreateShipment",
        "CompleteShipment",
    ]
    [shipment] = shipments(harness)
    assert shipment.is_shipped and shipment.captured and shipment.is_paid
    assert shipment.shipment_info == {
        "carrier": "DHL Express",
        "service": "Express Worldwide",
        "packagesNumber": 1,
        "trackingNumber": "TRK1",
    }
    assert shipment.shipped_at == NOW - timedelta(minutes=45)
    assert [(sl.order_line_id, sl.quantity) for sl in shipment.lines] == [
        (int(harness.line_ids(NUMBER)[0]), 2)
    ]
    assert capture == PaymentCapture(
        parcel_id="P-TRK1", shipment_id=str(shipment.id), state=CaptureState.CAPTURED
    )
    assert capture_entries(harness) == [("CAPTURE", "SUCCESS")]


async def test_a_repeat_changes_nothing() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness))
    before = len(harness.transport.operations)
    again = await harness.channel.confirm_parcel(parcel(harness))
    assert harness.transport.operations[before:] == ["OrderPaymentHistory", "OrderShipments"]
    assert again is not None and again.state is CaptureState.CAPTURED
    assert len(shipments(harness)) == 1 and capture_entries(harness) == [("CAPTURE", "SUCCESS")]


@pytest.mark.parametrize("lost", ["CreateShipment", "CompleteShipment"])
@pytest.mark.parametrize("payment", ["synchronous", "asynchronous"])
async def test_a_retry_after_a_lost_response_creates_and_captures_nothing_new(
    lost: str, payment: str
) -> None:
    harness = ready(payment=payment)
    harness.transport.lose.add(lost)
    with pytest.raises(CentraUnavailable):
        await harness.channel.confirm_parcel(parcel(harness))
    capture = await harness.channel.confirm_parcel(parcel(harness))
    [shipment] = shipments(harness)
    assert (
        shipment.is_shipped
        and shipment.shipment_info
        and shipment.shipment_info["trackingNumber"] == "TRK1"
    )
    assert len(capture_entries(harness)) == 1  # never a second capture
    assert capture is not None
    assert capture.state is (
        CaptureState.CAPTURED if payment == "synchronous" else CaptureState.PENDING
    )


async def test_each_parcel_gets_its_own_shipment() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness, "TRK1", [(0, 1)]))
    await harness.channel.confirm_parcel(parcel(harness, "TRK2", [(0, 1), (1, 1)]))
    assert [s.number for s in shipments(harness)] == [f"{NUMBER}-1", f"{NUMBER}-2"]
    assert harness.sandbox.order(NUMBER).status.value == "SHIPPED"


async def test_an_uncompleted_shipment_with_other_lines_is_not_reused() -> None:
    harness = ready()
    with harness.sandbox.lock:
        order = harness.sandbox.order(NUMBER)
        harness.sandbox.create_shipment(order, [(order.lines[1].id, 1)], {})  # someone else's
    await harness.channel.confirm_parcel(parcel(harness))
    assert len(shipments(harness)) == 2 and not shipments(harness)[0].is_shipped


async def test_an_unpaid_shipment_found_again_is_captured_with_capture_shipment() -> None:
    harness = ready()
    with harness.sandbox.lock:
        order = harness.sandbox.order(NUMBER)
        harness.sandbox.create_shipment(order, [(order.lines[0].id, 2)], {})  # created, unpaid
    capture = await harness.channel.confirm_parcel(parcel(harness))
    assert "CaptureShipment" in harness.transport.operations
    assert capture is not None and capture.state is CaptureState.CAPTURED
    assert len(shipments(harness)) == 1 and shipments(harness)[0].captured


async def test_a_failed_capture_still_ships_the_parcel() -> None:
    """createShipment(capture: true) creates the shipment even when the capture fails: only a
    userWarning and isCaptured false. The parcel is completed; the capture is FAILED."""
    harness = ready(capture_fails=True)
    capture = await harness.channel.confirm_parcel(parcel(harness))
    [shipment] = shipments(harness)
    assert shipment.is_shipped and not shipment.captured and not shipment.is_paid
    assert capture is not None and capture.state is CaptureState.FAILED
    assert (
        capture.message
        and "could not capture" in capture.message
        and "paramsJSON" in capture.message
    )
    assert capture_entries(harness) == [("CAPTURE_FAILED", "FAILED")]


async def test_a_failed_capture_is_captured_again_only_when_asked() -> None:
    harness = ready(capture_fails=True)
    failed = await harness.channel.confirm_parcel(parcel(harness))
    assert failed is not None
    still = await harness.channel.settle_capture(failed, again=False)
    assert still.state is CaptureState.FAILED and len(capture_entries(harness)) == 1
    declined = await harness.channel.settle_capture(failed, again=True)
    assert declined.state is CaptureState.FAILED and "refused to capture" in (
        declined.message or ""
    )
    harness.sandbox.set_capture_fails(NUMBER, False)  # the buyer's bank relented
    captured = await harness.channel.settle_capture(failed, again=True)
    assert captured.state is CaptureState.CAPTURED and captured.parcel_id == "P-TRK1"
    assert shipments(harness)[0].captured


async def test_an_asynchronous_capture_is_pending_until_the_provider_settles() -> None:
    harness = ready(payment="asynchronous")
    pending = await harness.channel.confirm_parcel(parcel(harness))
    assert pending is not None and pending.state is CaptureState.PENDING
    [request] = [
        e for e in harness.sandbox.order(NUMBER).payments if e.entry_type == "CAPTURE_REQUEST"
    ]
    assert pending.requests == [str(request.id)]
    assert shipments(harness)[0].is_shipped  # shipped, not yet paid
    assert (await harness.channel.settle_capture(pending, again=True)).state is CaptureState.PENDING
    assert capture_entries(harness) == [("CAPTURE_REQUEST", "PENDING")]  # `again` never repeats it
    harness.sandbox.settle_captures(NUMBER, success=True)
    settled = await harness.channel.settle_capture(pending, again=False)
    assert settled.state is CaptureState.CAPTURED and settled.requests == []


async def test_an_asynchronous_capture_that_fails_days_later() -> None:
    harness = ready(payment="asynchronous", capture_fails=True)
    pending = await harness.channel.confirm_parcel(parcel(harness))
    assert pending is not None
    harness.now = NOW + timedelta(days=3)
    harness.sandbox.settle_captures(NUMBER)
    failed = await harness.channel.settle_capture(pending, again=False)
    assert failed.state is CaptureState.FAILED


async def test_another_parcels_pending_capture_is_not_taken_for_this_ones() -> None:
    harness = ready(payment="asynchronous")
    first = await harness.channel.confirm_parcel(parcel(harness, "TRK1", [(0, 2)]))
    assert first is not None and first.state is CaptureState.PENDING
    harness.transport.lose.add("CreateShipment")
    second = parcel(harness, "TRK2", [(1, 1)], other_captures=first.requests)
    with pytest.raises(CentraUnavailable):
        await harness.channel.confirm_parcel(second)
    again = await harness.channel.confirm_parcel(second)
    assert again is not None and again.state is CaptureState.PENDING
    assert again.requests and set(again.requests).isdisjoint(first.requests)
    assert capture_entries(harness) == [("CAPTURE_REQUEST", "PENDING")] * 2


async def test_is_paid_mode_marks_the_shipment_paid() -> None:
    harness = ready(CaptureMode.IS_PAID)
    capture = await harness.channel.confirm_parcel(parcel(harness))
    [shipment] = shipments(harness)
    assert shipment.is_paid and not shipment.captured and capture_entries(harness) == []
    assert capture is not None and capture.state is CaptureState.CAPTURED


async def test_is_paid_mode_marks_a_reused_unpaid_shipment() -> None:
    harness = ready(CaptureMode.IS_PAID)
    with harness.sandbox.lock:
        order = harness.sandbox.order(NUMBER)
        harness.sandbox.create_shipment(order, [(order.lines[0].id, 2)], {})
    await harness.channel.confirm_parcel(parcel(harness))
    assert "MarkShipmentPaid" in harness.transport.operations and shipments(harness)[0].is_paid


async def test_none_mode_never_touches_payment() -> None:
    harness = ready(CaptureMode.NONE)
    assert await harness.channel.confirm_parcel(parcel(harness)) is None
    [shipment] = shipments(harness)
    assert shipment.is_shipped and not shipment.is_paid and capture_entries(harness) == []


async def test_shipped_at_in_the_future_is_clamped_to_now() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness, shipped_at=NOW + timedelta(minutes=3)))
    assert shipments(harness)[0].shipped_at == NOW


async def test_carrier_falls_back_to_the_carrier_code() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness, carrier_name=None))
    info = shipments(harness)[0].shipment_info
    assert info is not None and info["carrier"] == "DHL"


async def test_a_parcel_line_repeated_is_summed() -> None:
    harness = ready()
    await harness.channel.confirm_parcel(parcel(harness, items=[(0, 1), (0, 1)]))
    assert [sl.quantity for sl in shipments(harness)[0].lines] == [2]


async def test_a_held_order_is_found_and_centra_refuses_the_shipment() -> None:
    """A hold placed after injection hides the order from a default read; dispatch still finds
    it, and Centra's refusal is its own userError (a person releases the hold and retries)."""
    harness = ready(on_hold=True)
    with pytest.raises(CentraUserErrors, match="is on hold"):
        await harness.channel.confirm_parcel(parcel(harness))


@pytest.mark.parametrize("order_id", ["9999", "12-34"])
async def test_unknown_order_is_not_found(order_id: str) -> None:
    harness = ready()
    confirmation = parcel(harness).model_copy(
        update={"ref": OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id=order_id)}
    )
    with pytest.raises(CentraOrderNotFound):
        await harness.channel.confirm_parcel(confirmation)


async def test_a_non_centra_line_id_is_an_unknown_line() -> None:
    harness = ready()
    confirmation = parcel(harness).model_copy(
        update={"items": [ConfirmItem(line_id="A-1", quantity=1)]}
    )
    with pytest.raises(ConsignError) as caught:
        await harness.channel.confirm_parcel(confirmation)
    assert caught.value.kind is ExceptionKind.UNKNOWN_ORDER_LINE


async def test_settling_a_shipment_that_is_gone_is_a_bad_response() -> None:
    capture = PaymentCapture(
        parcel_id="P", shipment_id="999", state=CaptureState.PENDING, requests=["5"]
    )
    with pytest.raises(CentraBadResponse, match="no longer exists"):
        await ready().channel.settle_capture(capture, again=False)
