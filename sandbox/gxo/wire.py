"""The simulator's side of the GXO REST/JSON contract: what it accepts and what it emits.

Written from docs/gxo-interface.md, independently of consign's client models: the sandbox plays
the warehouse, so sharing classes with the client would hide drift. tests/contracts/gxo checks
what this side emits and accepts against the committed schema (docs/gxo-wire-schema.json).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OrderStatus(StrEnum):
    RECEIVED = "RECEIVED"
    RELEASED = "RELEASED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


class RejectionCode(StrEnum):
    UNKNOWN_ITEM = "UNKNOWN_ITEM"
    UNKNOWN_FACILITY = "UNKNOWN_FACILITY"
    INVALID_ADDRESS = "INVALID_ADDRESS"
    UNKNOWN_CARRIER_SERVICE = "UNKNOWN_CARRIER_SERVICE"
    MISSING_CUSTOMS_DATA = "MISSING_CUSTOMS_DATA"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_ITEM = "INVALID_ITEM"  # an item master record the WMS refuses (888 / 832)


class CancelOutcome(StrEnum):
    CANCELLED = "CANCELLED"
    TOO_LATE = "TOO_LATE"
    NOT_FOUND = "NOT_FOUND"


class EventKind(StrEnum):
    DISPATCH = "DISPATCH"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class ItemStatus(StrEnum):
    """An item master record's state at one facility."""

    PENDING = "PENDING"  # received, loaded into the WMS at the end of the next cycle
    ACTIVE = "ACTIVE"  # orders and stock accepted
    INACTIVE = "INACTIVE"  # known, but orders for it are refused
    REJECTED = "REJECTED"  # the WMS refused the record when loading it


class Movement(StrEnum):
    """Why a stock level moved (the stock-change feed's `kind`)."""

    RECEIPT = "RECEIPT"
    ADJUSTMENT = "ADJUSTMENT"
    ALLOCATION = "ALLOCATION"
    DEALLOCATION = "DEALLOCATION"
    SHIPMENT = "SHIPMENT"
    RETURN = "RETURN"


class _Inbound(BaseModel):
    """A 940 the gateway reads: a field the contract does not define is a 400."""

    model_config = ConfigDict(extra="forbid")


class ShipTo(_Inbound):
    name: str
    company: str | None = None
    line1: str
    line2: str | None = None
    line3: str | None = None
    city: str
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str = Field(min_length=2, max_length=2)
    phone: str | None = None


class CustomsDeclaration(_Inbound):
    hs_code: str = Field(min_length=1)
    country_of_origin: str = Field(min_length=2, max_length=2)
    description: str = Field(min_length=1)
    unit_value: Decimal
    currency: str = Field(min_length=3, max_length=3)


class ShippingOrderLine(_Inbound):
    line_number: int = Field(ge=1)
    item_code: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    unit_of_measure: str = Field(default="EA", pattern="^EA$")
    channel_line_id: str = Field(min_length=1)
    lot: str | None = None
    customs: CustomsDeclaration | None = None


class ShippingOrder(_Inbound):
    """POST /v1/orders. `reference` (W05-02) is the depositor's key, unique per facility."""

    facility_id: str = Field(min_length=1)
    reference: str = Field(min_length=1, max_length=22)
    channel_order_id: str | None = Field(default=None, min_length=1, max_length=22)
    channel: str = Field(min_length=1)
    account: str = Field(min_length=1)
    carrier_service_code: str = Field(min_length=1)
    ship_to: ShipTo
    ship_by: datetime | None = None
    is_international: bool = False
    lines: list[ShippingOrderLine] = Field(min_length=1)


class ItemRecord(_Inbound):
    """PUT /v1/facilities/{facility_id}/items/{item_code}: an item master record (888)."""

    item_code: str = Field(min_length=1, max_length=48)
    description: str = Field(min_length=1, max_length=80)
    sku: str | None = None
    ean: str | None = None
    upc: str | None = None
    hs_code: str | None = None
    country_of_origin: str | None = Field(default=None, min_length=2, max_length=2)
    weight_kg: Decimal | None = Field(default=None, ge=0)
    length_cm: Decimal | None = Field(default=None, ge=0)
    width_cm: Decimal | None = Field(default=None, ge=0)
    height_cm: Decimal | None = Field(default=None, ge=0)
    active: bool = True


# ---- what the warehouse answers and reports --------------------------------------------------


class Rejection(BaseModel):
    code: RejectionCode
    message: str
    line_number: int | None = None


