"""Orders v0 wire format (PascalCase), as getOrders, getOrder, getOrderItems and
getOrderAddress return it. Pending orders carry no price or address, as on Amazon."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.amazon.catalogue import MARKETPLACES
from sandbox.amazon.records import OrderStatus, SandboxItem, SandboxOrder, ShipAddress
from sandbox.amazon.timefmt import to_wire

JsonObject = dict[str, Any]


def money(amount: Decimal, currency: str) -> JsonObject:
    return {"CurrencyCode": currency, "Amount": f"{amount:.2f}"}


def _compact(values: dict[str, Any]) -> JsonObject:
    return {key: value for key, value in values.items() if value is not None}


def address(ship_to: ShipAddress, full: bool) -> JsonObject:
    """Without `full`, only what getOrders shows without restricted data: the place."""
    place = {
        "City": ship_to.city,
        "StateOrRegion": ship_to.state_or_region,
        "PostalCode": ship_to.postal_code,
        "CountryCode": ship_to.country_code,
    }
    if not full:
        return _compact(place)
    return _compact(
        {
            "Name": ship_to.name,
            "CompanyName": ship_to.company,
            "AddressLine1": ship_to.line1,
            "AddressLine2": ship_to.line2,
            **place,
            "Phone": ship_to.phone,
            "AddressType": "Residential" if ship_to.residential else "Commercial",
        }
    )


def order(o: SandboxOrder) -> JsonObject:
    market = MARKETPLACES.get(o.marketplace_id)
    shipped = sum(i.quantity_shipped for i in o.items)
    pending = o.status is OrderStatus.PENDING
    open_units = 0 if o.status is OrderStatus.CANCELED else sum(i.remaining for i in o.items)
    return _compact(
        {
            "AmazonOrderId": o.order_id,
            "PurchaseDate": to_wire(o.purchase_date),
            "LastUpdateDate": to_wire(o.last_update_date),
            "OrderStatus": o.status.value,
            "FulfillmentChannel": o.fulfillment_channel.value,
            "SalesChannel": market.sales_channel if market else "Amazon.co.uk",
            "ShipServiceLevel": o.ship_service_level,
            "OrderTotal": None if pending else money(o.total, o.currency),
            "NumberOfItemsShipped": shipped,
            "NumberOfItemsUnshipped": open_units,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "MarketplaceId": o.marketplace_id,
            "ShipmentServiceLevelCategory": o.service_level_category,
            "OrderType": "StandardOrder",
            "EarliestShipDate": to_wire(o.earliest_ship_date),
            "LatestShipDate": to_wire(o.latest_ship_date),
            "EarliestDeliveryDate": to_wire(o.earliest_delivery_date),
            "LatestDeliveryDate": to_wire(o.latest_delivery_date),
            "IsBusinessOrder": o.is_business,
            "IsPrime": o.is_prime,
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "HasRegulatedItems": False,
            "ShippingAddress": None if pending else address(o.address, full=False),
            "BuyerInfo": {"BuyerEmail": o.buyer_email},
            "AutomatedShippingSettings": {"HasAutomatedShippingSettings": False},
        }
    )


def item(o: SandboxOrder, i: SandboxItem) -> JsonObject:
    priced = o.status is not OrderStatus.PENDING
    body: JsonObject = {
        "ASIN": i.asin,
        "SellerSKU": i.sku,
        "OrderItemId": i.order_item_id,
        "Title": i.title,
        "QuantityOrdered": i.quantity_ordered,
        "QuantityShipped": i.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
        "IsGift": "false",
        "ConditionId": "New",
        "ConditionSubtypeId": "New",
        "IsTransparency": False,
        "SerialNumberRequired": False,
    }
    if priced:
        body["ItemPrice"] = money(i.unit_price * i.quantity_ordered, i.currency)
        body["ItemTax"] = money(Decimal("0"), i.currency)
        body["PromotionDiscount"] = money(Decimal("0"), i.currency)
    cancel = o.cancellation
    if cancel is not None and cancel.buyer_requested:
        body["BuyerRequestedCancel"] = {
            "IsBuyerRequestedCancel": "true",
            "BuyerCancelReason": cancel.reason or "",
        }
    return body


def order_items(o: SandboxOrder) -> JsonObject:
    return {"AmazonOrderId": o.order_id, "OrderItems": [item(o, i) for i in o.items]}


def order_address(o: SandboxOrder) -> JsonObject:
    body: JsonObject = {"AmazonOrderId": o.order_id}
    if o.status is not OrderStatus.PENDING:
        body["ShippingAddress"] = address(o.address, full=True)
        if o.address.company:
            body["BuyerCompanyName"] = o.address.company
    return body
