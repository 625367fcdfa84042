"""Orders v0 confirmShipment: tells Amazon one package left, which closes the order (and
triggers payment capture) once every unit is confirmed.

One call per package. `packageReferenceId` is stable per parcel, so a retried call edits the same
package instead of adding another: retries after a timeout are safe.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from domain.shipment import ShipConfirmation
from integrations.amazon.client import SpApiClient
from integrations.amazon.errors import AmazonRequestRejected
from integrations.amazon.usage_plans import Operation
from integrations.amazon.wire_time import format_utc

OTHER_CARRIER = "Other"


def _check(order_id: str, confirmation: ShipConfirmation) -> None:
    """Refuse, before spending a rate-limited call, what Amazon is documented to refuse."""
    operation = Operation.CONFIRM_SHIPMENT
    if confirmation.ref.order_id != order_id:
        raise AmazonRequestRejected(
            operation, f"confirmation for order {confirmation.ref.order_id} sent to {order_id}"
        )
    reference = confirmation.package_reference
    if not (reference.isdigit() and int(reference) > 0):
        raise AmazonRequestRejected(
            operation, f"packageReferenceId {reference!r} is not a positive number"
        )
    if not confirmation.tracking_number.strip():
        raise AmazonRequestRejected(operation, "trackingNumber is required")
    if confirmation.carrier_code == OTHER_CARRIER and not confirmation.carrier_name:
        raise AmazonRequestRejected(operation, "carrierName is required for carrierCode Other")


def confirm_shipment_body(marketplace_id: str, confirmation: ShipConfirmation) -> dict[str, Any]:
    """The ConfirmShipmentRequest of the v0 model; optional fields are left out, not null."""
    package: dict[str, Any] = {
        "packageReferenceId": confirmation.package_reference,
        "carrierCode": confirmation.carrier_code,
        "trackingNumber": confirmation.tracking_number,
        "shipDate": format_utc(confirmation.shipped_at),
        "orderItems": [
            {"orderItemId": item.line_id, "quantity": item.quantity} for item in confirmation.items
        ],
    }
    if confirmation.carrier_name:
        package["carrierName"] = confirmation.carrier_name
    if confirmation.shipping_method:
        package["shippingMethod"] = confirmation.shipping_method
    return {"marketplaceId": marketplace_id, "packageDetail": package}


class ShipmentsApi:
    def __init__(self, client: SpApiClient) -> None:
        self._client = client

    async def confirm_shipment(
        self, order_id: str, marketplace_id: str, confirmation: ShipConfirmation
    ) -> None:
        """204 means Amazon accepted the package; any failure raises a typed AmazonError."""
        _check(order_id, confirmation)
        await self._client.request(
            Operation.CONFIRM_SHIPMENT,
            "POST",
            f"/orders/v0/orders/{quote(order_id, safe='')}/shipmentConfirmation",
            json=confirm_shipment_body(marketplace_id, confirmation),
        )
