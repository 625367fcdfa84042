"""confirmShipment: the body Amazon's model requires, 204 as success, and the refusals consign
makes before spending a rate-limited call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.order import OrderRef
from domain.shipment import ConfirmItem, ShipConfirmation
from integrations.amazon.errors import AmazonRequestRejected, AmazonThrottled
from integrations.registry import Channel
from tests.amazon.fakes import MARKETPLACE, SELLER, json_response

ORDER_ID = "902-1106328-1059050"
PATH = f"/orders/v0/orders/{ORDER_ID}/shipmentConfirmation"


def confirmation(**changes: object) -> ShipConfirmation:
    values: dict = {
        "ref": OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=ORDER_ID),
        "parcel_id": "P1",
        "package_reference": "1",
        "carrier_code": "Royal Mail",
        "shipping_method": "Tracked 48",
        "tracking_number": "RM123456789GB",
        "shipped_at": datetime(2026, 3, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=1))),
        "items": [
            ConfirmItem(line_id="79039765272157", quantity=2),
            ConfirmItem(line_id="79039765272158", quantity=1),
        ],
    }
    values.update(changes)
    return ShipConfirmation(**values)


async def test_sends_the_model_body_and_accepts_204(fake, amazon):
    fake.on("POST", PATH, json_response(204))
    result = await amazon.shipments.confirm_shipment(ORDER_ID, MARKETPLACE, confirmation())
    assert result is None
    assert fake.seen[0].body == {
        "marketplaceId": MARKETPLACE,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "Royal Mail",
            "shippingMethod": "Tracked 48",
            "trackingNumber": "RM123456789GB",
            "shipDate": "2026-03-01T13:30:05Z",  # converted to UTC
            "orderItems": [
                {"orderItemId": "79039765272157", "quantity": 2},
                {"orderItemId": "79039765272158", "quantity": 1},
            ],
        },
    }


async def test_other_carrier_sends_its_name(fake, amazon):
    fake.on("POST", PATH, json_response(204))
    other = confirmation(carrier_code="Other", carrier_name="Evri", shipping_method=None)
    await amazon.shipments.confirm_shipment(ORDER_ID, MARKETPLACE, other)
    package = fake.seen[0].body["packageDetail"]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "Evri")
    assert "shippingMethod" not in package


@pytest.mark.parametrize(
    ("changes", "order_id"),
    [
        ({"carrier_code": "Other", "carrier_name": None}, ORDER_ID),
        ({"package_reference": "PKG-1"}, ORDER_ID),
        ({"package_reference": "0"}, ORDER_ID),
        ({"tracking_number": "  "}, ORDER_ID),
        ({}, "902-0000000-0000000"),
    ],
)
async def test_refuses_what_amazon_would_refuse_without_calling(fake, amazon, changes, order_id):
    with pytest.raises(AmazonRequestRejected) as caught:
        await amazon.shipments.confirm_shipment(order_id, MARKETPLACE, confirmation(**changes))
    assert caught.value.transient is False and caught.value.status is None
    assert fake.seen == []


async def test_amazons_rejection_is_permanent(fake, amazon, example):
    fake.on("POST", PATH, json_response(400, example("ordersV0/confirmShipment_400_static_1.json")))
    with pytest.raises(AmazonRequestRejected) as caught:
        await amazon.shipments.confirm_shipment(ORDER_ID, MARKETPLACE, confirmation())
    assert caught.value.code == "Invalid Input"


async def test_throttled_confirm_is_transient_and_safe_to_resend(fake, amazon):
    fake.on("POST", PATH, json_response(429, None, {"Retry-After": "1"}), json_response(204))
    with pytest.raises(AmazonThrottled):
        await amazon.shipments.confirm_shipment(ORDER_ID, MARKETPLACE, confirmation())
    await amazon.shipments.confirm_shipment(ORDER_ID, MARKETPLACE, confirmation())
    first, second = (seen.body["packageDetail"]["packageReferenceId"] for seen in fake.seen)
    assert first == second == "1"  # the same package, edited rather than duplicated
