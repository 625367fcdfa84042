"""The seller's orders as the simulator keeps them: one record per order, rendered into
either API version on the way out. Quantities per item are the source of truth for status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class OrderStatus(StrEnum):
    """Orders v0 OrderStatus values (v2026 uses the upper-case names in V2026_STATUS)."""

    PENDING = "Pending"
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    CANCELED = "Canceled"


V2026_STATUS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "PENDING",
    OrderStatus.UNSHIPPED: "UNSHIPPED",
    OrderStatus.PARTIALLY_SHIPPED: "PARTIALLY_SHIPPED",
    OrderStatus.SHIPPED: "SHIPPED",
    OrderStatus.CANCELED: "CANCELLED",
}


class FulfillmentChannel(StrEnum):
    MFN = "MFN"  # merchant fulfilled: the seller (via GXO) ships and confirms
    AFN = "AFN"  # fulfilled by Amazon: never confirmed by the seller


class ShipAddress(BaseModel):
    """Fake personal data; it is served only through the address-bearing endpoints."""

    name: str
    line1: str
    line2: str | None = None
    city: str
    state_or_region: str | None = None
    postal_code: str
    country_code: str
    phone: str | None = None
    company: str | None = None
    residential: bool = True


class SandboxItem(BaseModel):
    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity_ordered: int = Field(ge=1)
    quantity_shipped: int = Field(default=0, ge=0)
    unit_price: Decimal
    currency: str
    transparency: bool = False  # ASIN enrolled in Transparency: confirmShipment needs codes
    # A seller-funded promotion: taken off each unit's price (Orders API PromotionDiscount /
    # proceeds DISCOUNT; the settlement's Promotion row), named by `promotion_id`.
    unit_promotion: Decimal = Decimal(0)
    promotion_id: str | None = None

    @property
    def charge(self) -> Decimal:
        """What the buyer pays for the item: price less promotion, every unit ordered."""
        return (self.unit_price - self.unit_promotion) * self.quantity_ordered

    @property
    def remaining(self) -> int:
        return self.quantity_ordered - self.quantity_shipped


class Package(BaseModel):
    """One confirmed parcel, keyed by the seller's packageReferenceId."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None = None
    shipping_method: str | None = None
    tracking_number: str
    ship_date: datetime
    items: dict[str, int]  # orderItemId -> quantity
    transparency_codes: dict[str, int] = Field(default_factory=dict)  # orderItemId -> codes sent
    created_at: datetime
    updated_at: datetime


class Cancellation(BaseModel):
    buyer_requested: bool
    reason: str | None = None
    requested_at: datetime
    executed: bool  # False while only requested (the order is still open)


class SandboxOrder(BaseModel):
    order_id: str
    seller_id: str
    marketplace_id: str
    status: OrderStatus
    fulfillment_channel: FulfillmentChannel
    purchase_date: datetime
    last_update_date: datetime
    ship_service_level: str
    service_level_category: str  # v0 ShipmentServiceLevelCategory: Standard, Expedited, ...
    is_prime: bool = False
    is_business: bool = False
    ship_plus: bool = False  # FBM Ship+: shipped on a Buy Shipping label, never confirmShipment
    earliest_ship_date: datetime
    latest_ship_date: datetime
    earliest_delivery_date: datetime
    latest_delivery_date: datetime
    buyer_email: str
    buyer_name: str
    address: ShipAddress
    items: list[SandboxItem] = Field(min_length=1)
    packages: dict[str, Package] = Field(default_factory=dict)
    cancellation: Cancellation | None = None
    release_at: datetime | None = None  # automatic Pending -> Unshipped

    @property
    def currency(self) -> str:
        return self.items[0].currency

    @property
    def total(self) -> Decimal:
        """OrderTotal: what the buyer pays (the sandbox charges no shipping or tax)."""
        return sum((i.charge for i in self.items), Decimal("0"))

    def item(self, order_item_id: str) -> SandboxItem | None:
        return next((i for i in self.items if i.order_item_id == order_item_id), None)


class Confirmation(BaseModel):
    """An accepted confirmShipment call, recorded for tests and the demo."""

    order_id: str
    package_reference_id: str
    items: dict[str, int]
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: datetime
    at: datetime
    edited: bool  # True when it replaced an earlier package with the same reference
