"""The simulated Centra's records: orders, lines, shipments, payment history, returns. Quantities
on lines and shipments are the source of truth; order status is derived from them (see
lifecycle.py). Field names here are the sandbox's own (the admin API dumps them); the GraphQL
shapes are made in render.py."""

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


class PaymentFlow(StrEnum):
    """How the order's payment provider captures: at once (CAPTURE/SUCCESS), or asynchronously
    like Adyen and Klarna (CAPTURE_REQUEST/PENDING, settled later by the provider's webhook)."""

    SYNCHRONOUS = "synchronous"
    ASYNCHRONOUS = "asynchronous"


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
    phone_number: str | None
    cell_phone_number: str | None = None


@dataclass
class OrderLine:
    id: int
    size_id: int
    sku: str
    gtin: str
    product_name: str
    product_number: str
    size_number: str
    ordered: int  # units ordered, cancelled ones included (Centra's quantity excludes them)
    unit_price: float
    product_id: int = 0
    variant_id: int = 0
    variant_name: str = ""
    size_name: str = ""
    tax_percent: float = 25.0
    cancelled_quantity: int = 0
    shipped_quantity: int = 0  # units in completed shipments: the sandbox's bookkeeping only

    @property
    def quantity(self) -> int:
        return self.ordered - self.cancelled_quantity


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
    updated_at: datetime | None = None
    is_paid: bool = False
    paid_at: datetime | None = None
    captured: bool = False
    captured_at: datetime | None = None
    is_shipped: bool = False
    shipped_at: datetime | None = None
    shipment_info: dict[str, object] | None = None  # what ShipmentInfoInput last set
    additional_message: str | None = None
    send_email: bool = False


@dataclass
class PaymentEntry:
    """One paymentHistory entry. `shipment_id` is the sandbox's own link (Centra's entries do not
    name a shipment), used to settle asynchronous captures."""

    id: int
    order_number: int
    created_at: datetime
    entry_type: str  # PaymentHistoryEntryType
    status: str  # SUCCESS / PENDING / FAILED
    value: float
    currency: str
    external_reference: str
    payment_method: str
    params_json: str | None = None
    shipment_id: int | None = None
    return_id: int | None = (
        None  # REFUND entries: the return refunded (Return.refundPaymentHistory)
    )


@dataclass
class ReturnLine:
    id: int
    shipment_line_id: int
    quantity: int


@dataclass
class Return:
    id: int
    order_number: int
    shipment_id: int
    created_at: datetime
    lines: list[ReturnLine]
    completed: bool = False
    comment: str | None = None
    returned_to_stock: bool = False
    refunded: bool = False


@dataclass
class Order:
    id: str  # the hash Centra calls Order.id
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
    payment_flow: PaymentFlow = PaymentFlow.SYNCHRONOUS
    payment_method: str = "card"
    capture_fails: bool = False  # scenario: the payment provider declines every capture
    refund_fails: bool = False  # scenario: the payment provider refuses every refund
    store_type: str = "DIRECT_TO_CONSUMER"
    shipments: list[Shipment] = field(default_factory=list)
    payments: list[PaymentEntry] = field(default_factory=list)

    def line(self, line_id: int) -> OrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)

    def shipment(self, shipment_id: int) -> Shipment | None:
        return next((s for s in self.shipments if s.id == shipment_id), None)

    @property
    def hold_reason(self) -> str | None:
        return "WAITING_FOR_PAYMENT" if self.is_waiting_for_payment else None
