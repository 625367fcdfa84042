"""The warehouse port's data: what consign sends to GXO and what GXO sends back.

Field meanings follow X12 940 (warehouse shipping order) and 945 (warehouse shipping advice), so
a REST/JSON transport and an EDI transport map 1:1. docs/gxo-interface.md is the contract.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.order import Channel, OrderRef, ShipTo
from domain.returns import ReturnReceivedEvent
from domain.setaside import SetAsideRecord

REFERENCE_MAX_LENGTH = 22  # X12 W05-02 / W06-02: AN 1/22
ACCOUNT_TAG_LENGTH = 3


def _base32(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()


def account_tag(channel: Channel, account: str) -> str:
    """The channel's initial and three base32 characters of a hash of (channel, account): the
    same account always gets the same tag; two accounts of one channel share one with a
    chance of 1 in 32,768 (docs/gxo-interface.md, "Order identity")."""
    return channel[0].upper() + _base32(f"{channel}:{account}")[:ACCOUNT_TAG_LENGTH]


def warehouse_reference(ref: OrderRef) -> str:
    """The depositor order number GXO deduplicates on (940 W05-02), unique per channel,
    account and order: `<tag>-<order id without dashes>`, e.g. `CQ3Z-1042` or
    `AK7M-20512345671234567`. An order id too long for W05-02 is replaced by its hash. GXO
    also gets the channel order id itself (W05-03) and echoes both on every event."""
    tag = account_tag(ref.channel, ref.account)
    body = ref.order_id.replace("-", "")
    room = REFERENCE_MAX_LENGTH - len(tag) - 1
    if not body or len(body) > room:
        body = _base32(ref.order_id)[:room]
    return f"{tag}-{body}"


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
    channel_line_id: str  # 940 N9 reference back to the channel line (the channel's line id)
    customs: CustomsInfo | None = None


class WarehouseOrder(BaseModel):
    """An order injected into GXO (940). `reference` is what GXO deduplicates on (W05-02);
    plans made before references were per account (channel_order_id None) used the channel
    order id itself, and keep it for the life of their order."""

    facility_id: str  # 940 N1*WH ship-from warehouse
    reference: str  # 940 W05-02 depositor order number (warehouse_reference)
    channel: Channel  # 940 N9 references, echoed back on every event
    account: str
    channel_order_id: str | None = None  # 940 W05-03; None: the reference is the order id
    carrier_service_code: str  # 940 W66-10 / TD5 routing
    ship_to: ShipTo  # 940 N1*ST
    ship_by: datetime | None = None  # 940 G62 requested ship date
    is_international: bool = False
    lines: list[WarehouseOrderLine] = Field(min_length=1)

    @property
    def order_ref(self) -> OrderRef:
        order_id = self.channel_order_id or self.reference
        return OrderRef(channel=self.channel, account=self.account, order_id=order_id)


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
    INVALID_ITEM = "INVALID_ITEM"  # an item master record GXO refuses (never on an order)


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
    reference: str  # the reference the order was injected with
    channel: Channel
    account: str
    warehouse_order_id: str
    order_status: WarehouseOrderStatus
    occurred_at: datetime
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None
    channel_order_id: str | None = None  # None: an old-style reference, the order id itself

    @property
    def order_ref(self) -> OrderRef:
        """The order this event names (its workflow may still disagree: see mismatch)."""
        order_id = self.channel_order_id or self.reference
        return OrderRef(channel=self.channel, account=self.account, order_id=order_id)


# An entry of GXO's event feed: an order event, or a return receipt (RETURN_RECEIVED). Old
# histories hold only order events, which still read as the first member.
FeedEvent = WarehouseEvent | ReturnReceivedEvent


def order_events(events: list[FeedEvent]) -> list[WarehouseEvent]:
    """The order events of a feed page (its return receipts left out)."""
    return [event for event in events if isinstance(event, WarehouseEvent)]


class WarehouseOrderState(BaseModel):
    """The warehouse's view of one order: used to chase a dispatch we may have missed."""

    warehouse_order_id: str
    reference: str
    facility_id: str
    status: WarehouseOrderStatus
    parcels: list[Parcel] = Field(default_factory=list)
    rejection: Rejection | None = None


class EventPage(BaseModel):
    events: list[FeedEvent]
    next_cursor: int
    set_aside: list[SetAsideRecord] = Field(default_factory=list)  # events that could not be read


class EventMismatch(StrEnum):
    """Why a warehouse event was set aside instead of acting on an order."""

    UNSERVED_FACILITY = "UNSERVED_FACILITY"  # consign does not serve the facility it names
    NO_ORDER = "NO_ORDER"  # no order workflow owns its reference
    FACILITY = "FACILITY"  # the order was injected at another facility
    REFERENCE = "REFERENCE"  # the order was injected under another reference
    WAREHOUSE_ORDER = "WAREHOUSE_ORDER"  # GXO's order id is not the one it gave us


def mismatch(
    event: WarehouseEvent, plan: WarehouseOrder, warehouse_order_id: str | None
) -> EventMismatch | None:
    """Whether an event routed to an order really is about the warehouse order we hold: same
    facility, same reference and, once GXO has told us, the same warehouse order id."""
    if event.facility_id != plan.facility_id:
        return EventMismatch.FACILITY
    if event.reference != plan.reference:
        return EventMismatch.REFERENCE
    if warehouse_order_id is not None and event.warehouse_order_id != warehouse_order_id:
        return EventMismatch.WAREHOUSE_ORDER
    return None
