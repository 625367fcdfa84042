"""Shared helpers for the Centra sandbox tests: a manual clock and a GraphQL caller whose every
document is validated against schema.graphql and whose every answer is checked for shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from graphql import ExecutionResult, execute, parse, validate

from sandbox.centra.app import create_app
from sandbox.centra.schema import base_schema
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


def assert_matches_schema(query: str, data: dict[str, Any], variables: dict | None = None):
    """Re-execute the document over the returned data: every non-null field present, every
    scalar and enum coercible, nothing extra (the result must equal the data)."""
    result = execute(base_schema(), parse(query), root_value=data, variable_values=variables)
    assert isinstance(result, ExecutionResult)
    assert result.errors is None, result.errors
    assert result.data == data


class Centra:
    """An Integration API caller against a fresh sandbox."""

    def __init__(self, sandbox: CentraSandbox | None = None, **kwargs: Any) -> None:
        self.clock = ManualClock()
        self.sandbox = sandbox or CentraSandbox(clock=self.clock, **kwargs)
        self.client = TestClient(create_app(self.sandbox))

    def post(self, query: str, variables: dict | None = None, token: str = DEFAULT_TOKEN):
        headers = {"Authorization": f"Bearer {token}"}
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    def gql(
        self, query: str, variables: dict | None = None, token: str = DEFAULT_TOKEN
    ) -> dict[str, Any]:
        """A valid document answered 200; checks the data's shape when there are no errors."""
        assert validate(base_schema(), parse(query)) == []
        response = self.post(query, variables, token)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "permissionsUsed" in body["extensions"]
        if "errors" not in body:
            assert_matches_schema(query, body["data"], variables)
        return body

    def data(self, query: str, variables: dict | None = None, token: str = DEFAULT_TOKEN):
        body = self.gql(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def create_orders(self, *orders: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.client.post("/_sandbox/orders", json={"orders": list(orders)})
        assert response.status_code == 201, response.text
        created: list[dict[str, Any]] = response.json()["orders"]
        return created

    def order(self, number: int) -> dict[str, Any]:
        found = self.data(ORDER_QUERY, {"n": [number]})["orders"]
        assert len(found) == 1
        order: dict[str, Any] = found[0]
        return order


ORDER_QUERY = """
query Order($n: [Int!]) {
  orders(where: {number: $n}) {
    id number status isOnHold isWaitingForPayment createdAt updatedAt currency
    shippingAddress { firstName lastName address1 city zipCode country { code } email }
    shippingPriceGroup { shippingOption { id name } }
    lines { id quantity cancelledQuantity shippedQuantity productName productNumber
            productSize { SKU GTIN sizeNumber } unitPrice { value currency } }
    shipments { id number isPaid isShipped shippedAt lines { id quantity orderLine { id } } }
  }
}
"""

SHIPMENT_FIELDS = """
  shipment { id number createdAt isGoodToGo isPaid isShipped shippedAt
             shipmentInfo { carrier service packagesNumber trackingNumber returnTrackingNumber }
             lines { id quantity orderLine { id shippedQuantity } } }
  userErrors { message path }
  userWarnings { message path }
"""

CREATE_SHIPMENT = (
    """
mutation Create($n: Int!, $lines: [ShipmentLineInput!]!, $capture: Boolean, $paid: Boolean) {
  createShipment(input: {order: {number: $n}, lines: $lines, isGoodToGo: true,
                         capture: $capture, isPaid: $paid, sendEmail: false}) {"""
    + SHIPMENT_FIELDS
    + "} }"
)

COMPLETE_SHIPMENT = (
    """
mutation Complete($id: Int!, $at: DateTime, $info: ShipmentInfoInput) {
  completeShipment(id: $id, input: {shippedAt: $at, sendEmail: false, shipmentInfo: $info}) {"""
    + SHIPMENT_FIELDS
    + "} }"
)

CAPTURE_SHIPMENT = (
    "mutation Capture($id: Int!) { captureShipment(id: $id) {" + SHIPMENT_FIELDS + "} }"
)

UPDATE_SHIPMENT = (
    "mutation Update($id: Int!, $paid: Boolean) { updateShipment(id: $id, input: {isPaid: $paid}) {"
    + SHIPMENT_FIELDS
    + "} }"
)


def lines(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"orderLine": {"id": line_id}, "quantity": qty} for line_id, qty in pairs]
