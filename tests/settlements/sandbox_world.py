"""The Amazon sandbox in process behind a model-checking transport, with consign's client on
it, for the settlement tests."""

from __future__ import annotations

from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS
from sandbox.amazon.generator import LineSpec, OrderSpec
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import CheckedTransport, ManualClock

SKU = sorted(SKUS)[0]


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.sandbox = AmazonSandbox(clock=self.clock)
        self.transport = CheckedTransport(create_app(self.sandbox))

    def ship(self, order_id: str, quantity: int = 2, promotion_percent: int = 0) -> None:
        """A new order for `quantity` units of SKU (at `promotion_percent` off), all shipped
        in one parcel."""
        spec = OrderSpec(
            order_id=order_id,
            lines=[LineSpec(sku=SKU, quantity=quantity)],
            promotion_percent=promotion_percent,
        )
        self.sandbox.create([spec])
        order = self.sandbox.orders[order_id]
        body = {
            "marketplaceId": order.marketplace_id,
            "packageDetail": {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "trackingNumber": "1Z999",
                "shipDate": self.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "orderItems": [{"orderItemId": order.items[0].order_item_id, "quantity": quantity}],
            },
        }
        self.sandbox.confirm_shipment(order_id, body)
