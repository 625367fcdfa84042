"""Records -> GraphQL result objects with the field names of Centra's documented schema.

graphql-core's default resolver reads a dict key and, when the value is callable, calls it with
(info, **arguments): fields with arguments (a date's `format`, `lines(includeFullyCancelled)`,
`stock(where)`), fields behind a permission and links to other objects are such callables.
Everything runs under the sandbox lock (endpoint.py), so one response shows one state.
`__typename` tells graphql-core which object type implements an interface or union member."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.centra import dates, filters
from sandbox.centra.catalogue import (
    COUNTRY_NAMES,
    CURRENCIES,
    Currency,
    Product,
    Size,
    Variant,
    Warehouse,
    country_id,
)
from sandbox.centra.context import context_of
from sandbox.centra.events import Event, Listener
from sandbox.centra.lifecycle import UserError
from sandbox.centra.payments import order_value, shipment_value
from sandbox.centra.records import Address, Order, OrderLine, PaymentEntry, Return, Shipment
from sandbox.centra.stock import SizeStock
from sandbox.centra.tokens import (
    ADMIN_USER_READ,
    CUSTOMER_READ,
    ORDER_BILLING_ADDRESS_READ,
    ORDER_READ,
    ORDER_SHIPPING_ADDRESS_READ,
    PAYMENT_HISTORY_READ,
    PRODUCT_COUNTRY_OF_ORIGIN_READ,
    PRODUCT_READ,
    PRODUCT_SIZE_STOCK_READ,
    PRODUCT_SIZE_STOCK_TOTALS_READ,
    PURCHASER_READ,
    SHIPMENT_READ,
    SHIPMENT_SHIPPING_ADDRESS_READ,
    STORE_PLUGIN_READ,
    WAREHOUSE_STOCK_READ,
)

Json = dict[str, Any]
Lazy = Callable[..., Any]
STORE = {"id": 1, "name": "Consign Demo Store", "type": "DIRECT_TO_CONSUMER"}
MARKET = {"id": 1, "name": "Europe"}


def when(moment: datetime | None) -> Lazy | None:
    """A DateTimeTz field: printed with the query's `format` argument."""
    if moment is None:
        return None
    return lambda _info, format=None, **_: dates.php_format(moment, format)


def guarded(permission: str, action: str, value: Any, *alternatives: str) -> Lazy:
    """A field the token needs `permission` for (Centra names nested permissions by field)."""

    def resolve(info: GraphQLResolveInfo, **args: Any) -> Any:
        context_of(info).require(permission, action, *alternatives)
        return value(info, **args) if callable(value) else value

    return resolve


def sandbox_of(info: GraphQLResolveInfo) -> Any:
    return context_of(info).sandbox


# --- money, addresses ---------------------------------------------------------------------------


def currency(c: Currency) -> Json:
    return {
        "id": c.id,
        "name": c.name,
        "code": c.code,
        "currentBaseRate": round(1 / c.rate_to_eur, 6),
        "denominator": 100,
        "isoNumber": None,
        "prefix": None,
        "suffix": f" {c.code}",
        "updatedAt": when(datetime(2024, 1, 1, tzinfo=dates.ZONE)),
        "decimalPoint": ".",
        "decimalDigits": 2,
        "thousandsSeparator": " ",
        "isBase": c.is_base,
        "externalId": None,
    }


def money(value: float, code: str) -> Json:
    return {
        "value": round(value, 2),
        "currency": currency(CURRENCIES[code]),
        "formattedValue": f"{value:.2f} {code}",
        "conversionRate": 1.0,
    }


def country(code: str | None) -> Json | None:
    if code is None:
        return None
    return {"id": country_id(code), "name": COUNTRY_NAMES.get(code, code), "code": code}


def address(a: Address) -> Json:
    return {
        "firstName": a.first_name,
        "lastName": a.last_name,
        "address1": a.address1,
        "address2": a.address2,
        "city": a.city,
        "zipCode": a.zip_code,
        "stateOrProvince": a.state_or_province,
        "cellPhoneNumber": a.cell_phone_number,
        "phoneNumber": a.phone_number,
        "faxNumber": None,
        "email": a.email,
        "companyName": a.company_name,
        "attention": None,
        "vatNumber": None,
        "ecVatNumber": None,
        "country": country(a.country_code),
        "state": None,
    }