class Accepted(BaseModel):
    warehouse_order_id: str
    status: OrderStatus
    duplicate: bool = False


class ItemView(BaseModel):
    """An item master record's state at a facility: the PUT's answer and the GET's body."""

    facility_id: str
    item_code: str
    status: ItemStatus
    revision: int
    updated_at: datetime
    rejection: Rejection | None = None


class CancelAnswer(BaseModel):
    outcome: CancelOutcome
    warehouse_order_id: str | None
    status: OrderStatus | None


class CartonLine(BaseModel):
    line_number: int
    item_code: str
    channel_line_id: str
    quantity: int
    unit_of_measure: str = "EA"
    lot: str | None = None


class Carton(BaseModel):
    """One parcel of a dispatch."""

    parcel_id: str
    tracking_number: str
    carrier_service_code: str
    shipped_at: datetime
    lines: list[CartonLine]
    sscc: str | None = None
    weight_kg: Decimal | None = None


class OrderView(BaseModel):
    warehouse_order_id: str
    reference: str
    channel_order_id: str | None
    facility_id: str
    status: OrderStatus
    parcels: list[Carton]
    rejection: Rejection | None


class WarehouseEvent(BaseModel):
    event_id: str
    sequence: int
    kind: EventKind
    facility_id: str
    reference: str
    channel_order_id: str | None
    channel: str
    account: str
    warehouse_order_id: str
    shipment_id: str | None = None
    order_status: OrderStatus
    occurred_at: datetime
    parcels: list[Carton] = Field(default_factory=list)
    rejection: Rejection | None = None


class ReturnLineView(BaseModel):
    """One line of a return notice (180 LX/W07 loop), as GXO keeps it."""

    line_number: int = Field(ge=1)
    channel_line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    item_code: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    unit_of_measure: str = "EA"


class ReturnAuthorisation(BaseModel):
    """POST /v1/returns: a return notice (X12 180), idempotent on (facility_id, rma)."""

    model_config = ConfigDict(extra="forbid")

    facility_id: str = Field(min_length=1)
    rma: str = Field(min_length=1, max_length=30)
    channel: str = Field(min_length=1)
    account: str = Field(min_length=1)
    channel_order_id: str = Field(min_length=1)
    lines: list[ReturnLineView] = Field(min_length=1)


class ReturnStatus(StrEnum):
    EXPECTED = "EXPECTED"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"


class ReturnAccepted(BaseModel):
    return_id: str
    status: ReturnStatus
    duplicate: bool = False


class ReceivedLine(BaseModel):
    """One inspected line of a receipt (944 W07 with the disposition GXO's inspection gave)."""

    line_number: int
    item_code: str
    quantity: int
    unit_of_measure: str = "EA"
    disposition: str


class ReturnReceiptView(BaseModel):
    receipt_id: str
    rma: str | None  # None: a parcel GXO could not match to any notice
    channel: str | None
    account: str | None
    channel_order_id: str | None
    received_at: datetime
    lines: list[ReceivedLine]


class ReturnView(BaseModel):
    """GET /v1/facilities/{facility_id}/returns/{rma}: the notice, its status and receipts."""

    return_id: str
    facility_id: str
    rma: str
    status: ReturnStatus
    lines: list[ReturnLineView]
    receipts: list[ReturnReceiptView]


class ReturnEvent(BaseModel):
    """RETURN_RECEIVED in the facility's event feed: one receipt."""

    event_id: str
    sequence: int
    kind: Literal["RETURN_RECEIVED"] = "RETURN_RECEIVED"
    facility_id: str
    occurred_at: datetime
    receipt: ReturnReceiptView


FeedEvent = WarehouseEvent | ReturnEvent


class EventFeedPage(BaseModel):
    events: list[FeedEvent]
    next_cursor: int


class StockLevel(BaseModel):
    """One item's levels: in the 846 snapshot, and the admin view of live stock."""

    facility_id: str
    item_code: str
    on_hand: int = Field(ge=0)
    allocated: int = Field(default=0, ge=0)


class Snapshot(BaseModel):
    facility_id: str
    as_of: datetime
    cursor: int
    levels: list[StockLevel]


class StockMove(BaseModel):
    sequence: int
    facility_id: str
    item_code: str
    kind: Movement
    quantity: int
    on_hand_after: int
    allocated_after: int
    reference: str | None = None
    channel_order_id: str | None = None
    channel: str | None = None
    account: str | None = None
    at: datetime


class StockFeedPage(BaseModel):
    changes: list[StockMove]
    next_cursor: int
