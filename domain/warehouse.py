"""The warehouse port's data: what consign sends to GXO and what GXO sends back.

Field meanings follow X12 940 (warehouse shipping order) and 945 (warehouse shipping advice), so
a REST/JSON transport and an EDI transport map 1:1. docs/gxo-interface.md is the contract.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.order import Channel, ShipTo


class CustomsInfo(BaseModel):
    """Per-line customs data, required when the destination is outside the facility's zone."""

    hs_code: str
    country_of_origin: str = Field(min_length=2, max_length=2)
    description: str
    unit_value: Decimal
    currency: str = Field(min_length=3, max_length=3)


class WarehouseOrderLine(BaseModel):
    line_number: int = Field(ge=1)  # 940 LX assigned number
    item_code: str  # 940 W01-05 (vendor's item number at the warehouse)
    quantity: int = Field(ge=1)  # 940 W01-01, integer units
    channel_line_id: str  # 940 N9 reference back to the channel line (Amazon orderItemId)
    customs: CustomsInfo | None = None


class WarehouseOrder(BaseModel):
    """An order injected into GXO (940). `reference` is the channel order id (W05-02)."""

    facility_id: str  # 940 N1*WH ship-from warehouse
    reference: str  # 940 W05-02 depositor order number = channel order id
    channel: Channel  # 940 N9 references, echoed back on every event
    account: str
    carrier_service_code: str  # 940 W66-10 / TD5 routing
    ship_to: ShipTo  # 940 N1*ST
    ship_by: datetime | None = None  # 940 G62 requested ship date
    is_international: bool = False
    lines: list[WarehouseOrderLine] = Field(min_length=1)


class WarehouseOrderStatus(StrEnum):
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


class Rejection(BaseModel):
    code: RejectionCode
    message: str
    line_number: int | None = None


class InjectionResult(BaseModel):
    warehouse_order_id: str
    status: WarehouseOrderStatus
    duplicate: bool = False  # True when the reference was already known (idempotent re-send)


class CancelOutcome(StrEnum):
    CANCELLED = "CANCELLED"
    TOO_LATE = "TOO_LATE"  # already picked or shipped: the warehouse cannot stop it
    NOT_FOUND = "NOT_FOUND"


class ParcelLine(BaseModel):
    line_number: int = Field(ge=1)  # 945 LX
    item_code: str  # 945 W12-08
    channel_line_id: str  # echoed N9 reference
    quantity: int = Field(ge=1)  # 945 W12-02 units shipped in this parcel


class Parcel(BaseModel):
    """One carton/package of a dispatch (945 MAN marks + tracking)."""

    parcel_id: str  # unique per warehouse order and parcel; stable across re-sends
    tracking_number: str  # 945 MAN*CP / REF*2I
    carrier_service_code: str  # 945 W27
    shipped_at: datetime  # 945 G62*11
    lines: list[ParcelLine] = Field(min_length=1)


class WarehouseEventKind(StrEnum):
    DISPATCH = "DISPATCH"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class WarehouseEvent(BaseModel):
    """A warehouse event, pulled by cursor or pushed to our webhook; may arrive twice or late."""

    event_id: str
    sequence: int  # the facility's monotonic cursor
    kind: WarehouseEventKind
    facility_id: str
    reference: str  # the channel order id
    channel: Channel
    account: str
    warehouse_order_id: str
    order_status: WarehouseOrderStatus
    occurred_at: datetime
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None


class WarehouseOrderState(BaseModel):
    """The warehouse's view of one order: used to chase a dispatch we may have missed."""

    warehouse_order_id: str
    reference: str
    facility_id: str
    status: WarehouseOrderStatus
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None


class EventPage(BaseModel):
    events: list[WarehouseEvent]
    next_cursor: int
