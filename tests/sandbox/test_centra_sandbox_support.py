"""Shared helpers for the Centra sandbox tests: a manual clock and a GraphQL caller whose every
document is first validated against Centra's documented schema (so a test cannot pass by
asking for a field Centra does not have)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from graphql import parse, validate
from httpx import Response

from sandbox.centra.app import create_app
from sandbox.centra.ratelimits import published_quotas
from sandbox.centra.schema import documented_schema
from sandbox.centra.state import CentraSandbox
from sandbox.centra.tokens import DEFAULT_TOKEN

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class ManualClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Centra:
    """An Integration API caller against a fresh sandbox (quotas 100 times the published ones
    unless given: the tests that are about rate limits set their own)."""

    def __init__(self, **kwargs: Any) -> None:
        self.clock = ManualClock()
        kwargs.setdefault("quotas", published_quotas(100))
        self.sandbox = CentraSandbox(clock=self.clock, **kwargs)
        self.client = TestClient(create_app(self.sandbox))

    def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str = DEFAULT_TOKEN
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"}
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str = DEFAULT_TOKEN
    ) -> dict[str, Any]:
        """A document valid against the documented schema, answered 200."""
        assert validate(documented_schema(), parse(query)) == []
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert {"complexity", "permissionsUsed"} <= set(body["extensions"])
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str = DEFAULT_TOKEN
    ) -> dict[str, Any]:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        found: dict[str, Any] = body["data"]
        return found

    def create_orders(self, *orders: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/_sandbox/orders", json={"orders": list(orders)})
        assert response.status_code == 201, response.text
        created: list[dict[str, Any]] = response.json()["orders"]
        return created

    def order(self, number: int, **where: Any) -> dict[str, Any]:
        found = self.data(ORDER_QUERY, {"where": {"number": [number], **where}})["orders"]
        assert len(found) == 1, found
        order: dict[str, Any] = found[0]
        return order

    def mutate(self, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
        payload: dict[str, Any] = self.data(query, variables)[field]
        return payload


ORDER_QUERY = """
query Order($where: OrderFilter) {
  orders(where: $where) {
    id number status isOnHold createdAt updatedAt
    grandTotal { value currency { code } }
    totals { quantity originalQuantity cancelledQuantity unexpeditedQuantity }
    shippingAddress { firstName lastName address1 city zipCode country { code }
                      phoneNumber cellPhoneNumber }
    shippingPriceGroup { shippingOption { id name } }
    lines(includeFullyCancelled: true) {
      id quantity cancelledQuantity productName productNumber
      productSize { id SKU EAN sizeNumber }
      unitPrice { value currency { code } formattedValue }
    }
    ... on DirectToConsumerOrder { orderHoldReason }
    paymentHistory { id entryType status value { value } externalReference }
  }
}
"""

SHIPMENT_FIELDS = """
  shipment { id number createdAt isGoodToGo isPaid isCaptured isShipped shippedAt
             trackingNumber returnTrackingNumber numberOfPackages
             carrierInformation { carrierName serviceName }
             lines { id quantity orderLine { id } } }
  userErrors { message path }
  userWarnings { message path }
"""

CREATE_SHIPMENT = (
    """
mutation Create($n: Int!, $lines: [ShipmentLineInput!], $capture: Boolean, $paid: Boolean) {
  createShipment(input: {order: {number: $n}, lines: $lines, isGoodToGo: true,
                         capture: $capture, isPaid: $paid, sendEmail: false}) {"""
    + SHIPMENT_FIELDS
    + "} }"
)

COMPLETE_SHIPMENT = (
    """
mutation Complete($id: Int!, $at: DateTimeTz, $info: ShipmentInfoInput) {
  completeShipment(id: $id, input: {shippedAt: $at, sendEmail: false, shipmentInfo: $info}) {"""
    + SHIPMENT_FIELDS
    + "} }"
)

CAPTURE_SHIPMENT = (
    """mutation Capture($id: Int!) { captureShipment(id: $id) {
  paymentHistoryEntry { id entryType status }"""
    + SHIPMENT_FIELDS
    + "} }"
)

UPDATE_SHIPMENT = (
    """mutation Update($id: Int!, $input: ShipmentUpdateInput!) {
  updateShipment(id: $id, input: $input) {"""
    + SHIPMENT_FIELDS
    + "} }"
)


def lines(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"orderLine": {"id": line_id}, "quantity": qty} for line_id, qty in pairs]
