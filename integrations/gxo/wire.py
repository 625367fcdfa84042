"""The GXO REST/JSON wire format: the bodies consign sends and receives, nothing else.

These models are the contract (docs/gxo-interface.md; JSON Schema in docs/gxo-wire-schema.json,
generated from here by `python -m integrations.gxo.schema`). They are separate from domain/ on
purpose: the domain may change shape without changing what goes over the wire, and
integrations/gxo/mapping.py says field by field how one becomes the other. What consign sends
is strict (unknown fields are refused, so a typo cannot pass); what it reads ignores fields it
does not know, so GXO may add some without breaking consign.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OrderStatus = Literal[
    "RECEIVED", "RELEASED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "REJECTED"
]
RejectionCode = Literal[
    "UNKNOWN_ITEM",
    "UNKNOWN_FACILITY",
    "INVALID_ADDRESS",
    "UNKNOWN_CARRIER_SERVICE",
    "MISSING_CUSTOMS_DATA",
    "INVALID_QUANTITY",
    "INVALID_ITEM",
]
ItemStatus = Literal["PENDING", "ACTIVE", "INACTIVE", "REJECTED"]
CancelOutcome = Literal["CANCELLED", "TOO_LATE", "NOT_FOUND"]
EventKind = Literal["DISPATCH", "REJECTED", "CANCELLED"]
StockChangeKind = Literal[
    "RECEIPT", "ADJUSTMENT", "ALLOCATION", "DEALLOCATION", "SHIPMENT", "RETURN"
]
UnitOfMeasure = Literal["EA"]  # whole units; X12 W01-02 / W12-05
# The largest count consign stores (PostgreSQL INTEGER): a figure GXO sends above it is outside
# the contract and its record is set aside, never a store write that fails on every retry.
MAX_UNITS = 2**31 - 1


class Sent(BaseModel):
    """A body consign sends: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class Received(BaseModel):
    """A body consign reads: fields it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")


# ---- 940: inject ---------------------------------------------------------------------------


class Address(Sent):
    """Ship-to (940 N1*ST, N3, N4, PER). Personal data: only ever in the inject body."""

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


class Customs(Sent):
    """Per-line customs declaration, required when the destination is outside the zone."""

    hs_code: str = Field(min_length=1)
    country_of_origin: str = Field(min_length=2, max_length=2)
    description: str = Field(min_length=1)
    unit_value: Decimal
    currency: str = Field(min_length=3, max_length=3)


class OrderLine(Sent):
    line_number: int = Field(ge=1)
    item_code: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    unit_of_measure: UnitOfMeasure = "EA"
    channel_line_id: str = Field(min_length=1)
    lot: str | None = None  # a lot the warehouse must pick from; consign never asks for one
    customs: Customs | None = None


class OrderRequest(Sent):
    """POST /v1/orders: a warehouse shipping order (940)."""

    facility_id: str = Field(min_length=1)
    reference: str = Field(min_length=1, max_length=22)  # X12 W05-02: AN 1/22
    channel_order_id: str | None = Field(default=None, min_length=1, max_length=22)  # W05-03
    channel: str = Field(min_length=1)
    account: str = Field(min_length=1)
    carrier_service_code: str = Field(min_length=1)
    ship_to: Address
    ship_by: datetime | None = None
    is_international: bool = False
    lines: list[OrderLine] = Field(min_length=1)


# ---- 888: item master ----------------------------------------------------------------------


class ItemRequest(Sent):
    """PUT /v1/facilities/{facility_id}/items/{item_code}: create or change an item (888)."""

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


class OrderAccepted(Received):
    """201 (new) or 200 (`duplicate`: the reference was already known at the facility)."""

    warehouse_order_id: str = Field(min_length=1)
    status: OrderStatus
    duplicate: bool = False


class Rejection(Received):
    code: RejectionCode
    message: str
    line_number: int | None = None


class ItemState(Received):
    """An item's state at a facility: the PUT's answer (202 PENDING, 200 otherwise) and GET's."""

    facility_id: str
    item_code: str
    status: ItemStatus
    revision: int = Field(ge=1)
    updated_at: datetime
    rejection: Rejection | None = None


class ErrorDetail(Received):
    status: int
    reason: str
    message: str = ""
    rejection: Rejection | None = None


class ErrorBody(Received):
    """Every non-2xx answer but the cancel outcomes."""

    error: ErrorDetail


class CancelResult(Received):
    """POST .../cancel: 200 CANCELLED, 409 TOO_LATE, 404 NOT_FOUND."""

    outcome: CancelOutcome
    warehouse_order_id: str | None = None
    status: OrderStatus | None = None


# ---- 945: dispatches and order state ----------------------------------------------------------


class ParcelLine(Received):
    line_number: int = Field(ge=1)
    item_code: str = Field(min_length=1)
    channel_line_id: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=MAX_UNITS)
    unit_of_measure: UnitOfMeasure = "EA"
    lot: str | None = None  # the warehouse lot the units came from (945 W12-09)


