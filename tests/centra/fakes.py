"""An in-memory Centra behind httpx.MockTransport: answers the client's documents by operation
name, keeps shipments and events, and can inject userErrors or lose a mutation's response."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import graphql
import httpx
from pydantic import SecretStr

from integrations.centra.client import CentraClient

URL = "https://brand.centra.test/graphql"
TOKEN = "centra-test-token-123"

Json = dict[str, Any]


def order_json(number: int = 1001, **changes: Any) -> Json:
    """A CONFIRMED, clear order with two lines and a Swedish address."""
    order: Json = {
        "id": f"o-{number}",
        "number": number,
        "status": "CONFIRMED",
        "isOnHold": False,
        "isWaitingForPayment": False,
        "createdAt": "2025-03-10T08:00:00Z",
        "updatedAt": "2025-03-10T09:30:00+00:00",
        "currency": "SEK",
        "shippingAddress": {
            "firstName": "Astrid",
            "lastName": "Lind",
            "companyName": None,
            "address1": "Storgatan 1",
            "address2": "lgh 1201",
            "city": "Stockholm",
            "zipCode": "111 22",
            "stateOrProvince": None,
            "country": {"code": "se"},
            "email": "astrid@example.com",
            "phoneNumber": "+46700000000",
        },
        "shippingPriceGroup": {"shippingOption": {"id": 3, "name": "Express"}},
        "lines": [
            {
                "id": 11,
                "quantity": 2,
                "cancelledQuantity": 0,
                "shippedQuantity": 0,
                "productName": "Tee",
                "productSize": {"SKU": "Prod123Var123789S", "GTIN": "7350000000011"},
                "unitPrice": {"value": 249.5, "currency": "SEK"},
            },
            {
                "id": 12,
                "quantity": 1,
                "cancelledQuantity": 1,
                "shippedQuantity": 0,
                "productName": "Cap",
                "productSize": {"SKU": "Prod200Var1OS", "GTIN": None},
                "unitPrice": None,
            },
        ],
        "shipments": [],
    }
    order.update(changes)
    return order


@dataclass
class FakeCentra:
    orders: dict[int, Json] = field(default_factory=dict)
    events: list[Json] = field(default_factory=list)
    calls: list[tuple[str, Json]] = field(default_factory=list)
    user_errors: dict[str, list[Json]] = field(default_factory=dict)
    lose_response: set[str] = field(default_factory=set)  # operations whose answer is lost once
    capture_fails: bool = False
    stock: dict[str, int] = field(default_factory=dict)  # physical per SKU (warehouse 1)
    refuse_skus: dict[str, str] = field(default_factory=dict)  # SKU -> userError message
    _next_shipment: int = 500

    def add(self, *orders: Json) -> None:
        for order in orders:
            self.orders[order["number"]] = order

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport())

    def client(self) -> CentraClient:
        return CentraClient(URL, SecretStr(TOKEN), self.http())

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        body = json.loads(request.content)
        document = graphql.parse(body["query"])
        operation = next(
            d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
        )
        assert operation.name is not None
        name = operation.name.value
        variables = body["variables"]
        self.calls.append((name, variables))
        data = getattr(self, f"_{name}")(variables)
        if name in self.user_errors:
            (field_name,) = data
            data[field_name]["userErrors"] = self.user_errors[name]
        if name in self.lose_response:
            self.lose_response.discard(name)
            raise httpx.ReadTimeout("response lost", request=request)
        return httpx.Response(200, json={"data": data})

    @staticmethod
    def _payload(**extra: Any) -> Json:
        return {"userErrors": [], "userWarnings": [], **extra}

    def _OrdersByNumber(self, v: Json) -> Json:
        found = [self.orders[n] for n in v["numbers"] if n in self.orders]
        return {"orders": found[: v["limit"]]}

    def _OpenOrders(self, v: Json) -> Json:
        start = (v["page"] - 1) * v["limit"]

        def page(statuses: tuple[str, ...]) -> list[Json]:
            found = [o for o in self.orders.values() if o["status"] in statuses]
            return found[start : start + v["limit"]]

        recent = [o for o in page(("CANCELLED",)) if o["createdAt"] >= v["cancelledSince"]]
        return {"open": page(("CONFIRMED", "PROCESSING")), "cancelled": recent}

    def _OrderShipments(self, v: Json) -> Json:
        order = self.orders.get(v["number"])
        return {"orders": [order] if order else []}

    def _OrderEvents(self, v: Json) -> Json:
        return {"events": self.events[: v["limit"]]}

    def _SetOrderListeners(self, v: Json) -> Json:
        return {"setEventListeners": self._payload()}

    def _ConfirmEvents(self, v: Json) -> Json:
        self.events = [e for e in self.events if e["id"] not in v["ids"]]
        return {"confirmEvents": self._payload()}

    def _shipment(self, shipment_id: int) -> Json:
        for order in self.orders.values():
            for shipment in order["shipments"]:
                if shipment["id"] == shipment_id:
                    return shipment
        raise AssertionError(f"no shipment {shipment_id}")

    def _CreateShipment(self, v: Json) -> Json:
        spec = v["input"]
        order = self.orders[spec["order"]["number"]]
        self._next_shipment += 1
        shipment = {
            "id": self._next_shipment,
            "number": f"{order['number']}-{len(order['shipments']) + 1}",
            "isGoodToGo": spec.get("isGoodToGo", False),
            "isPaid": bool(spec.get("isPaid"))
            or (bool(spec.get("capture")) and not self.capture_fails),
            "isShipped": False,
            "shippedAt": None,
            "shipmentInfo": None,
            "lines": [
                {
                    "id": 9000 + i,
                    "quantity": line["quantity"],
                    "orderLine": {"id": line["orderLine"]["id"]},
                }
                for i, line in enumerate(spec["lines"])
            ],
        }
        order["shipments"].append(shipment)
        return {"createShipment": self._payload(shipment=shipment)}

    def _CaptureShipment(self, v: Json) -> Json:
        shipment = self._shipment(v["id"])
        shipment["isPaid"] = not self.capture_fails
        errors = [{"message": "capture failed", "path": ["id"]}] if self.capture_fails else []
        return {"captureShipment": {**self._payload(shipment=shipment), "userErrors": errors}}

    def _MarkShipmentPaid(self, v: Json) -> Json:
        shipment = self._shipment(v["id"])
        shipment["isPaid"] = True
        return {"updateShipment": self._payload(shipment=shipment)}

    def _CompleteShipment(self, v: Json) -> Json:
        shipment = self._shipment(v["id"])
        shipment["isShipped"] = True
        shipment["shippedAt"] = v["input"]["shippedAt"]
        shipment["shipmentInfo"] = v["input"]["shipmentInfo"]
        return {"completeShipment": self._payload(shipment=shipment)}

    def _stock_errors(self, sizes: list[Json], field_name: str) -> list[Json]:
        return [
            {"message": self.refuse_skus[size["SKU"]], "path": ["input", field_name, str(i), "SKU"]}
            for i, size in enumerate(sizes)
            if size["SKU"] in self.refuse_skus
        ]

    def _SetStock(self, v: Json) -> Json:
        """All or nothing, like the sandbox: one refused size leaves every level unchanged."""
        levels = v["input"]["sizeStockLevels"]
        errors = self._stock_errors(levels, "sizeStockLevels")
        if not errors:
            self.stock.update({level["SKU"]: level["quantity"] for level in levels})
        return {"setStock": {**self._payload(), "userErrors": errors}}

    def _ChangeStock(self, v: Json) -> Json:
        spec = v["input"]
        sign = 1 if spec.get("intoWarehouse") else -1
        errors = self._stock_errors(spec["sizeChanges"], "sizeChanges")
        if not errors:
            for change in spec["sizeChanges"]:
                sku = change["SKU"]
                self.stock[sku] = self.stock.get(sku, 0) + sign * change["deliveredQuantity"]
        return {"changeStock": {**self._payload(), "userErrors": errors}}

    def _StockLevels(self, v: Json) -> Json:
        rows = [
            {"SKU": sku, "GTIN": None, "physicalQuantity": qty, "freeToAllocateQuantity": qty}
            for sku, qty in self.stock.items()
            if sku in v["skus"]
        ]
        return {"stock": rows}
