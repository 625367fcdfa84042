"""Orders v2026-01-01 wire format (camelCase). Optional datasets appear only when asked
for through includedData, as with Amazon; the delivery address only with RECIPIENT. The fields
Amazon's "Access Orders PII" guide names as personal (buyer name and email; the recipient's name,
address lines, postal code and phone) are left out unless the app holds the role for them."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sandbox.amazon.catalogue import MARKETPLACES, SERVICE_LEVELS
from sandbox.amazon.records import (
    V2026_STATUS,
    FulfillmentChannel,
    OrderStatus,
    Package,
    SandboxItem,
    SandboxOrder,
    ShipAddress,
)
from sandbox.amazon.timefmt import to_wire

JsonObject = dict[str, Any]
INCLUDED_DATA = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)


def money(amount: Decimal, currency: str) -> JsonObject:
    return {"amount": f"{amount:.2f}", "currencyCode": currency}


def _compact(values: dict[str, Any]) -> JsonObject:
    return {key: value for key, value in values.items() if value is not None}


def delivery_address(ship_to: ShipAddress, pii: bool) -> JsonObject:
    place = {
        "companyName": ship_to.company,
        "city": ship_to.city,
        "stateOrRegion": ship_to.state_or_region,
        "countryCode": ship_to.country_code,
        "addressType": "RESIDENTIAL" if ship_to.residential else "COMMERCIAL",
    }
    if not pii:
        return _compact(place)
    personal = {
        "name": ship_to.name,
        "addressLine1": ship_to.line1,
        "addressLine2": ship_to.line2,
        "postalCode": ship_to.postal_code,
        "phone": ship_to.phone,
    }
    return _compact({**personal, **place})


def _cancellation(o: SandboxOrder) -> JsonObject | None:
    cancel = o.cancellation
    if cancel is None:
        return None
    body: JsonObject = {}
    if cancel.buyer_requested:
        body["cancellationRequest"] = {"requester": "BUYER", "cancelReason": cancel.reason or ""}
    if cancel.executed:
        body["cancellationExecution"] = {
            "cancelledBy": "BUYER" if cancel.buyer_requested else "MERCHANT",
            "cancelReason": cancel.reason or "",
        }
    return body


def _breakdowns(items: list[SandboxItem]) -> list[JsonObject]:
    """ITEM (price x quantity) and, with a promotion, DISCOUNT as a negative subtotal (the
    model gives no sign for it: unverified, docs/amazon.md)."""
    currency = items[0].currency
    price = sum((i.unit_price * i.quantity_ordered for i in items), Decimal(0))
    discount = sum((i.unit_promotion * i.quantity_ordered for i in items), Decimal(0))
    found = [{"type": "ITEM", "subtotal": money(price, currency)}]
    if discount:
        found.append({"type": "DISCOUNT", "subtotal": money(-discount, currency)})
    return found


def item(o: SandboxOrder, i: SandboxItem, data: Collection[str]) -> JsonObject:
    product: JsonObject = {
        "asin": i.asin,
        "title": i.title,
        "sellerSku": i.sku,
        "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
    }
    if o.status is not OrderStatus.PENDING:
        product["price"] = {"unitPrice": money(i.unit_price, i.currency)}
    body: JsonObject = {
        "orderItemId": i.order_item_id,
        "quantityOrdered": i.quantity_ordered,
        "product": product,
    }
    if i.transparency:
        body["programs"] = ["TRANSPARENCY"]
    if "PROCEEDS" in data and o.status is not OrderStatus.PENDING:
        body["proceeds"] = {
            "proceedsTotal": money(i.charge, i.currency),
            "breakdowns": _breakdowns([i]),
        }
    if "CANCELLATION" in data and (cancellation := _cancellation(o)):
        body["cancellation"] = cancellation
    if "FULFILLMENT" in data:
        unfulfilled = 0 if o.status is OrderStatus.CANCELED else i.remaining
        body["fulfillment"] = {
            "quantityFulfilled": i.quantity_shipped,
            "quantityUnfulfilled": unfulfilled,
        }
    return body


def package(p: Package) -> JsonObject:
    return _compact(
        {
            "packageReferenceId": p.package_reference_id,
            "createdTime": to_wire(p.created_at),
            "packageStatus": {"status": "SHIPPED"},
            "carrier": p.carrier_name if p.carrier_code == "Other" else p.carrier_code,
            "shipTime": to_wire(p.ship_date),
            "shippingService": p.shipping_method,
            "trackingNumber": p.tracking_number,
            "packageItems": [{"orderItemId": k, "quantity": v} for k, v in p.items.items()],
        }
    )


def fulfillment(o: SandboxOrder) -> JsonObject:
    service = SERVICE_LEVELS.get(o.ship_service_level)
    afn = o.fulfillment_channel is FulfillmentChannel.AFN
    return {
        "fulfillmentStatus": V2026_STATUS[o.status],
        "fulfilledBy": "AMAZON" if afn else "MERCHANT",
        "fulfillmentServiceLevel": service.v2026 if service else "STANDARD",
        "shipByWindow": {
            "earliestDateTime": to_wire(o.earliest_ship_date),
            "latestDateTime": to_wire(o.latest_ship_date),
        },
        "deliverByWindow": {
            "earliestDateTime": to_wire(o.earliest_delivery_date),
            "latestDateTime": to_wire(o.latest_delivery_date),
        },
    }


def order(o: SandboxOrder, data: Collection[str], pii: bool = True) -> JsonObject:
    """One order; `pii` says whether the app holds the role for personal fields."""
    market = MARKETPLACES.get(o.marketplace_id)
    pending = o.status is OrderStatus.PENDING
    flags = (
        ("PRIME", o.is_prime),
        ("AMAZON_BUSINESS", o.is_business),
        ("FBM_SHIP_PLUS", o.ship_plus),
    )
    programs = [p for p, on in flags if on]
    body: JsonObject = {
        "orderId": o.order_id,
        "createdTime": to_wire(o.purchase_date),
        "lastUpdatedTime": to_wire(o.last_update_date),
        "salesChannel": _compact(
            {
                "channelName": "AMAZON",
                "marketplaceId": o.marketplace_id,
                "marketplaceName": market.name if market else None,
            }
        ),
    }
    if programs:
        body["programs"] = programs
    if "BUYER" in data:
        personal = pii and not pending
        body["buyer"] = _compact(
            {
                "buyerName": o.buyer_name if personal else None,
                "buyerEmail": o.buyer_email if personal else None,
                "buyerCompanyName": o.address.company,
            }
        )
    if "RECIPIENT" in data and not pending:
        body["recipient"] = {"deliveryAddress": delivery_address(o.address, pii)}
    if "PROCEEDS" in data and not pending:
        body["proceeds"] = {
            "grandTotal": money(o.total, o.currency),
            "breakdowns": _breakdowns(o.items),
        }
    if "FULFILLMENT" in data:
        body["fulfillment"] = fulfillment(o)
    body["orderItems"] = [item(o, i, data) for i in o.items]
    if "PACKAGES" in data and o.fulfillment_channel is FulfillmentChannel.MFN:
        body["packages"] = [package(p) for p in o.packages.values()]
    return body