def customer(o: Order) -> Json:
    return {
        "id": o.number,
        "email": o.address.email,
        "firstName": o.address.first_name,
        "lastName": o.address.last_name,
    }


# --- catalogue ----------------------------------------------------------------------------------


def product_updated(product_id: int) -> Lazy:
    """A variant's or size's updatedAt: its product's (the sandbox bumps it on any change)."""

    def resolve(info: GraphQLResolveInfo, format: str | None = None, **_: Any) -> Any:
        return dates.php_format(sandbox_of(info).catalogue.products[product_id].updated_at, format)

    return resolve


def weight(kilograms: float | None) -> Json | None:
    if kilograms is None:
        return None
    return {"value": kilograms, "unit": "KILOGRAMS", "formattedValue": f"{kilograms:.3f} kg"}


def product(p: Product) -> Json:
    stamp = p.updated_at
    return {
        "id": p.id,
        "name": p.name,
        "status": p.status,
        "productNumber": p.number,
        "createdAt": when(stamp),
        "updatedAt": when(stamp),
        "harmonizedCommodityCode": p.hs_code,
        "harmonizedCommodityCodeDescription": p.hs_description,
        "internalComment": None,
        "isBundle": False,
        "isSerializableProduct": False,
        "weight": weight(p.weight_kg),
        "brand": {"id": 1, "name": p.brand},
        "collection": {"id": 1, "name": p.collection, "status": "ACTIVE"},
        "countryOfOrigin": guarded(
            PRODUCT_COUNTRY_OF_ORIGIN_READ, "read countryOfOrigin", country(p.country_of_origin)
        ),
        "variants": lambda info, **_: [
            variant(v) for v in sandbox_of(info).catalogue.product_variants(p.id)
        ],
    }


def variant(v: Variant) -> Json:
    return {
        "id": v.id,
        "name": v.name,
        "status": v.status,
        "variantNumber": v.number,
        "internalName": v.name.lower(),
        "unitCost": money(v.unit_cost_eur, "EUR"),
        "updatedAt": product_updated(v.product_id),
        "product": lambda info, **_: product(sandbox_of(info).catalogue.products[v.product_id]),
        "productSizes": lambda info, **_: [
            size(s) for s in sandbox_of(info).catalogue.variant_sizes(v.id)
        ],
    }


def stock_row(warehouse_id: int, level: SizeStock, s: Size) -> Json:
    free = level.free_to_allocate
    return {
        "physicalQuantity": level.physical,
        "freeToAllocateQuantity": free,
        "allocatedQuantity": level.allocated,
        "availableNowQuantity": free,
        "availableQuantity": free,
        "demandQuantity": 0,
        "unshippedQuantity": level.allocated,
        "incomingQuantity": 0,
        "linkedIncomingQuantity": 0,
        "unlinkedIncomingQuantity": 0,
        "onDeliveryQuantity": 0,
        "warehouse": lambda info, **_: warehouse(
            sandbox_of(info).catalogue.warehouses[warehouse_id]
        ),
        "productSize": size(s),
    }


def _stock_matches(where: filters.Where, warehouse_id: int, s: Size, level: SizeStock) -> bool:
    return (
        filters.one_of(where, "warehouseId", warehouse_id)
        and filters.one_of(where, "productSizeId", s.id)
        and filters.one_of(where, "productVariantId", s.variant_id)
        and filters.one_of(where, "productId", s.product_id)
        and filters.within(where, "physicalQuantity", level.physical)
        and filters.within(where, "freeToAllocateQuantity", level.free_to_allocate)
        and filters.within(where, "allocatedQuantity", level.allocated)
    )


def stock_rows(
    rows: list[tuple[int, SizeStock, Size]],
    where: filters.Where | None = None,
    limit: int | None = None,
    page: int | None = None,
    **_: Any,
) -> list[Json]:
    """ProductSize.stock / Warehouse.stock: rows matching the StockFilter, paged."""
    found = [
        stock_row(wid, lv, s) for wid, lv, s in rows if _stock_matches(where or {}, wid, s, lv)
    ]
    return filters.page(found, limit, page)


