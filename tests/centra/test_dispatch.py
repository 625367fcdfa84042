"""confirm_parcel: create, pay, complete, each step skipped when done, so any repeat (after a
lost response at any step) leaves exactly one completed shipment per parcel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.exceptions import ConsignError, ExceptionKind
from domain.order import Channel, OrderRef
from domain.shipment import ConfirmItem, ShipConfirmation
from integrations.centra.errors import CentraOrderNotFound, CentraUnavailable, CentraUserErrors
from integrations.centra.port import CentraChannel
from integrations.centra.settings import CaptureMode
from tests.centra.fakes import FakeCentra, order_json

NOW = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)


def channel_for(fake: FakeCentra, mode: CaptureMode = CaptureMode.CAPTURE) -> CentraChannel:
    return CentraChannel(
        fake.client(),
        "brand-eu",
        dispatch_sla=timedelta(hours=48),
        capture_mode=mode,
        clock=lambda: NOW,
    )


def parcel(
    tracking: str = "TRK1", items: list[tuple[str, int]] | None = None, **changes: Any
) -> ShipConfirmation:
    fields: dict[str, Any] = {
        "ref": OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id="1001"),
        "parcel_id": f"P-{tracking}",
        "package_reference": "1",
        "carrier_code": "DHL",
        "carrier_name": "DHL Express",
        "shipping_method": "Express Worldwide",
        "tracking_number": tracking,
        "shipped_at": datetime(2025, 3, 11, 9, 15, tzinfo=UTC),
        "items": [ConfirmItem(line_id=i, quantity=q) for i, q in (items or [("11", 2)])],
    }
    fields.update(changes)
    return ShipConfirmation(**fields)


def fake_with_order() -> FakeCentra:
    fake = FakeCentra()
    fake.add(order_json(1001))
    return fake


def shipments(fake: FakeCentra) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = fake.orders[1001]["shipments"]
    return result


def variables(fake: FakeCentra, operation: str) -> dict[str, Any]:
    (found,) = [v for name, v in fake.calls if name == operation]
    return found


async def test_creates_pays_and_completes_one_shipment() -> None:
    fake = fake_with_order()
    await channel_for(fake).confirm_parcel(parcel())
    assert fake.operations() == ["OrderShipments", "CreateShipment", "CompleteShipment"]
    assert variables(fake, "CreateShipment")["input"] == {
        "order": {"number": 1001},
        "lines": [{"orderLine": {"id": 11}, "quantity": 2}],
        "isGoodToGo": True,
        "sendEmail": False,
        "capture": True,
    }
    completion = variables(fake, "CompleteShipment")
    assert completion["id"] == shipments(fake)[0]["id"]
    assert completion["input"] == {
        "shippedAt": "2025-03-11T09:15:00Z",
        "sendEmail": True,
        "shipmentInfo": {
            "carrier": "DHL Express",
            "service": "Express Worldwide",
            "packagesNumber": 1,
            "trackingNumber": "TRK1",
        },
    }
    (shipment,) = shipments(fake)
    assert shipment["isPaid"] and shipment["isShipped"]


async def test_a_repeat_changes_nothing() -> None:
    fake = fake_with_order()
    channel = channel_for(fake)
    await channel.confirm_parcel(parcel())
    fake.calls.clear()
    await channel.confirm_parcel(parcel())
    assert fake.operations() == ["OrderShipments"]
    assert len(shipments(fake)) == 1


@pytest.mark.parametrize("lost", ["CreateShipment", "CaptureShipment", "CompleteShipment"])
async def test_a_retry_after_a_lost_response_creates_nothing_new(lost: str) -> None:
    fake = fake_with_order()
    fake.capture_fails = lost == "CaptureShipment"  # so create leaves it unpaid and capture runs
    fake.lose_response.add(lost)
    channel = channel_for(fake)
    with pytest.raises(CentraUnavailable):
        await channel.confirm_parcel(parcel())
    fake.capture_fails = False
    fake.calls.clear()
    await channel.confirm_parcel(parcel())
    assert "CreateShipment" not in fake.operations()
    (shipment,) = shipments(fake)
    assert shipment["isPaid"] and shipment["isShipped"]
    assert shipment["shipmentInfo"]["trackingNumber"] == "TRK1"


async def test_each_parcel_gets_its_own_shipment() -> None:
    fake = fake_with_order()
    channel = channel_for(fake)
    await channel.confirm_parcel(parcel("TRK1", [("11", 1)]))
    await channel.confirm_parcel(parcel("TRK2", [("11", 1)]))  # same lines, a second parcel
    await channel.confirm_parcel(parcel("TRK1", [("11", 1)]))  # a repeat of the first
    assert [s["shipmentInfo"]["trackingNumber"] for s in shipments(fake)] == ["TRK1", "TRK2"]


async def test_an_uncompleted_shipment_with_other_lines_is_not_reused() -> None:
    fake = fake_with_order()
    fake.lose_response.add("CompleteShipment")
    channel = channel_for(fake)
    with pytest.raises(CentraUnavailable):
        await channel.confirm_parcel(parcel("TRK1", [("11", 1)]))
    shipments(fake)[0]["isShipped"] = False  # as if completion never happened
    await channel.confirm_parcel(parcel("TRK2", [("11", 2)]))
    assert len(shipments(fake)) == 2


async def test_capture_mode_captures_an_unpaid_shipment() -> None:
    fake = fake_with_order()
    fake.capture_fails = True
    with pytest.raises(CentraUserErrors) as caught:
        await channel_for(fake).confirm_parcel(parcel())
    assert fake.operations() == ["OrderShipments", "CreateShipment", "CaptureShipment"]
    assert caught.value.exception_kind is ExceptionKind.CHANNEL_REJECTED
    assert not shipments(fake)[0]["isShipped"]  # never completed unpaid


async def test_is_paid_mode_marks_the_shipment_paid() -> None:
    fake = fake_with_order()
    await channel_for(fake, CaptureMode.IS_PAID).confirm_parcel(parcel())
    created = variables(fake, "CreateShipment")["input"]
    assert created["isPaid"] is True and "capture" not in created
    assert "CaptureShipment" not in fake.operations()


async def test_is_paid_mode_marks_a_reused_unpaid_shipment() -> None:
    fake = fake_with_order()
    fake.lose_response.add("CreateShipment")
    channel = channel_for(fake, CaptureMode.NONE)
    with pytest.raises(CentraUnavailable):
        await channel.confirm_parcel(parcel())
    fake.calls.clear()
    await channel_for(fake, CaptureMode.IS_PAID).confirm_parcel(parcel())
    assert fake.operations() == ["OrderShipments", "MarkShipmentPaid", "CompleteShipment"]


async def test_none_mode_never_touches_payment() -> None:
    fake = fake_with_order()
    await channel_for(fake, CaptureMode.NONE).confirm_parcel(parcel())
    created = variables(fake, "CreateShipment")["input"]
    assert "capture" not in created and "isPaid" not in created
    assert fake.operations() == ["OrderShipments", "CreateShipment", "CompleteShipment"]
    assert not shipments(fake)[0]["isPaid"] and shipments(fake)[0]["isShipped"]


async def test_shipped_at_in_the_future_is_clamped_to_now() -> None:
    fake = fake_with_order()
    await channel_for(fake).confirm_parcel(parcel(shipped_at=NOW + timedelta(minutes=5)))
    assert variables(fake, "CompleteShipment")["input"]["shippedAt"] == "2025-03-11T12:00:00Z"


async def test_carrier_falls_back_to_the_carrier_code() -> None:
    fake = fake_with_order()
    await channel_for(fake).confirm_parcel(parcel(carrier_name=None, shipping_method=None))
    info = variables(fake, "CompleteShipment")["input"]["shipmentInfo"]
    assert info["carrier"] == "DHL" and info["service"] is None


async def test_a_parcel_line_repeated_is_summed() -> None:
    fake = fake_with_order()
    await channel_for(fake).confirm_parcel(parcel(items=[("12", 1), ("11", 1), ("11", 1)]))
    assert variables(fake, "CreateShipment")["input"]["lines"] == [
        {"orderLine": {"id": 11}, "quantity": 2},
        {"orderLine": {"id": 12}, "quantity": 1},
    ]


@pytest.mark.parametrize("order_id", ["1001", "AMZ-1"])
async def test_unknown_order_is_not_found(order_id: str) -> None:
    ref = OrderRef(channel=Channel.CENTRA, account="brand-eu", order_id=order_id)
    with pytest.raises(CentraOrderNotFound) as caught:
        await channel_for(FakeCentra()).confirm_parcel(parcel(ref=ref))
    assert caught.value.exception_kind is ExceptionKind.ORDER_NOT_FOUND


async def test_a_non_centra_line_id_is_an_unknown_line() -> None:
    with pytest.raises(ConsignError) as caught:
        await channel_for(fake_with_order()).confirm_parcel(parcel(items=[("amzn-1", 1)]))
    assert caught.value.kind is ExceptionKind.UNKNOWN_ORDER_LINE
