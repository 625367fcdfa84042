"""confirmShipment as Amazon enforces it: one call per package, validated field by field,
and a re-sent packageReferenceId edits that package (so a retried call is harmless).

FBM Ship+ orders are refused with a 400 (Amazon's "Confirm the shipment status" guide: they are
confirmed by the Buy Shipping label, never by confirmShipment). A line whose ASIN is enrolled in
Transparency must carry one transparency code per unit shipped: the model gives the field, the
one-per-unit rule and the 400 for its absence are the sandbox's reading, not documented."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox.amazon.carriers import OTHER
from sandbox.amazon.errors import SpApiError
from sandbox.amazon.lifecycle import status_after_shipping, touch
from sandbox.amazon.records import (
    Confirmation,
    FulfillmentChannel,
    OrderStatus,
    Package,
    SandboxOrder,
)
from sandbox.amazon.timefmt import parse_wire

_POSITIVE_NUMBER = re.compile(r"^0*[1-9]\d*$")
_OPEN = (OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED)


def _invalid(message: str, details: str = "") -> SpApiError:
    return SpApiError(400, message, details)


def _text(detail: Mapping[str, Any], key: str, required: bool) -> str | None:
    value = detail.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise _invalid(f"packageDetail.{key} is required and must be a non-empty string")
    return value


def _quantities(detail: Mapping[str, Any]) -> dict[str, int]:
    raw = detail.get("orderItems")
    if not isinstance(raw, list) or not raw:
        raise _invalid("packageDetail.orderItems must list at least one order item")
    totals: dict[str, int] = {}
    for entry in raw:
        item_id = entry.get("orderItemId") if isinstance(entry, dict) else None
        quantity = entry.get("quantity") if isinstance(entry, dict) else None
        if not isinstance(item_id, str) or not item_id:
            raise _invalid("orderItems[].orderItemId is required")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise _invalid(f"orderItems[].quantity for {item_id} must be a positive integer")
        totals[item_id] = totals.get(item_id, 0) + quantity
    return totals


def _transparency_codes(detail: Mapping[str, Any]) -> dict[str, int]:
    """How many transparency codes each order item's entries carry."""
    counts: dict[str, int] = {}
    for entry in detail.get("orderItems") or []:
        codes = entry.get("transparencyCodes") if isinstance(entry, dict) else None
        item_id = entry.get("orderItemId") if isinstance(entry, dict) else None
        if isinstance(item_id, str) and isinstance(codes, list):
            counts[item_id] = counts.get(item_id, 0) + len(codes)
    return counts


def parse_package(body: object, carriers: frozenset[str], now: datetime) -> tuple[str, Package]:
    """The request body as (marketplaceId, Package), or a 400 naming the first problem."""
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object")
    marketplace_id = body.get("marketplaceId")
    if not isinstance(marketplace_id, str) or not marketplace_id:
        raise _invalid("marketplaceId is required")
    detail = body.get("packageDetail")
    if not isinstance(detail, dict):
        raise _invalid("packageDetail is required")
    reference = detail.get("packageReferenceId")
    if not isinstance(reference, str) or not _POSITIVE_NUMBER.match(reference):
        raise _invalid("packageReferenceId must be a string containing a positive number")
    carrier_code = _text(detail, "carrierCode", required=True) or ""
    carrier_name = _text(detail, "carrierName", required=False)
    if carrier_code not in carriers:
        raise _invalid(f"carrierCode {carrier_code!r} is not a valid carrier code")
    if carrier_code == OTHER and not (carrier_name and carrier_name.strip()):
        raise _invalid("carrierName is required when carrierCode is Other")
    tracking = _text(detail, "trackingNumber", required=True) or ""
    ship_text = detail.get("shipDate")
    ship_date = parse_wire(ship_text) if isinstance(ship_text, str) else None
    if ship_date is None:
        raise _invalid("shipDate must be an ISO 8601 date-time", str(ship_text))
    package = Package(
        package_reference_id=reference,
        carrier_code=carrier_code,
        carrier_name=carrier_name,
        shipping_method=_text(detail, "shippingMethod", required=False),
        tracking_number=tracking,
        ship_date=ship_date,
        items=_quantities(detail),
        transparency_codes=_transparency_codes(detail),
        created_at=now,
        updated_at=now,
    )
    return marketplace_id, package


def apply_package(
    order: SandboxOrder, marketplace_id: str, package: Package, now: datetime
) -> Confirmation:
    """Check the package against the order and record it, replacing an earlier package
    with the same reference."""
    if marketplace_id != order.marketplace_id:
        raise _invalid(f"marketplaceId {marketplace_id} does not match the order")
    if order.fulfillment_channel is FulfillmentChannel.AFN:
        raise _invalid("Orders fulfilled by Amazon cannot be confirmed by the seller")
    if order.ship_plus:
        raise _invalid(
            "Ship+ orders do not support confirmShipment: the shipment is confirmed by the "
            "label bought through Amazon Buy Shipping"
        )
    previous = order.packages.get(package.package_reference_id)
    if order.status not in _OPEN and not (previous and order.status is OrderStatus.SHIPPED):
        raise _invalid(f"The order is {order.status} and cannot be confirmed")
    for item_id, quantity in package.items.items():
        item = order.item(item_id)
        if item is None:
            raise _invalid(f"orderItemId {item_id} is not part of order {order.order_id}")
        already_here = previous.items.get(item_id, 0) if previous else 0
        available = item.remaining + already_here
        if quantity > available:
            raise _invalid(
                f"quantity {quantity} for orderItemId {item_id} exceeds the "
                f"{available} unit(s) not yet shipped"
            )
        if item.transparency and package.transparency_codes.get(item_id, 0) != quantity:
            raise _invalid(f"orderItemId {item_id} needs one transparency code per unit")
    if previous is not None:
        package.created_at = previous.created_at
        for item_id, quantity in previous.items.items():
            shipped_item = order.item(item_id)
            if shipped_item is not None:
                shipped_item.quantity_shipped -= quantity
    for item_id, quantity in package.items.items():
        target = order.item(item_id)
        if target is not None:
            target.quantity_shipped += quantity
    order.packages[package.package_reference_id] = package
    order.status = status_after_shipping(order)
    touch(order, now)
    return Confirmation(
        order_id=order.order_id,
        package_reference_id=package.package_reference_id,
        items=dict(package.items),
        carrier_code=package.carrier_code,
        carrier_name=package.carrier_name,
        shipping_method=package.shipping_method,
        tracking_number=package.tracking_number,
        ship_date=package.ship_date,
        at=now,
        edited=previous is not None,
    )