def totals(levels: list[SizeStock]) -> Json:
    physical = sum(level.physical for level in levels)
    allocated = sum(level.allocated for level in levels)
    return {
        "availableQuantity": physical - allocated,
        "physicalQuantity": physical,
        "demandQuantity": 0,
        "allocatedQuantity": allocated,
        "unshippedQuantity": allocated,
        "onDeliveryQuantity": 0,
        "linkedIncomingQuantity": 0,
        "unlinkedIncomingQuantity": 0,
        "freeToAllocateQuantity": physical - allocated,
    }


def size(s: Size) -> Json:
    def stock(info: GraphQLResolveInfo, **args: Any) -> list[Json]:
        rows = [(wid, level, s) for wid, level in sandbox_of(info).stock.rows(s.sku)]
        return stock_rows(rows, **args)

    return {
        "id": s.id,
        "description": s.description,
        "SKU": s.sku,
        "EAN": s.gtin,
        "UPC": None,
        "sizeNumber": s.size_number,
        "quantity": 0,
        "preorder": False,
        "comment": None,
        "weight": None,
        "shippingSpecifications": None,
        "updatedAt": product_updated(s.product_id),
        "isActive": True,
        "size": {"id": s.id, "name": s.description, "externalId": None},
        "productVariant": lambda info, **_: variant(
            sandbox_of(info).catalogue.variants[s.variant_id]
        ),
        "stock": guarded(PRODUCT_SIZE_STOCK_READ, "read stock", stock),
        "stockTotals": guarded(
            PRODUCT_SIZE_STOCK_TOTALS_READ,
            "read stock totals",
            lambda info, **_: totals([lv for _, lv in sandbox_of(info).stock.rows(s.sku)]),
        ),
    }


def warehouse(w: Warehouse) -> Json:
    def stock(info: GraphQLResolveInfo, **args: Any) -> list[Json]:
        sandbox = sandbox_of(info)
        levels = sandbox.stock.levels
        sizes = sandbox.catalogue.sizes.values()
        rows = [(w.id, levels[(w.id, s.sku)], s) for s in sizes if (w.id, s.sku) in levels]
        return stock_rows(rows, **args)

    return {
        "id": w.id,
        "name": w.name,
        "status": "ACTIVE",
        "stockOwnership": "THIRD_PARTY",
        "allocationPolicy": "CHECK_FIRST",
        "stockMaster": w.stock_master_policy,
        "isHiddenFromStockView": False,
        "isConsignation": False,
        "threshold": 0,
        "zipCode": None,
        "country": None,
        "state": None,
        "stock": guarded(WAREHOUSE_STOCK_READ, "read warehouse stock", stock),
        "stockTotals": lambda info, **_: totals(
            [lv for (wid, _), lv in sandbox_of(info).stock.levels.items() if wid == w.id]
        ),
    }


# --- orders -------------------------------------------------------------------------------------


def line(o: Order, ln: OrderLine) -> Json:
    def priced(amount: float) -> Lazy:
        return lambda _info, includingTax=True, **_: money(
            amount if includingTax else amount / (1 + ln.tax_percent / 100), o.currency
        )

    def returned(info: GraphQLResolveInfo, **_: Any) -> int:
        lines_of_this = {sl.id for s in o.shipments for sl in s.lines if sl.order_line_id == ln.id}
        found: list[Return] = sandbox_of(info).returns_of(o.number)
        return sum(
            rl.quantity for r in found for rl in r.lines if rl.shipment_line_id in lines_of_this
        )

    return {
        "__typename": "ProductOrderLine",
        "id": ln.id,
        "size": ln.size_name or ln.size_number,
        "productNumber": ln.product_number,
        "hasAnyDiscount": False,
        "comment": None,
        "productName": ln.product_name,
        "productBrand": "Consign Demo",
        "productVariantName": ln.variant_name or ln.product_name,
        "folderName": None,
        "productExternalUrl": None,
        "frontendItemId": None,
        "quantity": ln.quantity,
        "cancelledQuantity": ln.cancelled_quantity,
        "returnedQuantity": returned,
        "unitOriginalPrice": priced(ln.unit_price),
        "unitPrice": priced(ln.unit_price),
        "discountPercent": 0.0,
        "taxPercent": ln.tax_percent,
        "lineValue": priced(ln.unit_price * ln.quantity),
        "brand": {"id": 1, "name": "Consign Demo"},
        "collection": None,
        "product": guarded(
            PRODUCT_READ,
            "read products",
            lambda info, **_: _product_of(info, ln.product_id),
        ),
        "productVariant": lambda info, **_: _variant_of(info, ln.variant_id),
        "productSize": lambda info, **_: _size_of(info, ln.size_id),
    }


