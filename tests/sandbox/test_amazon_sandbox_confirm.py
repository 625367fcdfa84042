"""confirmShipment in the sandbox enforces Amazon's rules, so a ship-confirm that passes here
is one Amazon accepts, and a retried confirm is provably harmless."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.amazon.catalogue import UK
from sandbox.amazon.generator import OrderSpec
from sandbox.amazon.records import SandboxOrder
from sandbox.amazon.state import AmazonSandbox
from tests.sandbox import test_amazon_sandbox as base
from tests.sandbox.test_amazon_sandbox import ManualClock, Seller

# The same fixtures as the read-side tests: a manual clock, a fresh sandbox, a logged-in seller.
clock = base.clock
sandbox = base.sandbox
seller = base.seller


@pytest.fixture
def order(sandbox: AmazonSandbox) -> SandboxOrder:
    spec = OrderSpec(lines=[{"sku": "TSHIRT-BLK-M", "quantity": 3}, {"sku": "CAP-KHK-OS"}])
    return sandbox.create([spec])[0]


def package(order: SandboxOrder, ref: str = "1", **detail: Any) -> dict[str, Any]:
    items = detail.pop("items", None) or [
        {"orderItemId": order.items[0].order_item_id, "quantity": 1}
    ]
    body: dict[str, Any] = {
        "marketplaceId": UK.marketplace_id,
        "packageDetail": {
            "packageReferenceId": ref,
            "carrierCode": "Royal Mail",
            "shippingMethod": "Tracked 48",
            "trackingNumber": "RM123456785GB",
            "shipDate": "2026-03-02T09:30:00Z",
            "orderItems": items,
            **detail,
        },
    }
    return body


def confirm(seller: Seller, order_id: str, body: object, check: bool = True) -> Any:
    path = f"/orders/v0/orders/{order_id}/shipmentConfirmation"
    return seller.call("POST", path, body=body, check_request=check)


def rejected(seller: Seller, order_id: str, body: object) -> str:
    response = confirm(seller, order_id, body, check=False)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    return str(error["message"])


def items_v0(seller: Seller, order_id: str) -> list[tuple[int, int]]:
    payload = seller.ok(f"/orders/v0/orders/{order_id}/orderItems")["payload"]
    return [(i["QuantityOrdered"], i["QuantityShipped"]) for i in payload["OrderItems"]]


def test_accepted_confirmation_is_204_recorded_and_advances_the_order(
    seller: Seller, order: SandboxOrder, clock: ManualClock
) -> None:
    clock.advance(minutes=30)
    response = confirm(seller, order.order_id, package(order))
    assert response.status_code == 204 and response.content == b""
    assert response.headers["x-amzn-RateLimit-Limit"] == "2"
    recorded = seller.client.get("/_sandbox/confirmations").json()["confirmations"]
    assert recorded == [
        {
            "order_id": order.order_id,
            "package_reference_id": "1",
            "items": {order.items[0].order_item_id: 1},
            "carrier_code": "Royal Mail",
            "carrier_name": None,
            "shipping_method": "Tracked 48",
            "tracking_number": "RM123456785GB",
            "ship_date": "2026-03-02T09:30:00Z",
            "at": "2026-03-02T10:30:00Z",
            "edited": False,
        }
    ]
    v0 = seller.ok(f"/orders/v0/orders/{order.order_id}")["payload"]
    assert (v0["OrderStatus"], v0["LastUpdateDate"]) == ("PartiallyShipped", "2026-03-02T10:30:00Z")
    assert (v0["NumberOfItemsShipped"], v0["NumberOfItemsUnshipped"]) == (1, 3)
    assert items_v0(seller, order.order_id) == [(3, 1), (1, 0)]
    rest = [
        {"orderItemId": order.items[0].order_item_id, "quantity": 2},
        {"orderItemId": order.items[1].order_item_id, "quantity": 1},
    ]
    assert confirm(seller, order.order_id, package(order, "2", items=rest)).status_code == 204
    v2026 = seller.ok(
        f"/orders/2026-01-01/orders/{order.order_id}", includedData="FULFILLMENT,PACKAGES"
    )["order"]
    assert v2026["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [p["packageReferenceId"] for p in v2026["packages"]] == ["1", "2"]
    assert v2026["orderItems"][0]["fulfillment"] == {
        "quantityFulfilled": 3,
        "quantityUnfulfilled": 0,
    }


def test_resending_a_package_reference_edits_that_package(
    seller: Seller, order: SandboxOrder
) -> None:
    first = package(order, "7")
    assert confirm(seller, order.order_id, first).status_code == 204
    assert confirm(seller, order.order_id, first).status_code == 204  # a retry
    assert items_v0(seller, order.order_id) == [(3, 1), (1, 0)]
    edited = package(
        order,
        "7",
        items=[{"orderItemId": order.items[0].order_item_id, "quantity": 3}],
        trackingNumber="RM999999995GB",
    )
    assert confirm(seller, order.order_id, edited).status_code == 204
    assert items_v0(seller, order.order_id) == [(3, 3), (1, 0)]
    recorded = seller.client.get(
        "/_sandbox/confirmations", params={"order_id": order.order_id}
    ).json()["confirmations"]
    assert [c["edited"] for c in recorded] == [False, True, True]
    v2026 = seller.ok(f"/orders/2026-01-01/orders/{order.order_id}", includedData="PACKAGES")
    assert [p["trackingNumber"] for p in v2026["order"]["packages"]] == ["RM999999995GB"]


def test_retry_of_the_final_package_succeeds_on_a_shipped_order(
    seller: Seller, order: SandboxOrder
) -> None:
    everything = [
        {"orderItemId": i.order_item_id, "quantity": i.quantity_ordered} for i in order.items
    ]
    body = package(order, "1", items=everything)
    assert confirm(seller, order.order_id, body).status_code == 204
    assert seller.ok(f"/orders/v0/orders/{order.order_id}")["payload"]["OrderStatus"] == "Shipped"
    assert confirm(seller, order.order_id, body).status_code == 204
    assert "Shipped" in rejected(seller, order.order_id, package(order, "2"))


def test_over_quantity_and_unknown_items_are_rejected(seller: Seller, order: SandboxOrder) -> None:
    line = order.items[0].order_item_id
    too_many = package(order, items=[{"orderItemId": line, "quantity": 4}])
    assert "exceeds" in rejected(seller, order.order_id, too_many)
    assert (
        confirm(
            seller,
            order.order_id,
            package(order, "1", items=[{"orderItemId": line, "quantity": 2}]),
        ).status_code
        == 204
    )
    second = package(order, "2", items=[{"orderItemId": line, "quantity": 2}])
    assert "exceeds" in rejected(seller, order.order_id, second)
    split = package(order, "2", items=[{"orderItemId": line, "quantity": 1}] * 2)
    assert "exceeds" in rejected(seller, order.order_id, split)  # duplicates add up
    unknown = package(order, "3", items=[{"orderItemId": "99999999999999", "quantity": 1}])
    assert "99999999999999" in rejected(seller, order.order_id, unknown)
    zero = package(order, "3", items=[{"orderItemId": line, "quantity": 0}])
    assert "positive" in rejected(seller, order.order_id, zero)
    assert items_v0(seller, order.order_id) == [(3, 2), (1, 0)]


@pytest.mark.parametrize("ref", ["0", "-1", "abc", "1.5", ""])
def test_package_reference_must_be_a_positive_number(
    seller: Seller, order: SandboxOrder, ref: str
) -> None:
    assert "packageReferenceId" in rejected(seller, order.order_id, package(order, ref))


def test_package_reference_must_be_a_string(seller: Seller, order: SandboxOrder) -> None:
    body = package(order)
    body["packageDetail"]["packageReferenceId"] = 1
    assert "packageReferenceId" in rejected(seller, order.order_id, body)


def test_carrier_rules(seller: Seller, order: SandboxOrder) -> None:
    unknown = package(order, carrierCode="Pigeon Post")
    assert "carrierCode" in rejected(seller, order.order_id, unknown)
    other_without_name = package(order, carrierCode="Other")
    assert "carrierName" in rejected(seller, order.order_id, other_without_name)
    blank_name = package(order, carrierCode="Other", carrierName="  ")
    assert "carrierName" in rejected(seller, order.order_id, blank_name)
    other = package(order, "1", carrierCode="Other", carrierName="Local Courier Ltd")
    assert confirm(seller, order.order_id, other).status_code == 204
    for ref, code in (("2", "Evri"), ("3", "Yodel")):  # a modern and a legacy code
        response = confirm(seller, order.order_id, package(order, ref, carrierCode=code))
        assert response.status_code == 204
    shown = seller.ok(f"/orders/2026-01-01/orders/{order.order_id}", includedData="PACKAGES")
    assert [p["carrier"] for p in shown["order"]["packages"]] == [
        "Local Courier Ltd",
        "Evri",
        "Yodel",
    ]


def test_required_fields_and_formats(seller: Seller, order: SandboxOrder) -> None:
    no_tracking = package(order)
    del no_tracking["packageDetail"]["trackingNumber"]
    assert "trackingNumber" in rejected(seller, order.order_id, no_tracking)
    empty_tracking = package(order, trackingNumber="")
    assert "trackingNumber" in rejected(seller, order.order_id, empty_tracking)
    bad_date = package(order, shipDate="02/21/2022")
    assert "shipDate" in rejected(seller, order.order_id, bad_date)
    no_market = package(order)
    del no_market["marketplaceId"]
    assert "marketplaceId" in rejected(seller, order.order_id, no_market)
    wrong_market = package(order)
    wrong_market["marketplaceId"] = "ATVPDKIKX0DER"
    assert "marketplaceId" in rejected(seller, order.order_id, wrong_market)
    no_items = package(order)
    no_items["packageDetail"]["orderItems"] = []
    assert "orderItems" in rejected(seller, order.order_id, no_items)
    assert "packageDetail" in rejected(seller, order.order_id, {"marketplaceId": UK.marketplace_id})
    path = f"/orders/v0/orders/{order.order_id}/shipmentConfirmation"
    not_json = seller.client.post(
        path,
        content=b"{nope",
        headers={"x-amz-access-token": seller.token, "content-type": "application/json"},
    )
    assert not_json.status_code == 400
    assert seller.sandbox.confirmations == []


def test_only_open_mfn_orders_can_be_confirmed(seller: Seller, sandbox: AmazonSandbox) -> None:
    pending, cancelled, afn = sandbox.create(
        [
            OrderSpec(status="Pending"),
            OrderSpec(),
            OrderSpec(fulfillment_channel="AFN", status="Shipped"),
        ]
    )
    sandbox.cancel(cancelled.order_id, buyer_requested=True)
    assert "Pending" in rejected(seller, pending.order_id, package(pending))
    assert "Canceled" in rejected(seller, cancelled.order_id, package(cancelled))
    assert "Amazon" in rejected(seller, afn.order_id, package(afn))
    missing = confirm(seller, "202-0000000-0000000", package(pending))
    assert missing.status_code == 404
    assert sandbox.confirmations == []


def test_ship_plus_orders_show_the_program_and_refuse_confirm_shipment(
    seller: Seller, sandbox: AmazonSandbox
) -> None:
    """Amazon's guide: Ship+ orders do not support confirmShipment and result in a 400."""
    [ship_plus] = sandbox.create([OrderSpec(lines=[{"sku": "CAP-KHK-OS"}], ship_plus=True)])
    v2026 = seller.ok(f"/orders/2026-01-01/orders/{ship_plus.order_id}")["order"]
    assert "FBM_SHIP_PLUS" in v2026["programs"]
    items = seller.ok(f"/orders/v0/orders/{ship_plus.order_id}/orderItems")["payload"]
    assert items["OrderItems"][0]["AmazonPrograms"] == {"Programs": ["FBM_SHIP_PLUS"]}
    assert "Ship+" in rejected(seller, ship_plus.order_id, package(ship_plus))
    assert ship_plus.packages == {}


def test_transparency_lines_show_the_program_and_need_a_code_per_unit(
    seller: Seller, sandbox: AmazonSandbox
) -> None:
    spec = OrderSpec(lines=[{"sku": "BOTTLE-STL-750", "quantity": 2, "transparency": True}])
    [order] = sandbox.create([spec])
    line = order.items[0].order_item_id
    v2026 = seller.ok(f"/orders/2026-01-01/orders/{order.order_id}")["order"]
    assert v2026["orderItems"][0]["programs"] == ["TRANSPARENCY"]
    v0 = seller.ok(f"/orders/v0/orders/{order.order_id}/orderItems")["payload"]
    assert v0["OrderItems"][0]["IsTransparency"] is True
    uncoded = [{"orderItemId": line, "quantity": 2}]
    assert "transparency" in rejected(seller, order.order_id, package(order, items=uncoded))
    coded = [{"orderItemId": line, "quantity": 2, "transparencyCodes": ["AZ1", "AZ2"]}]
    assert confirm(seller, order.order_id, package(order, items=coded)).status_code == 204
