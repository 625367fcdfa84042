"""Records -> GraphQL result objects with Centra's field names. Rendered under the sandbox lock,
so one response shows one consistent state; graphql-core's default resolver picks the keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.centra.events import Event
from sandbox.centra.records import Address, Order, OrderLine, Shipment


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, as Centra's DateTime scalar prints."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def address(a: Address) -> dict[str, Any]:
    return {
        "firstName": a.first_name,
        "lastName": a.last_name,
        "companyName": a.company_name,
        "address1": a.address1,
        "address2": a.address2,
        "city": a.city,
        "zipCode": a.zip_code,
        "stateOrProvince": a.state_or_province,
        "country": {"code": a.country_code, "name": None},
        "email": a.email,
        "phoneNumber": a.phone_number,
    }


def line(ln: OrderLine, currency: str) -> dict[str, Any]:
    return {
        "id": ln.id,
        "quantity": ln.quantity,
        "cancelledQuantity": ln.cancelled_quantity,
        "shippedQuantity": ln.shipped_quantity,
        "productName": ln.product_name,
        "productNumber": ln.product_number,
        "productSize": {"SKU": ln.sku, "GTIN": ln.gtin, "sizeNumber": ln.size_number},
        "unitPrice": {"value": ln.unit_price, "currency": currency},
    }


def shipment(order: Order, s: Shipment) -> dict[str, Any]:
    lines = []
    for sl in s.lines:
        order_line = order.line(sl.order_line_id)
        assert order_line is not None  # createShipment only accepts the order's own lines
        lines.append(
            {"id": sl.id, "orderLine": line(order_line, order.currency), "quantity": sl.quantity}
        )
    return {
        "id": s.id,
        "number": s.number,
        "createdAt": s.created_at,
        "isGoodToGo": s.is_good_to_go,
        "isPaid": s.is_paid,
        "isShipped": s.is_shipped,
        "shippedAt": s.shipped_at,
        "shipmentInfo": s.shipment_info,
        "lines": lines,
    }


def order(o: Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "number": o.number,
        "status": o.status.value,
        "isOnHold": o.is_on_hold,
        "isWaitingForPayment": o.is_waiting_for_payment,
        "createdAt": o.created_at,
        "updatedAt": o.updated_at,
        "currency": o.currency,
        "shippingAddress": address(o.address),
        "shippingPriceGroup": {
            "shippingOption": {"id": o.shipping_option.id, "name": o.shipping_option.name}
        },
        "lines": [line(ln, o.currency) for ln in o.lines],
        "shipments": [shipment(o, s) for s in o.shipments],
    }


def event(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "objectType": e.object_type,
        "changeType": e.change_type,
        "objectReference": e.object_reference,
        "createdAt": e.created_at,
    }