def _product_of(info: GraphQLResolveInfo, product_id: int) -> Json | None:
    found = sandbox_of(info).catalogue.products.get(product_id)
    return product(found) if found else None


def _variant_of(info: GraphQLResolveInfo, variant_id: int) -> Json | None:
    found = sandbox_of(info).catalogue.variants.get(variant_id)
    return variant(found) if found else None


def _size_of(info: GraphQLResolveInfo, size_id: int) -> Json | None:
    found = sandbox_of(info).catalogue.sizes.get(size_id)
    return size(found) if found else None


def order_totals(o: Order) -> Json:
    ordered = sum(ln.ordered for ln in o.lines)
    cancelled = sum(ln.cancelled_quantity for ln in o.lines)
    in_shipments = sum(sl.quantity for s in o.shipments for sl in s.lines)
    zero = money(0, o.currency)
    value = sum(ln.unit_price * ln.quantity for ln in o.lines)
    return {
        "quantity": ordered - cancelled,
        "originalQuantity": ordered,
        "cancelledQuantity": cancelled,
        "unexpeditedQuantity": ordered - cancelled - in_shipments,
        "weight": None,
        "lineValues": money(value, o.currency),
        "handling": zero,
        "shipping": zero,
        "shippingTaxAdded": None,
        "shippingTaxDeducted": None,
        "shippingTaxIncluded": None,
        "discounts": zero,
        "taxAdded": zero,
        "taxDeducted": zero,
        "taxIncluded": money(value * 0.2, o.currency),
    }


def _payment_matches(where: filters.Where, e: PaymentEntry) -> bool:
    return (
        filters.one_of(where, "id", e.id)
        and filters.one_of(where, "entryType", e.entry_type)
        and filters.one_of(where, "status", e.status)
        and filters.one_of(where, "externalReference", e.external_reference)
        and filters.within(where, "createdAt", e.created_at)
    )


def payment_history(o: Order) -> Lazy:
    def resolve(_info: GraphQLResolveInfo, where: filters.Where | None = None, **_: Any) -> Any:
        return [payment(o, e) for e in o.payments if _payment_matches(where or {}, e)]

    return guarded(PAYMENT_HISTORY_READ, "read payment history", resolve)


def order(o: Order) -> Json:
    wholesale = o.store_type == "WHOLESALE"

    def lines(
        _info: GraphQLResolveInfo, includeFullyCancelled: bool | None = None, **_: Any
    ) -> list[Json]:
        """Fully cancelled lines are left out unless asked for."""
        return [line(o, ln) for ln in o.lines if includeFullyCancelled or ln.quantity > 0]

    rendered: Json = {
        "__typename": "WholesaleOrder" if wholesale else "DirectToConsumerOrder",
        "id": o.id,
        "number": o.number,
        "status": o.status.value,
        "grandTotal": lambda _info, **_: money(order_value(o), o.currency),
        "createdAt": when(o.created_at),
        "updatedAt": when(o.updated_at),
        "orderDate": when(o.created_at),
        "userIP": None,
        "internalComment": None,
        "otherComment": "",
        "currencyBaseRate": 1.0,
        "billingAddress": guarded(
            ORDER_BILLING_ADDRESS_READ, "read billing addresses", address(o.address)
        ),
        "shippingAddress": guarded(
            ORDER_SHIPPING_ADDRESS_READ, "read shipping addresses", address(o.address)
        ),
        "country": country(o.address.country_code),
        "discountsApplied": [
            {
                "__typename": "AppliedDiscount",
                "value": money(0, o.currency),
                "date": when(o.created_at),
            }
        ],
        "isOnHold": o.is_on_hold,
        "isLocked": False,
        "lines": lines,
        "totals": order_totals(o),
        "store": {**STORE, "type": o.store_type},
        "market": MARKET,
        "shippingPriceGroup": {
            "shippingOption": {
                "id": o.shipping_option.id,
                "name": o.shipping_option.name,
                "uri": o.shipping_option.name.lower().replace(" ", "-"),
            }
        },
        "paymentHistory": payment_history(o),
        "orderHoldReason": o.hold_reason,
        "customer": guarded(CUSTOMER_READ, "read customers", customer(o), PURCHASER_READ),
    }
    if wholesale:
        rendered["purchaseOrderNumber"] = f"PO-{o.number}"
    return rendered


