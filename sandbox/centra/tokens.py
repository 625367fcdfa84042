"""Integration API tokens and the permissions each carries, named as Centra documents them
(nested permissions are named after the field). A call touching a field the token lacks
permission for fails that field, not the request."""

from __future__ import annotations

import os

DEFAULT_TOKEN_ENV = "CENTRA_API_TOKEN"
DEFAULT_TOKEN = "sandbox-centra-token"

ORDER_READ = "Order:read"
ORDER_WRITE = "Order:write"
ORDER_SHIPPING_ADDRESS_READ = "Order.shippingAddress:read"
ORDER_BILLING_ADDRESS_READ = "Order.billingAddress:read"
CUSTOMER_READ = "Customer:read"
PURCHASER_READ = "Purchaser:read"  # the 2022-23 examples' name for the customer
SHIPMENT_READ = "Shipment:read"
SHIPMENT_WRITE = "Shipment:write"
SHIPMENT_SHIPPING_ADDRESS_READ = "Shipment.shippingAddress:read"
STORE_PLUGIN_READ = "StorePlugin:read"
ADMIN_USER_READ = "AdminUser:read"
PAYMENT_HISTORY_READ = "PaymentHistory:read"
RETURN_READ = "Return:read"
RETURN_WRITE = "Return:write"
EVENT_READ = "Event:read"
EVENT_WRITE = "Event:write"
STOCK_CHANGE_WRITE = "StockChange:write"
STOCK_CHANGE_READ = "StockChange:read"
PRODUCT_SIZE_STOCK_READ = "ProductSize.stock:read"
PRODUCT_SIZE_STOCK_TOTALS_READ = "ProductSize.stockTotals:read"
WAREHOUSE_READ = "Warehouse:read"
WAREHOUSE_STOCK_READ = "Warehouse.stock:read"
PRODUCT_READ = "Product:read"
PRODUCT_COUNTRY_OF_ORIGIN_READ = "Product.countryOfOrigin:read"

ALL_PERMISSIONS: frozenset[str] = frozenset(
    {
        ORDER_READ,
        ORDER_WRITE,
        ORDER_SHIPPING_ADDRESS_READ,
        ORDER_BILLING_ADDRESS_READ,
        CUSTOMER_READ,
        PURCHASER_READ,
        SHIPMENT_READ,
        SHIPMENT_WRITE,
        SHIPMENT_SHIPPING_ADDRESS_READ,
        STORE_PLUGIN_READ,
        ADMIN_USER_READ,
        PAYMENT_HISTORY_READ,
        RETURN_READ,
        RETURN_WRITE,
        EVENT_READ,
        EVENT_WRITE,
        STOCK_CHANGE_WRITE,
        STOCK_CHANGE_READ,
        PRODUCT_SIZE_STOCK_READ,
        PRODUCT_SIZE_STOCK_TOTALS_READ,
        WAREHOUSE_READ,
        WAREHOUSE_STOCK_READ,
        PRODUCT_READ,
        PRODUCT_COUNTRY_OF_ORIGIN_READ,
    }
)


def default_token() -> str:
    return os.environ.get(DEFAULT_TOKEN_ENV, DEFAULT_TOKEN)


class TokenRegistry:
    """Bearer token (or the `graphql-access` cookie) -> permissions."""

    def __init__(self, tokens: dict[str, frozenset[str]] | None = None) -> None:
        self.tokens: dict[str, frozenset[str]] = (
            dict(tokens) if tokens is not None else {default_token(): ALL_PERMISSIONS}
        )

    def add(self, token: str, permissions: frozenset[str]) -> None:
        self.tokens[token] = permissions

    def permissions(
        self, authorization: str | None, cookie: str | None = None
    ) -> tuple[str, frozenset[str]] | None:
        """The token and its permissions, or None (401)."""
        scheme, _, token = (authorization or "").partition(" ")
        candidate = token.strip() if scheme.lower() == "bearer" else (cookie or "").strip()
        if candidate not in self.tokens:
            return None
        return candidate, self.tokens[candidate]