class Parcel(Received):
    """One carton (945 LX loop): its own id, the carrier's tracking number, optionally its
    SSCC-18 label and gross weight."""

    parcel_id: str = Field(min_length=1)  # stable across re-sends
    tracking_number: str = Field(min_length=1)
    carrier_service_code: str = Field(min_length=1)
    shipped_at: datetime
    lines: list[ParcelLine] = Field(min_length=1)
    sscc: str | None = Field(default=None, pattern=r"^[0-9]{18}$")
    weight_kg: Decimal | None = Field(default=None, ge=0)


class OrderState(Received):
    """GET /v1/facilities/{facility_id}/orders/{reference}."""

    warehouse_order_id: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    channel_order_id: str | None = None
    facility_id: str = Field(min_length=1)
    status: OrderStatus
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None


class Event(Received):
    """One warehouse event, in the feed and as a webhook push body."""

    event_id: str = Field(min_length=1)
    sequence: int = Field(ge=1)
    kind: EventKind
    facility_id: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    channel_order_id: str | None = None  # echoed when the order carried one
    channel: str = Field(min_length=1)
    account: str = Field(min_length=1)
    warehouse_order_id: str = Field(min_length=1)
    shipment_id: str | None = None  # DISPATCH: unique per shipment (945 W06-04)
    order_status: OrderStatus
    occurred_at: datetime
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None


# ---- 180 / 944: returns ---------------------------------------------------------------------

ReturnStatus = Literal["EXPECTED", "PARTIALLY_RECEIVED", "RECEIVED"]


class ReturnNoticeLine(Sent):
    """One authorised line (180 LX loop: W07 item, quantity, N9 the channel's return line)."""

    line_number: int = Field(ge=1)
    channel_line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    item_code: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    unit_of_measure: UnitOfMeasure = "EA"


class ReturnNoticeRequest(Sent):
    """POST /v1/returns: a return notice (X12 180), idempotent on (facility_id, rma)."""

    facility_id: str = Field(min_length=1)
    rma: str = Field(min_length=1, max_length=30)  # 180 BGN-02: AN 1/30
    channel: str = Field(min_length=1)
    account: str = Field(min_length=1)
    channel_order_id: str = Field(min_length=1)  # 180 N9 original order
    lines: list[ReturnNoticeLine] = Field(min_length=1)


class ReturnNoticeAccepted(Received):
    """201 (new) or 200 (`duplicate`: the facility already holds the RMA)."""

    return_id: str = Field(min_length=1)
    status: ReturnStatus
    duplicate: bool = False


class ReceiptLine(Received):
    """One inspected line (944 W07, the disposition GXO's inspection gave). The disposition is
    text: one consign has no policy for is a named exception, not an unreadable record."""

    line_number: int = Field(ge=1)
    item_code: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=MAX_UNITS)
    unit_of_measure: UnitOfMeasure = "EA"
    disposition: str = Field(min_length=1, max_length=40)


class ReturnReceipt(Received):
    receipt_id: str = Field(min_length=1)
    rma: str | None = None  # None: a parcel GXO could not match to a notice
    channel: str | None = None
    account: str | None = None
    channel_order_id: str | None = None
    received_at: datetime
    lines: list[ReceiptLine] = Field(min_length=1)


class ReturnEvent(Received):
    """RETURN_RECEIVED in the event feed (and as a push): one receipt."""

    event_id: str = Field(min_length=1)
    sequence: int = Field(ge=1)
    kind: Literal["RETURN_RECEIVED"]
    facility_id: str = Field(min_length=1)
    occurred_at: datetime
    receipt: ReturnReceipt


class EventPage(Received):
    """GET .../events: order events and return receipts, by the facility's one cursor."""

    events: list[Event | ReturnEvent]
    next_cursor: int = Field(ge=0)


# ---- 846 / 944 / 947: stock ----------------------------------------------------------------


class StockLevel(Received):
    facility_id: str = Field(min_length=1)
    item_code: str = Field(min_length=1)
    on_hand: int = Field(ge=0, le=MAX_UNITS)
    allocated: int = Field(default=0, ge=0, le=MAX_UNITS)


class InventorySnapshot(Received):
    facility_id: str = Field(min_length=1)
    as_of: datetime
    cursor: int = Field(ge=0)
    levels: list[StockLevel]


class StockChange(Received):
    sequence: int = Field(ge=1)
    facility_id: str = Field(min_length=1)
    item_code: str = Field(min_length=1)
    kind: StockChangeKind
    quantity: int = Field(ge=-MAX_UNITS, le=MAX_UNITS)
    on_hand_after: int = Field(ge=0, le=MAX_UNITS)
    allocated_after: int = Field(ge=0, le=MAX_UNITS)
    reference: str | None = None  # the order's reference, for allocations and shipments
    channel_order_id: str | None = None
    channel: str | None = None
    account: str | None = None
    at: datetime


class StockChangePage(Received):
    changes: list[StockChange]
    next_cursor: int = Field(ge=0)