def payment(o: Order, e: PaymentEntry) -> Json:
    return {
        "id": e.id,
        "createdAt": when(e.created_at),
        "status": e.status,
        "entryType": e.entry_type,
        "externalReference": e.external_reference,
        "paymentMethod": e.payment_method,
        "value": money(e.value, e.currency),
        "paramsJSON": e.params_json,
        "source": "sandbox",
        "currencyBaseRate": 1.0,
        "order": lambda _info, **_: order(o),
        "return": None,
        "adminUser": None,
        "storePlugin": None,
        "externalId": None,
    }


# --- shipments ----------------------------------------------------------------------------------


def shipment_line(o: Order, s: Shipment, index: int) -> Json:
    sl = s.lines[index]
    order_line = o.line(sl.order_line_id)
    assert order_line is not None  # createShipment only accepts the order's own lines

    def returned(info: GraphQLResolveInfo) -> int:
        found: list[Return] = sandbox_of(info).returns_of(o.number)
        return sum(rl.quantity for r in found for rl in r.lines if rl.shipment_line_id == sl.id)

    return {
        "id": sl.id,
        "quantity": sl.quantity,
        "returnedQuantity": lambda info, **_: returned(info),
        "invoicedQuantity": 0,
        "lineValue": lambda _info, **_: money(order_line.unit_price * sl.quantity, o.currency),
        "unitPrice": lambda _info, **_: money(order_line.unit_price, o.currency),
        "orderLine": guarded(ORDER_READ, "read order lines", line(o, order_line)),
    }


def shipment(o: Order, s: Shipment) -> Json:
    info = s.shipment_info or {}
    cost = info.get("internalShippingCost")
    carrier, service = info.get("carrier"), info.get("service")
    return {
        "__typename": "DirectToConsumerShipment",
        "id": s.id,
        "number": s.number,
        "createdAt": when(s.created_at),
        "updatedAt": when(s.updated_at or s.created_at),
        "isGoodToGo": s.is_good_to_go,
        "isPrinted": False,
        "isShipped": s.is_shipped,
        "isOnHold": False,
        "trackingNumber": info.get("trackingNumber"),
        "returnTrackingNumber": info.get("returnTrackingNumber"),
        "numberOfPackages": info.get("packagesNumber") or 0,
        "internalShippingCost": money(
            float(cost["value"]) if isinstance(cost, dict) else 0.0, o.currency
        ),
        "grandTotal": lambda _info, **_: money(shipment_value(o, s), o.currency),
        "additionalMessage": s.additional_message,
        "shippedAt": when(s.shipped_at),
        "isPaid": s.is_paid,
        "paidAt": when(s.paid_at),
        "isCaptured": s.captured,
        "capturedAt": when(s.captured_at),
        "capturedValue": money(shipment_value(o, s), o.currency) if s.captured else None,
        "currencyBaseRate": 1.0,
        "usedFallbackTax": False,
        "adminUser": guarded(ADMIN_USER_READ, "read admin users", None),
        "carrierInformation": (
            None
            if carrier is None and service is None
            else {
                "carrierName": carrier,
                "serviceName": service,
                "accountIdentifier": None,
                "taxId": None,
            }
        ),
        "discountsApplied": [],
        "lines": [shipment_line(o, s, i) for i in range(len(s.lines))],
        "shippingAddress": guarded(
            SHIPMENT_SHIPPING_ADDRESS_READ, "read shipment addresses", address(o.address)
        ),
        "shipmentPlugin": guarded(STORE_PLUGIN_READ, "read store plugins", None),
        "order": guarded(ORDER_READ, "read orders", order(o)),
    }


