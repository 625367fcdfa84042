"""Amazon wire JSON (Orders v0 and v2026-01-01) -> the channel-neutral domain order.

Pure functions: no I/O, so every rule here is tested against Amazon's own sandbox examples.

Shipping service: `ChannelOrder.ship_service_level` carries Amazon's *service level category*
(STANDARD, EXPEDITED, NEXT_DAY, SECOND_DAY, SAME_DAY, SCHEDULED, PRIORITY, FREE_ECONOMY): v2026's
`fulfillment.fulfillmentServiceLevel`, and v0's `ShipmentServiceLevelCategory` converted to the
same spelling. v0's free-text `ShipServiceLevel` ("Std UK Dom_1") does not exist in v2026, so a
carrier-service mapping keyed on it would break the day the reader switches; the category is the
one key both readers produce identically.

Programs that decide whether consign may confirm the order at all: FBM Ship+ (v2026 the order's
`programs`, v0 an item's `AmazonPrograms.Programs`: `FBM_SHIP_PLUS`) -> channel_label_required;
Transparency (v2026 an item's `programs`: `TRANSPARENCY`, v0 `IsTransparency`) ->
transparency_codes_required on that line. Planning turns either into a named exception.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TypeVar

from domain.order import (
    ChannelOrder,
    ChannelOrderStatus,
    FulfilledBy,
    Money,
    OrderChange,
    OrderLine,
    OrderRef,
    ShipTo,
)
from integrations.amazon.errors import AmazonUnknownValue
from integrations.amazon.notifications import OrderChangeMessage
from integrations.amazon.settings import CHANNEL
from integrations.amazon.wire import Json, WireReader
from integrations.amazon.wire_time import parse_utc

_T = TypeVar("_T")

V0_STATUS = {
    "PendingAvailability": ChannelOrderStatus.PENDING,
    "Pending": ChannelOrderStatus.PENDING,
    "Unshipped": ChannelOrderStatus.READY,
    "PartiallyShipped": ChannelOrderStatus.PARTIALLY_SHIPPED,
    "Shipped": ChannelOrderStatus.SHIPPED,
    "InvoiceUnconfirmed": ChannelOrderStatus.SHIPPED,  # shipped; invoice not yet confirmed
    "Canceled": ChannelOrderStatus.CANCELLED,
    "Unfulfillable": ChannelOrderStatus.CANCELLED,  # AFN-only: will never ship
}
V2026_STATUS = {
    "PENDING_AVAILABILITY": ChannelOrderStatus.PENDING,
    "PENDING": ChannelOrderStatus.PENDING,
    "UNSHIPPED": ChannelOrderStatus.READY,
    "PARTIALLY_SHIPPED": ChannelOrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": ChannelOrderStatus.SHIPPED,
    "CANCELLED": ChannelOrderStatus.CANCELLED,
    "UNFULFILLABLE": ChannelOrderStatus.CANCELLED,
}
V0_FULFILLED_BY = {"MFN": FulfilledBy.MERCHANT, "AFN": FulfilledBy.CHANNEL}
V2026_FULFILLED_BY = {"MERCHANT": FulfilledBy.MERCHANT, "AMAZON": FulfilledBy.CHANNEL}
SHIP_PLUS = "FBM_SHIP_PLUS"
TRANSPARENCY = "TRANSPARENCY"
ORDER_LEVEL_PROCEEDS = "DELIVERY_TIP"  # the one proceeds type not attributed to an item
# The delivery address's fields Amazon withholds from an app without the restricted role
# (v2026 "Access Orders PII"): without a name and a first line no parcel can be addressed.
V2026_PERSONAL_ADDRESS_FIELDS = ("name", "addressLine1")


def service_level_category(value: str | None) -> str | None:
    """v0 'NextDay' / v2026 'NEXT_DAY' -> 'NEXT_DAY'."""
    if value is None:
        return None
    if "_" in value or value.isupper():
        return value.upper()
    return re.sub(r"(?<!^)(?=[A-Z])", "_", value).upper()


def _ref(order_id: str, account: str) -> OrderRef:
    return OrderRef(channel=CHANNEL, account=account, order_id=order_id)


def _lookup(wire: WireReader, table: dict[str, _T], value: str | None, field: str) -> _T:
    if value is None:
        raise wire.fail(f"{field} is missing")
    if value not in table:
        message = f"{wire.context}: {field} {value[:40]!r} is not a known value"
        raise AmazonUnknownValue(wire.operation, message, field=field)
    return table[value]


def _ship_to(wire: WireReader, address: Json, *, v0: bool) -> ShipTo | None:
    """None when the address lacks what a carrier needs: planning then raises MISSING_ADDRESS."""

    def field(v0_key: str, v2026_key: str) -> str | None:
        return wire.text(address, v0_key if v0 else v2026_key)

    name = field("Name", "name")
    line1 = field("AddressLine1", "addressLine1")
    city = field("City", "city")
    country = field("CountryCode", "countryCode")
    if not (name and line1 and city and country and len(country) == 2):
        return None
    return ShipTo(
        name=name,
        line1=line1,
        line2=field("AddressLine2", "addressLine2"),
        line3=field("AddressLine3", "addressLine3"),
        city=city,
        state_or_region=field("StateOrRegion", "stateOrRegion"),
        postal_code=field("PostalCode", "postalCode"),
        country_code=country.upper(),
        phone=field("Phone", "phone"),
        company=field("CompanyName", "companyName"),
    )


def _money(wire: WireReader, data: Json, amount_key: str, currency_key: str) -> Money | None:
    amount = wire.decimal(data, amount_key)
    currency = wire.text(data, currency_key)
    if amount is None or currency is None:
        return None
    return Money(amount=amount, currency=currency)


def _cancelled(quantity: int, shipped: int, cancelled: bool) -> int:
    return max(quantity - shipped, 0) if cancelled else 0


def _programs(data: Json) -> list[str]:
    """A `programs` list of strings (v2026 order and item, v0 AmazonPrograms.Programs)."""
    found = data.get("programs", data.get("Programs"))
    return [p for p in found if isinstance(p, str)] if isinstance(found, list) else []


# ---- Orders v0 ---------------------------------------------------------------------------


def _v0_reader(order: Json, operation: str = "v0.getOrder") -> WireReader:
    order_id = order.get("AmazonOrderId")
    return WireReader(operation, f"order {order_id if isinstance(order_id, str) else '?'}")


def change_from_v0(order: Json, account: str) -> OrderChange:
    """One getOrders entry. v0 keeps buyer cancellation on the items, so it is read later."""
    wire = _v0_reader(order, "v0.getOrders")
    return OrderChange(
        ref=_ref(wire.required_text(order, "AmazonOrderId"), account),
        status=_lookup(wire, V0_STATUS, wire.text(order, "OrderStatus"), "OrderStatus"),
        fulfilled_by=_lookup(
            wire, V0_FULFILLED_BY, wire.text(order, "FulfillmentChannel"), "FulfillmentChannel"
        ),
        last_updated_at=wire.required_time(order, "LastUpdateDate"),
    )


def change_from_notification(message: OrderChangeMessage, account: str) -> OrderChange | None:
    """What an ORDER_CHANGE notification says of its order, as the intake hands it on: its
    summary's status and fulfilment type (the v0 vocabulary, which the schema's enums list),
    a buyer's cancel request on any item, and the change's time (TimeOfOrderChange, else the
    notification's EventTime: that either equals the order's LastUpdateDate is unverified).
    None when that time cannot be read: the order is then read by name instead."""
    notice = message.payload.order_change
    summary = notice.summary
    stamp = notice.order_change_trigger.time_of_order_change or message.event_time
    try:
        when = parse_utc(stamp)
    except ValueError:
        return None
    return OrderChange(
        ref=_ref(notice.amazon_order_id, account),
        status=V0_STATUS[summary.order_status],
        fulfilled_by=V0_FULFILLED_BY[summary.fulfillment_type],
        last_updated_at=when,
        buyer_cancel_requested=any(i.is_buyer_requested_cancel for i in summary.order_items),
    )


def _v0_unit_price(wire: WireReader, item: Json, quantity: int) -> Money | None:
    """v0 ItemPrice is the line total (price x quantity); the domain wants the unit price,
    rounded to the precision Amazon quoted."""
    total = _money(wire, wire.obj(item, "ItemPrice"), "Amount", "CurrencyCode")
    if total is None or quantity == 0:
        return None
    exponent = total.amount.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    return Money(amount=(total.amount / quantity).quantize(places), currency=total.currency)


def _v0_line(wire: WireReader, item: Json, order_cancelled: bool) -> OrderLine:
    line_id = wire.required_text(item, "OrderItemId")
    quantity = wire.integer(item, "QuantityOrdered")
    shipped = wire.integer(item, "QuantityShipped")
    sku = wire.text(item, "SellerSKU")
    if sku is None:
        raise wire.fail(f"item {line_id} has no SellerSKU")
    return OrderLine(
        line_id=line_id,
        sku=sku,
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=_cancelled(quantity, shipped, order_cancelled),
        unit_price=_v0_unit_price(wire, item, quantity),
        title=wire.text(item, "Title"),
        transparency_codes_required=wire.flag(item, "IsTransparency"),
    )


def order_from_v0(
    order: Json, items: list[Json], address: Json | None, account: str
) -> ChannelOrder:
    """getOrder + all getOrderItems pages + getOrderAddress (None when not fetched)."""
    change = change_from_v0(order, account)
    wire = _v0_reader(order)
    cancelled = change.status is ChannelOrderStatus.CANCELLED
    shipping = wire.obj(address, "ShippingAddress") if address else {}
    shipping = shipping or wire.obj(order, "ShippingAddress")
    total = _money(wire, wire.obj(order, "OrderTotal"), "Amount", "CurrencyCode")
    return ChannelOrder(
        ref=change.ref,
        status=change.status,
        fulfilled_by=change.fulfilled_by,
        marketplace_id=wire.text(order, "MarketplaceId"),
        ship_service_level=service_level_category(wire.text(order, "ShipmentServiceLevelCategory")),
        is_prime=wire.flag(order, "IsPrime"),
        is_business=wire.flag(order, "IsBusinessOrder"),
        buyer_cancel_requested=any(
            wire.flag(wire.obj(item, "BuyerRequestedCancel"), "IsBuyerRequestedCancel")
            for item in items
        ),
        created_at=wire.required_time(order, "PurchaseDate"),
        last_updated_at=change.last_updated_at,
        ship_by=wire.time(order, "LatestShipDate"),
        deliver_by=wire.time(order, "LatestDeliveryDate"),
        ship_to=_ship_to(wire, shipping, v0=True) if shipping else None,
        currency=total.currency if total else None,
        total=total,
        lines=[_v0_line(wire, item, cancelled) for item in items],
        channel_label_required=any(
            SHIP_PLUS in _programs(wire.obj(item, "AmazonPrograms")) for item in items
        ),
    )


# ---- Orders v2026-01-01 --------------------------------------------------------------------


def _v2026_reader(order: Json, operation: str = "getOrder") -> WireReader:
    order_id = order.get("orderId")
    return WireReader(operation, f"order {order_id if isinstance(order_id, str) else '?'}")


def _v2026_buyer_cancel(wire: WireReader, order: Json) -> bool:
    """A cancellation request on any item (requester BUYER, or unstated) that the seller has
    not yet executed: the workflow must try to stop the warehouse."""
    for item in wire.objects(order, "orderItems"):
        cancellation = wire.obj(item, "cancellation")
        request = wire.obj(cancellation, "cancellationRequest")
        if request and wire.text(request, "requester") in (None, "BUYER"):
            return True
    return False


def change_from_v2026(order: Json, account: str, operation: str = "searchOrders") -> OrderChange:
    """One searchOrders entry (needs includedData FULFILLMENT; CANCELLATION for cancel flags)."""
    wire = _v2026_reader(order, operation)
    fulfillment = wire.obj(order, "fulfillment")
    if not fulfillment:
        raise wire.fail("fulfillment is missing (request includedData=FULFILLMENT)")
    return OrderChange(
        ref=_ref(wire.required_text(order, "orderId"), account),
        status=_lookup(
            wire, V2026_STATUS, wire.text(fulfillment, "fulfillmentStatus"), "fulfillmentStatus"
        ),
        fulfilled_by=_lookup(
            wire, V2026_FULFILLED_BY, wire.text(fulfillment, "fulfilledBy"), "fulfilledBy"
        ),
        last_updated_at=wire.required_time(order, "lastUpdatedTime"),
        buyer_cancel_requested=_v2026_buyer_cancel(wire, order),
    )


def _v2026_line(wire: WireReader, item: Json, order_cancelled: bool) -> OrderLine:
    line_id = wire.required_text(item, "orderItemId")
    product = wire.obj(item, "product")
    sku = wire.text(product, "sellerSku")
    if sku is None:
        raise wire.fail(f"item {line_id} has no sellerSku")
    quantity = wire.integer(item, "quantityOrdered")
    shipped = wire.integer(wire.obj(item, "fulfillment"), "quantityFulfilled")
    executed = bool(wire.obj(wire.obj(item, "cancellation"), "cancellationExecution"))
    price = wire.obj(wire.obj(product, "price"), "unitPrice")
    return OrderLine(
        line_id=line_id,
        sku=sku,
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=_cancelled(quantity, shipped, order_cancelled or executed),
        unit_price=_money(wire, price, "amount", "currencyCode"),
        title=wire.text(product, "title"),
        transparency_codes_required=TRANSPARENCY in _programs(item),
    )


def _v2026_total(wire: WireReader, order: Json) -> Money | None:
    """What the buyer is charged for the items: `proceeds.grandTotal` (includedData PROCEEDS)
    less its order-level DELIVERY_TIP, which the model says is "charged separately and not
    attributed to a specific item" (where a tip lands in the settlement is unverified)."""
    proceeds = wire.obj(order, "proceeds")
    total = _money(wire, wire.obj(proceeds, "grandTotal"), "amount", "currencyCode")
    if total is None:
        return None
    for breakdown in wire.objects(proceeds, "breakdowns"):
        if wire.text(breakdown, "type") != ORDER_LEVEL_PROCEEDS:
            continue
        tip = _money(wire, wire.obj(breakdown, "subtotal"), "amount", "currencyCode")
        if tip is not None and tip.currency == total.currency:
            total = Money(amount=total.amount - tip.amount, currency=total.currency)
    return total


