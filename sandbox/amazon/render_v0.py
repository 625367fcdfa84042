"""Orders v0 wire format (PascalCase), as getOrders, getOrder, getOrderItems, getOrderAddress and
getOrderBuyerInfo return it. Pending orders carry no price or address, as on Amazon. Restricted
fields (the model's notes on ShippingAddress and BuyerInfo: Name, AddressLine1-3, Phone,
AddressType, ExtendedFields; BuyerName, BuyerTaxInfo, PurchaseOrderNumber) are rendered only for
the data elements a Restricted Data Token unlocked; the company name is held back with them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.amazon.catalogue import MARKETPLACES
from sandbox.amazon.records import OrderStatus, SandboxItem, SandboxOrder, ShipAddress
from sandbox.amazon.restricted import BUYER_INFO, SHIPPING_ADDRESS
from sandbox.amazon.timefmt import to_wire

JsonObject = dict[str, Any]


def money(amount: Decimal, currency: str) -> JsonObject:
    return {"CurrencyCode": currency, "Amount": f"{amount:.2f}"}


def _compact(values: dict[str, Any]) -> JsonObject:
    return {key: value for key, value in values.items() if value is not None}


def address(ship_to: ShipAddress, full: bool) -> JsonObject:
    """Without `full` (no RDT for the shipping address), only the place: city, region,
    postal code and country."""
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


def _buyer_info(o: SandboxOrder, full: bool) -> JsonObject:
    return _compact({"BuyerEmail": o.buyer_email, "BuyerName": o.buyer_name if full else None})


def order(o: SandboxOrder, unlocked: frozenset[str] = frozenset()) -> JsonObject:
    """One order of getOrders / getOrder; `unlocked` is what the caller's RDT releases."""
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
            "ShippingAddress": None
            if pending
            else address(o.address, full=SHIPPING_ADDRESS in unlocked),
            "BuyerInfo": _buyer_info(o, full=BUYER_INFO in unlocked and not pending),
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
        "IsTransparency": i.transparency,
        "SerialNumberRequired": False,
    }
    if o.ship_plus:
        body["AmazonPrograms"] = {"Programs": ["FBM_SHIP_PLUS"]}
    if priced:
        body["ItemPrice"] = money(i.unit_price * i.quantity_ordered, i.currency)
        body["ItemTax"] = money(Decimal("0"), i.currency)
        # A positive amount taken off ItemPrice (OrderTotal = ItemPrice - PromotionDiscount
        # here: the sandbox charges no shipping or tax; the sign is unverified, docs/amazon.md).
        body["PromotionDiscount"] = money(i.unit_promotion * i.quantity_ordered, i.currency)
        if i.promotion_id:
            body["PromotionIds"] = [i.promotion_id]
    cancel = o.cancellation
    if cancel is not None and cancel.buyer_requested:
        body["BuyerRequestedCancel"] = {
            "IsBuyerRequestedCancel": "true",
            "BuyerCancelReason": cancel.reason or "",
        }
    return body


def order_items(o: SandboxOrder) -> JsonObject:
    return {"AmazonOrderId": o.order_id, "OrderItems": [item(o, i) for i in o.items]}


def order_address(o: SandboxOrder, full: bool) -> JsonObject:
    """getOrderAddress: the restricted fields only with an RDT (`full`)."""
    body: JsonObject = {"AmazonOrderId": o.order_id}
    if o.status is not OrderStatus.PENDING:
        body["ShippingAddress"] = address(o.address, full=full)
        if full and o.address.company:
            body["BuyerCompanyName"] = o.address.company
    return body


def order_buyer_info(o: SandboxOrder, full: bool) -> JsonObject:
    """getOrderBuyerInfo: the buyer's name only with an RDT (`full`)."""
    pending = o.status is OrderStatus.PENDING
    return {"AmazonOrderId": o.order_id, **_buyer_info(o, full=full and not pending)}