# --- returns, events ----------------------------------------------------------------------------


def return_(o: Order, r: Return) -> Json:
    s = o.shipment(r.shipment_id)
    assert s is not None
    by_id = {sl.id: i for i, sl in enumerate(s.lines)}

    def return_line(index: int) -> Json:
        rl = r.lines[index]
        rendered = shipment_line(o, s, by_id[rl.shipment_line_id])
        order_line = o.line(s.lines[by_id[rl.shipment_line_id]].order_line_id)
        assert order_line is not None
        return {
            "id": rl.id,
            "quantity": rl.quantity,
            "lineValue": lambda _info, **_: money(order_line.unit_price * rl.quantity, o.currency),
            "unitPrice": lambda _info, **_: money(order_line.unit_price, o.currency),
            "orderLine": rendered["orderLine"],
            "shipmentLine": guarded(SHIPMENT_READ, "read shipment lines", rendered),
        }

    value = sum(
        (o.line(s.lines[by_id[rl.shipment_line_id]].order_line_id) or o.lines[0]).unit_price
        * rl.quantity
        for rl in r.lines
    )
    return {
        "__typename": "DirectToConsumerReturn",
        "id": r.id,
        "returnStatus": "COMPLETED" if r.completed else "PENDING",
        "status": "ACTIVE",
        "createdAt": when(r.created_at),
        "totalQuantity": sum(rl.quantity for rl in r.lines),
        "grandTotal": lambda _info, **_: money(value, o.currency),
        "returnedToStock": r.returned_to_stock,
        "comment": r.comment,
        "createdFrom": None,
        "currencyBaseRate": 1.0,
        "lines": [return_line(i) for i in range(len(r.lines))],
        "returnWarehouse": None,
        "store": STORE,
        "refundPaymentHistory": [payment(o, e) for e in o.payments if e.return_id == r.id],
        "usedFallbackTax": False,
        "externalId": None,
        "order": lambda _info, **_: order(o),
        "customer": guarded(CUSTOMER_READ, "read customers", customer(o), PURCHASER_READ),
    }


def event(e: Event) -> Json:
    def target(info: GraphQLResolveInfo, **_: Any) -> Json | None:
        """The object's CURRENT state (not a snapshot); null for DELETED."""
        if e.change_type == "DELETED":
            return None
        return event_target(sandbox_of(info), e.object_type, e.object_reference)

    return {
        "id": e.id,
        "objectType": e.object_type,
        "changeType": e.change_type,
        "objectReference": e.object_reference,
        "createdAt": when(e.created_at),
        "store": STORE,
        "market": MARKET,
        "object": target,
    }


def event_target(sandbox: Any, object_type: str, reference: int) -> Json | None:
    """Event.object: the object's current state, rendered from the sandbox's records."""
    if object_type == "Order" and reference in sandbox.orders:
        return order(sandbox.orders[reference])
    if object_type == "Shipment":
        try:
            found, made = sandbox.shipment(reference)
        except UserError:
            return None
        return shipment(found, made)
    if object_type == "Return" and reference in sandbox.returns:
        record = sandbox.returns[reference]
        return return_(sandbox.order(record.order_number), record)
    if object_type == "Product" and reference in sandbox.catalogue.products:
        return {"__typename": "Product", **product(sandbox.catalogue.products[reference])}
    sized = sandbox.catalogue.sizes.get(reference)
    if object_type == "ProductSize" and sized is not None:
        return {"__typename": "ProductSize", **size(sized)}
    return None


def listener(integration: str, x: Listener) -> Json:
    return {
        "integrationName": integration,
        "objectType": x.object_type,
        "changeTypes": sorted(x.change_types),
        "createdAt": when(x.created_at),
        "updatedAt": when(x.updated_at),
    }