def _v2026_currency(wire: WireReader, order: Json, lines: list[OrderLine]) -> str | None:
    total = wire.obj(wire.obj(order, "proceeds"), "grandTotal")
    currency = wire.text(total, "currencyCode")
    if currency is None:
        currency = next((line.unit_price.currency for line in lines if line.unit_price), None)
    return currency


def order_from_v2026(order: Json, account: str) -> ChannelOrder:
    """A getOrder (or searchOrders) order with includedData RECIPIENT, FULFILLMENT, CANCELLATION
    and PROCEEDS (the order's total; without it `total` is None)."""
    change = change_from_v2026(order, account, "getOrder")
    wire = _v2026_reader(order)
    fulfillment = wire.obj(order, "fulfillment")
    programs = _programs(order)
    cancelled = change.status is ChannelOrderStatus.CANCELLED
    lines = [_v2026_line(wire, item, cancelled) for item in wire.objects(order, "orderItems")]
    address = wire.obj(wire.obj(order, "recipient"), "deliveryAddress")
    return ChannelOrder(
        ref=change.ref,
        status=change.status,
        fulfilled_by=change.fulfilled_by,
        marketplace_id=wire.text(wire.obj(order, "salesChannel"), "marketplaceId"),
        ship_service_level=service_level_category(
            wire.text(fulfillment, "fulfillmentServiceLevel")
        ),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        buyer_cancel_requested=change.buyer_cancel_requested,
        created_at=wire.required_time(order, "createdTime"),
        last_updated_at=change.last_updated_at,
        ship_by=wire.time(wire.obj(fulfillment, "shipByWindow"), "latestDateTime"),
        deliver_by=wire.time(wire.obj(fulfillment, "deliverByWindow"), "latestDateTime"),
        ship_to=_ship_to(wire, address, v0=False) if address else None,
        currency=_v2026_currency(wire, order, lines),
        total=_v2026_total(wire, order),
        lines=lines,
        channel_label_required=SHIP_PLUS in programs,
    )


def v2026_personal_data_withheld(order: Json) -> bool:
    """A delivery address without its personal fields: Amazon gives them only to an app with
    the Direct-to-Consumer Shipping (Restricted) role (no Restricted Data Token in v2026)."""
    recipient = order.get("recipient")
    address = recipient.get("deliveryAddress") if isinstance(recipient, dict) else None
    if not isinstance(address, dict):
        return False
    return not any(address.get(key) for key in V2026_PERSONAL_ADDRESS_FIELDS)
