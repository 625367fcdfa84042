"""Shipments in the Centra sandbox: createShipment's rules (each one a userError, HTTP 200,
shipment null), capture and isPaid, completion, order status and stock."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_centra_sandbox_support import (
    CAPTURE_SHIPMENT,
    COMPLETE_SHIPMENT,
    CREATE_SHIPMENT,
    START,
    UPDATE_SHIPMENT,
    Centra,
    lines,
)

INFO = {"carrier": "DHL", "service": "Parcel", "packagesNumber": 1, "trackingNumber": "JD0001"}


@pytest.fixture
def centra() -> Centra:
    return Centra()


def two_line_order(centra: Centra, **extra: Any) -> dict[str, Any]:
    [order] = centra.create_orders(
        {"lines": [{"SKU": "JKT100BLKM", "quantity": 2}, {"SKU": "TEE200WHTS"}], **extra}
    )
    return order


def create(centra: Centra, number: int, *pairs: tuple[int, int], **flags: Any) -> dict:
    variables = {"n": number, "lines": lines(*pairs), **flags}
    payload: dict = centra.data(CREATE_SHIPMENT, variables)["createShipment"]
    return payload


def complete(centra: Centra, shipment_id: int, at: str | None = None) -> dict:
    payload: dict = centra.data(COMPLETE_SHIPMENT, {"id": shipment_id, "at": at, "info": INFO})[
        "completeShipment"
    ]
    return payload


def line_ids(order: dict[str, Any]) -> list[int]:
    return [line["id"] for line in order["lines"]]


def test_create_shipment_with_exactly_the_given_lines(centra: Centra) -> None:
    order = two_line_order(centra)
    first, _ = line_ids(order)
    payload = create(centra, order["number"], (first, 1))
    assert payload["userErrors"] == [] and payload["userWarnings"] == []
    shipment = payload["shipment"]
    assert shipment["number"] == f"{order['number']}-1"
    assert [(sl["orderLine"]["id"], sl["quantity"]) for sl in shipment["lines"]] == [(first, 1)]
    assert shipment["isGoodToGo"] is True and shipment["isShipped"] is False
    assert shipment["isPaid"] is False
    seen = centra.order(order["number"])
    assert seen["status"] == "PROCESSING"
    assert [s["id"] for s in seen["shipments"]] == [shipment["id"]]
    assert seen["lines"][0]["shippedQuantity"] == 0  # counted on completion, not creation


@pytest.mark.parametrize(
    ("case", "message", "path"),
    [
        ("unknown order", "does not exist", ["input", "order", "number"]),
        ("on hold", "is on hold", ["input", "order"]),
        ("pending", "status PENDING", ["input", "order"]),
        ("cancelled", "status CANCELLED", ["input", "order"]),
        ("foreign line", "does not belong", ["input", "lines", "0", "orderLine", "id"]),
        ("zero quantity", "at least 1", ["input", "lines", "0", "quantity"]),
        ("too many", "exceeds the 2 unshipped", ["input", "lines", "0", "quantity"]),
        ("repeated line", "exceeds the 2 unshipped", ["input", "lines", "1", "quantity"]),
        ("already shipped", "exceeds the 1 unshipped", ["input", "lines", "0", "quantity"]),
    ],
)
def test_create_shipment_rules_are_user_errors(
    centra: Centra, case: str, message: str, path: list[str]
) -> None:
    order = two_line_order(
        centra,
        on_hold=case == "on hold",
        status="PENDING" if case == "pending" else "CONFIRMED",
    )
    number, (first, _) = order["number"], line_ids(order)
    [other] = centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    requested: list[tuple[int, int]] = [(first, 1)]
    if case == "unknown order":
        number = 99999
    elif case == "cancelled":
        assert centra.client.post(f"/_sandbox/orders/{number}/cancel").status_code == 200
    elif case == "foreign line":
        requested = [(other["lines"][0]["id"], 1)]
    elif case == "zero quantity":
        requested = [(first, 0)]
    elif case == "too many":
        requested = [(first, 3)]
    elif case == "repeated line":
        requested = [(first, 2), (first, 1)]
    elif case == "already shipped":
        assert create(centra, number, (first, 1))["shipment"] is not None
        requested = [(first, 2)]
    payload = create(centra, number, *requested)
    assert payload["shipment"] is None
    [error] = payload["userErrors"]
    assert message in error["message"]
    assert error["path"] == path
    assert centra.sandbox.stats()["userErrors"] == 1


def test_capture_at_creation_and_capture_failure_scenario(centra: Centra) -> None:
    order = two_line_order(centra)
    first, second = line_ids(order)
    assert create(centra, order["number"], (first, 1), capture=True)["shipment"]["isPaid"]
    response = centra.client.post(
        f"/_sandbox/orders/{order['number']}/capture-fails", json={"fails": True}
    )
    assert response.status_code == 200
    failed = create(centra, order["number"], (second, 1), capture=True)
    assert failed["shipment"] is None
    assert "Capture failed" in failed["userErrors"][0]["message"]
    shipment = create(centra, order["number"], (second, 1))["shipment"]
    captured = centra.data(CAPTURE_SHIPMENT, {"id": shipment["id"]})["captureShipment"]
    assert captured["shipment"] is None
    assert captured["userErrors"][0]["path"] == ["id"]
    centra.client.post(f"/_sandbox/orders/{order['number']}/capture-fails", json={"fails": False})
    captured = centra.data(CAPTURE_SHIPMENT, {"id": shipment["id"]})["captureShipment"]
    assert captured["userErrors"] == [] and captured["shipment"]["isPaid"] is True
    again = centra.data(CAPTURE_SHIPMENT, {"id": shipment["id"]})["captureShipment"]
    assert "already captured" in again["userErrors"][0]["message"]
    [state] = [
        s
        for s in centra.client.get("/_sandbox/shipments").json()["shipments"]
        if s["id"] == shipment["id"]
    ]
    assert state["captured"] is True


def test_update_shipment_sets_is_paid_and_unknown_shipment_is_a_user_error(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    paid = centra.data(UPDATE_SHIPMENT, {"id": shipment["id"], "paid": True})["updateShipment"]
    assert paid["shipment"]["isPaid"] is True
    missing = centra.data(UPDATE_SHIPMENT, {"id": 999, "paid": True})["updateShipment"]
    assert missing["shipment"] is None and "does not exist" in missing["userErrors"][0]["message"]


def test_complete_shipment_rejects_future_and_repeat_and_records_info(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 2))["shipment"]
    future = complete(centra, shipment["id"], "2026-03-02T10:00:01Z")
    assert future["shipment"] is None
    assert future["userErrors"] == [
        {"message": "shippedAt cannot be in the future", "path": ["input", "shippedAt"]}
    ]
    done = complete(centra, shipment["id"], "2026-03-02T09:30:00Z")
    assert done["userErrors"] == []
    assert done["shipment"]["isShipped"] is True
    assert done["shipment"]["shippedAt"] == "2026-03-02T09:30:00Z"
    assert done["shipment"]["shipmentInfo"]["trackingNumber"] == "JD0001"
    twice = complete(centra, shipment["id"])
    assert "already completed" in twice["userErrors"][0]["message"]


def test_partial_then_full_shipment_moves_processing_to_shipped(centra: Centra) -> None:
    order = two_line_order(centra)
    number, (first, second) = order["number"], line_ids(order)
    one = create(centra, number, (first, 1))["shipment"]
    complete(centra, one["id"])
    seen = centra.order(number)
    assert seen["status"] == "PROCESSING"
    assert [ln["shippedQuantity"] for ln in seen["lines"]] == [1, 0]
    two = create(centra, number, (first, 1), (second, 1))["shipment"]
    assert centra.order(number)["status"] == "PROCESSING"  # created, not yet completed
    centra.clock.advance(minutes=5)
    complete(centra, two["id"])
    seen = centra.order(number)
    assert seen["status"] == "SHIPPED"
    assert [ln["shippedQuantity"] for ln in seen["lines"]] == [2, 1]
    assert seen["updatedAt"] > seen["createdAt"]
    assert [s["isShipped"] for s in seen["shipments"]] == [True, True]


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
    [cancelled] = [
        o
        for o in centra.client.get("/_sandbox/orders").json()["orders"]
        if o["number"] == held["number"]
    ]
    assert cancelled["status"] == "CANCELLED"
    assert [ln["cancelled_quantity"] for ln in cancelled["lines"]] == [2, 1]


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


def test_stock_query_and_set_and_change_stock(centra: Centra) -> None:
    query = """query S($skus: [String!]) { warehouses { id name }
      stock(warehouse: {id: 1}, SKUs: $skus) {
        SKU GTIN physicalQuantity freeToAllocateQuantity } }"""
    data = centra.data(query, {"skus": ["CAP600BLKOS"]})
    assert data["warehouses"] == [{"id": 1, "name": "GXO Koblenz"}]
    assert data["stock"][0]["physicalQuantity"] == 80
    set_stock = """mutation { setStock(input: {warehouse: {id: 1}, stockQuantityType: PHYSICAL,
      sizeStockLevels: [{SKU: "CAP600BLKOS", quantity: 12}]}) { userErrors { message path } } }"""
    assert centra.data(set_stock)["setStock"]["userErrors"] == []
    change = """mutation { changeStock(input: {outFromWarehouse: {id: 1}, description: "damaged",
      sizeChanges: [{SKU: "CAP600BLKOS", deliveredQuantity: 2}]}) { userErrors { message } } }"""
    assert centra.data(change)["changeStock"]["userErrors"] == []
    assert centra.data(query, {"skus": ["CAP600BLKOS"]})["stock"][0]["physicalQuantity"] == 10
    bad = set_stock.replace("id: 1}", "id: 7}")
    assert "Warehouse 7" in centra.data(bad)["setStock"]["userErrors"][0]["message"]


def test_shipment_timestamps_use_the_sandbox_clock(centra: Centra) -> None:
    order = two_line_order(centra)
    shipment = create(centra, order["number"], (line_ids(order)[0], 1))["shipment"]
    assert shipment["createdAt"] == START.isoformat().replace("+00:00", "Z")
