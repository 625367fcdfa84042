"""The simulated Centra's records: orders, lines, shipments. Quantities on lines and shipments
are the source of truth; order status is derived from them (see lifecycle.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sandbox.centra.catalogue import ShippingOption

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    ARCHIVED = "ARCHIVED"
    CANCELLED = "CANCELLED"


@dataclass
class Address:
    first_name: str
    last_name: str
    company_name: str | None
    address1: str
    address2: str | None
    city: str
    zip_code: str
    state_or_province: str | None
    country_code: str
    email: str
    phone_number: str


@dataclass
class OrderLine:
    id: int
    sku: str
    gtin: str
    product_name: str
    product_number: str
    size_number: str
    quantity: int
    unit_price: float
    cancelled_quantity: int = 0
    shipped_quantity: int = 0  # in completed shipments only, as Centra counts it


@dataclass
class ShipmentLine:
    id: int
    order_line_id: int
    quantity: int


@dataclass
class Shipment:
    id: int
    number: str
    order_number: int
    created_at: datetime
    lines: list[ShipmentLine]
    is_good_to_go: bool
    is_paid: bool = False
    captured: bool = False
    is_shipped: bool = False
    shipped_at: datetime | None = None
    shipment_info: dict[str, object] | None = None
    send_email: bool = False


@dataclass
class Order:
    id: str
    number: int
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    currency: str
    address: Address
    shipping_option: ShippingOption
    lines: list[OrderLine]
    is_on_hold: bool = False
    is_waiting_for_payment: bool = False
    capture_fails: bool = False  # scenario: the payment provider declines every capture
    shipments: list[Shipment] = field(default_factory=list)

    def line(self, line_id: int) -> OrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)
