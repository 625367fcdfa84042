"""Shipments in the Centra sandbox, as Centra's DTC guide documents them: createShipment's rules
(each a userError, HTTP 200, shipment null); shipment `id` (Int) against `number` ("<order>-1");
tracking in through ShipmentInfoInput and out as trackingNumber / numberOfPackages /
carrierInformation; captures, synchronous and asynchronous (Adyen, Klarna), failed ones too;
the order status that follows; stock and returns."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_centra_sandbox_support import (
    CAPTURE_SHIPMENT,
    COMPLETE_SHIPMENT,
    CREATE_SHIPMENT,
    UPDATE_SHIPMENT,
    Centra,
    lines,
)

INFO = {"carrier": "DHL", "service": "Parcel", "packagesNumber": 2, "trackingNumber": "JD0001"}
CREATE_WITH_PAYMENTS = """
mutation Create($n: Int!, $lines: [ShipmentLineInput!]) {
  createShipment(input: {order: {number: $n}, lines: $lines, capture: true}) {
    userErrors { message path } userWarnings { message path }
    shipment { id isCaptured isPaid capturedAt
      order { paymentHistory(where: {entryType: [CAPTURE, CAPTURE_REQUEST, CAPTURE_FAILED]}) {
        id entryType status paramsJSON } } } } }"""


@pytest.fixture
def centra() -> Centra:
    return Centra()


def two_line_order(centra: Centra, **extra: Any) -> dict[str, Any]:
    [order] = centra.create_orders(
        {"lines": [{"SKU": "JKT100BLKM", "quantity": 2}, {"SKU": "TEE200WHTS"}], **extra}
    )
    return order


def create(centra: Centra, number: int, *pairs: tuple[int, int], **flags: Any) -> dict[str, Any]:
    return centra.mutate(
        CREATE_SHIPMENT, {"n": number, "lines": lines(*pairs), **flags}, "createShipment"
    )


def complete(centra: Centra, shipment_id: int, at: str | None = None) -> dict[str, Any]:
    variables = {"id": shipment_id, "at": at, "info": INFO}
    return centra.mutate(COMPLETE_SHIPMENT, variables, "completeShipment")


def capture(centra: Centra, shipment_id: int) -> dict[str, Any]:
    return centra.mutate(CAPTURE_SHIPMENT, {"id": shipment_id}, "captureShipment")


def line_ids(order: dict[str, Any]) -> list[int]:
    return [line["id"] for line in order["lines"]]


def captures(centra: Centra, number: int) -> list[tuple[str, str]]:
    return [
        (e["entryType"], e["status"])
        for e in centra.order(number)["paymentHistory"]
        if e["entryType"] != "AUTH"
    ]


def test_create_shipment_with_exactly_the_given_lines(centra: Centra) -> None:
    order = two_line_order(centra)
    first, _ = line_ids(order)
    payload = create(centra, order["number"], (first, 1))
    assert payload["userErrors"] == [] and payload["userWarnings"] == []
    shipment = payload["shipment"]
    assert isinstance(shipment["id"], int)  # what mutations take
    assert shipment["number"] == f"{order['number']}-1"  # the human name, a String
    assert [(sl["orderLine"]["id"], sl["quantity"]) for sl in shipment["lines"]] == [(first, 1)]
    assert shipment["isGoodToGo"] is True and shipment["isShipped"] is False
    assert shipment["trackingNumber"] is None and shipment["carrierInformation"] is None
    assert shipment["createdAt"] == "2026-03-02T11:00:00+01:00"


def test_an_order_is_addressed_by_hash_id_too(centra: Centra) -> None:
    order = two_line_order(centra)
    query = """mutation($id: String!, $line: Int!) { createShipment(input: {order: {id: $id},
      lines: [{orderLine: {id: $line}, quantity: 1}]}) {
        shipment { number } userErrors { message } } }"""
    payload = centra.mutate(
        query,
        {"id": centra.order(order["number"])["id"], "line": line_ids(order)[1]},
        "createShipment",
    )
    assert payload["shipment"]["number"] == f"{order['number']}-1"


@pytest.mark.parametrize(
    ("setup", "pairs", "message", "path"),
    [
        ("pending", [(0, 1)], "has status PENDING", ["input", "order"]),
        ("held", [(0, 1)], "is on hold", ["input", "order"]),
        ("plain", [], "at least one line", ["input", "lines"]),
        ("plain", [(-1, 1)], "does not belong", ["input", "lines", "0", "orderLine", "id"]),
        ("plain", [(0, 3)], "exceeds the 2 unshipped", ["input", "lines", "0", "quantity"]),
        ("plain", [(0, 0)], "at least 1", ["input", "lines", "0", "quantity"]),
    ],
)
def test_create_shipment_rules_are_user_errors(
    centra: Centra, setup: str, pairs: list[tuple[int, int]], message: str, path: list[str]
) -> None:
    flags: dict[str, dict[str, Any]] = {"pending": {"status": "PENDING"}, "held": {"on_hold": True}}
    extra = flags.get(setup, {})
    order = two_line_order(centra, **extra)
    ids = line_ids(order)
    unknown = 999  # index -1: a line id the order does not have
    payload = create(
        centra, order["number"], *[(ids[i] if i >= 0 else unknown, q) for i, q in pairs]
    )
    assert payload["shipment"] is None
    [error] = payload["userErrors"]
    assert message in error["message"] and error["path"] == path


def test_complete_shipment_sets_tracking_through_shipment_info(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 2))["shipment"]
    done = complete(centra, shipment["id"], "2026-03-02T10:30:00+01:00")["shipment"]
    assert done["isShipped"] is True and done["shippedAt"] == "2026-03-02T10:30:00+01:00"
    assert done["trackingNumber"] == "JD0001" and done["numberOfPackages"] == 2
    assert done["carrierInformation"] == {"carrierName": "DHL", "serviceName": "Parcel"}
    again = complete(centra, shipment["id"])
    assert again["shipment"] is None and "already completed" in again["userErrors"][0]["message"]


def test_a_future_shipped_at_is_refused_and_the_default_is_now(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    future = complete(centra, shipment["id"], "2026-03-02T12:00:00+01:00")
    assert future["userErrors"][0]["path"] == ["input", "shippedAt"]
    assert complete(centra, shipment["id"])["shipment"]["shippedAt"] == "2026-03-02T11:00:00+01:00"


def test_shipment_info_is_updated_only_before_shipping(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    variables = {"id": shipment["id"], "input": {"shipmentInfo": INFO}}
    updated = centra.mutate(UPDATE_SHIPMENT, variables, "updateShipment")["shipment"]
    assert updated["trackingNumber"] == "JD0001" and updated["isShipped"] is False
    complete(centra, shipment["id"])
    refused = centra.mutate(UPDATE_SHIPMENT, variables, "updateShipment")
    assert refused["shipment"] is None and "completeShipment" in refused["userErrors"][0]["message"]


def test_synchronous_capture_at_creation(centra: Centra) -> None:
    order = two_line_order(centra)
    payload = centra.mutate(
        CREATE_WITH_PAYMENTS,
        {"n": order["number"], "lines": lines((line_ids(order)[0], 1))},
        "createShipment",
    )
    shipment = payload["shipment"]
    assert payload["userWarnings"] == []
    assert shipment["isCaptured"] is True and shipment["isPaid"] is True and shipment["capturedAt"]
    assert [(e["entryType"], e["status"]) for e in shipment["order"]["paymentHistory"]] == [
        ("CAPTURE", "SUCCESS")
    ]


def test_a_failed_capture_at_creation_still_creates_the_shipment(centra: Centra) -> None:
    order = two_line_order(centra, capture_fails=True)
    payload = centra.mutate(
        CREATE_WITH_PAYMENTS,
        {"n": order["number"], "lines": lines((line_ids(order)[0], 1))},
        "createShipment",
    )
    assert payload["userErrors"] == []
    [warning] = payload["userWarnings"]
    assert warning["message"].startswith("Capture failed")
    shipment = payload["shipment"]
    assert shipment["isCaptured"] is False and shipment["isPaid"] is False
    [entry] = shipment["order"]["paymentHistory"]
    assert (entry["entryType"], entry["status"]) == ("CAPTURE_FAILED", "FAILED")
    assert "Refused" in entry["paramsJSON"]


def test_capture_shipment_fails_the_mutation_when_the_capture_fails(centra: Centra) -> None:
    order = two_line_order(centra, capture_fails=True)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    refused = capture(centra, shipment["id"])
    assert refused["shipment"] is None and refused["paymentHistoryEntry"] is None
    assert "Capture failed" in refused["userErrors"][0]["message"]
    centra.client.post(f"/_sandbox/orders/{order['number']}/capture-fails", json={"fails": False})
    payload = capture(centra, shipment["id"])
    assert payload["shipment"]["isCaptured"] is True
    assert payload["paymentHistoryEntry"]["entryType"] == "CAPTURE"
    again = capture(centra, shipment["id"])
    assert "already captured" in again["userErrors"][0]["message"]


def test_an_asynchronous_capture_is_a_pending_request_until_the_provider_settles(
    centra: Centra,
) -> None:
    order = two_line_order(centra, payment="asynchronous")
    number = order["number"]
    payload = centra.mutate(
        CREATE_WITH_PAYMENTS,
        {"n": number, "lines": lines((line_ids(order)[0], 1))},
        "createShipment",
    )
    shipment = payload["shipment"]
    assert payload["userWarnings"] == []
    assert shipment["isCaptured"] is False and shipment["isPaid"] is False
    assert captures(centra, number) == [("CAPTURE_REQUEST", "PENDING")]
    settled = centra.client.post(
        f"/_sandbox/orders/{number}/settle-captures", json={"success": True}
    )
    assert settled.status_code == 200
    assert captures(centra, number) == [("CAPTURE_REQUEST", "SUCCESS"), ("CAPTURE", "SUCCESS")]
    found = centra.data(
        "query($id: Int!) { shipments(where: {id: [$id]}) { isCaptured isPaid } }",
        {"id": shipment["id"]},
    )
    assert found["shipments"] == [{"isCaptured": True, "isPaid": True}]


def test_an_asynchronous_capture_can_fail_days_later(centra: Centra) -> None:
    order = two_line_order(centra, payment="asynchronous", capture_fails=True)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1), capture=True)["shipment"]
    assert captures(centra, order["number"]) == [("CAPTURE_REQUEST", "PENDING")]
    centra.clock.advance(days=3)
    centra.client.post(f"/_sandbox/orders/{order['number']}/settle-captures", json={})
    assert captures(centra, order["number"]) == [
        ("CAPTURE_REQUEST", "FAILED"),
        ("CAPTURE_FAILED", "FAILED"),
    ]
    found = centra.data(
        "query($id: Int!) { shipments(where: {id: [$id]}) { isCaptured } }", {"id": shipment["id"]}
    )
    assert found["shipments"] == [{"isCaptured": False}]


def test_asynchronous_captures_settle_by_themselves_when_configured() -> None:
    from datetime import timedelta

    centra = Centra(async_capture_after=timedelta(minutes=5))
    order = two_line_order(centra, payment="asynchronous")
    create(centra, order["number"], (line_ids(order)[0], 1), capture=True)
    centra.clock.advance(minutes=6)
    centra.data("{ rateLimits { type } }")  # any request lets the provider's answer arrive
    assert captures(centra, order["number"])[-1] == ("CAPTURE", "SUCCESS")


def test_capturing_a_shipment_whose_request_is_pending_is_a_second_request(centra: Centra) -> None:
    """The double capture consign must never send: the sandbox records it faithfully."""
    order = two_line_order(centra, payment="asynchronous")
    shipment = create(centra, order["number"], (line_ids(order)[0], 1), capture=True)["shipment"]
    assert capture(centra, shipment["id"])["paymentHistoryEntry"]["status"] == "PENDING"
    assert captures(centra, order["number"]) == [("CAPTURE_REQUEST", "PENDING")] * 2


def test_update_shipment_marks_paid_and_an_unknown_shipment_is_a_user_error(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    paid = centra.mutate(
        UPDATE_SHIPMENT, {"id": shipment["id"], "input": {"isPaid": True}}, "updateShipment"
    )
    assert paid["shipment"]["isPaid"] is True and paid["shipment"]["isCaptured"] is False
    missing = centra.mutate(
        UPDATE_SHIPMENT, {"id": 999, "input": {"isPaid": True}}, "updateShipment"
    )
    assert missing["shipment"] is None and missing["userErrors"][0]["path"] == ["id"]


def test_the_order_completes_when_everything_is_shipped_and_paid(centra: Centra) -> None:
    order = two_line_order(centra, payment="asynchronous")
    number = order["number"]
    first, second = line_ids(order)
    part = create(centra, number, (first, 2), capture=True)["shipment"]
    complete(centra, part["id"])
    assert centra.order(number)["status"] == "PROCESSING"
    rest = create(centra, number, (second, 1), capture=True)["shipment"]
    complete(centra, rest["id"])
    assert centra.order(number)["status"] == "PROCESSING"  # captures still pending: unpaid
    centra.client.post(f"/_sandbox/orders/{number}/settle-captures", json={"success": True})
    assert centra.order(number)["status"] == "SHIPPED"
    assert centra.order(number)["totals"]["unexpeditedQuantity"] == 0


def stock_of(centra: Centra, sku: str) -> dict[str, Any]:
    levels = centra.client.get("/_sandbox/stock").json()["stock"]
    [level] = [s for s in levels if s["SKU"] == sku]
    return level


def test_stock_is_allocated_on_creation_released_on_cancel_and_shipped_on_completion(
    centra: Centra,
) -> None:
    before = stock_of(centra, "JKT100BLKM")
    order = two_line_order(centra)
    after = stock_of(centra, "JKT100BLKM")
    assert after["free_to_allocate"] == before["free_to_allocate"] - 2
    assert after["physical"] == before["physical"]
    shipment = create(centra, order["number"], (line_ids(order)[0], 2))["shipment"]
    complete(centra, shipment["id"])
    shipped = stock_of(centra, "JKT100BLKM")
    assert (shipped["physical"], shipped["allocated"]) == (before["physical"] - 2, 0)
    held = two_line_order(centra)
    assert centra.client.post(f"/_sandbox/orders/{held['number']}/cancel").status_code == 200
    assert stock_of(centra, "JKT100BLKM")["free_to_allocate"] == shipped["free_to_allocate"]


def test_cancel_after_a_shipment_and_overselling_are_refused(centra: Centra) -> None:
    order = two_line_order(centra)
    create(centra, order["number"], (line_ids(order)[0], 1))
    assert centra.client.post(f"/_sandbox/orders/{order['number']}/cancel").status_code == 409
    free = stock_of(centra, "SCF400GRYOS")["free_to_allocate"]
    response = centra.client.post(
        "/_sandbox/orders",
        json={"orders": [{"lines": [{"SKU": "SCF400GRYOS", "quantity": free + 1}]}]},
    )
    assert response.status_code == 409


RETURN = """mutation($shipment: Int!, $line: Int!, $qty: Int!) { createReturn(input: {
  shipment: {id: $shipment}, lines: [{shipmentLine: {id: $line}, quantity: $qty}],
  returnStockActionPolicy: {releaseItemsBackToWarehouse: true}}) {
  return { id returnStatus totalQuantity lines { quantity orderLine { id } } }
  userErrors { message path } } }"""


def test_a_return_of_a_shipped_line(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 2))["shipment"]
    [shipment_line] = shipment["lines"]
    variables = {"shipment": shipment["id"], "line": shipment_line["id"], "qty": 1}
    assert (
        "not shipped"
        in centra.mutate(RETURN, variables, "createReturn")["userErrors"][0]["message"]
    )
    complete(centra, shipment["id"])
    created = centra.mutate(RETURN, variables, "createReturn")["return"]
    assert created["returnStatus"] == "PENDING" and created["totalQuantity"] == 1
    assert created["lines"][0]["orderLine"]["id"] == line_ids(order)[0]
    too_many = centra.mutate(RETURN, {**variables, "qty": 2}, "createReturn")
    assert too_many["userErrors"][0]["path"] == ["input", "lines", "0", "quantity"]
    done = """mutation($id: Int!) { completeReturn(id: $id) {
      return { returnStatus } userErrors { message } } }"""
    assert (
        centra.mutate(done, {"id": created["id"]}, "completeReturn")["return"]["returnStatus"]
        == "COMPLETED"
    )
