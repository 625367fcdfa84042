"""The channel-neutral order: what every channel reader normalises into.

Addresses, names, emails and phones live only in `ShipTo`; nothing here is ever logged
or put into search attributes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

KNOWN_CHANNELS = "channels"  # validation context key: the channel names an input may use


def _known(value: str, info: ValidationInfo) -> str:
    """Validated with `context={KNOWN_CHANNELS: names}` (an operator's file), a name must be
    one of `names`; payloads and rows consign wrote itself are taken as they are."""
    known = (info.context or {}).get(KNOWN_CHANNELS)
    if known is not None and value not in known:
        raise ValueError(f"not a channel consign runs (one of {', '.join(known)})")
    return value


# A sales channel's name: the channel module's, stored as is in histories
# and the store. integrations/registry.py knows the channels; domain rules never branch on
# one (what differs is data the order or the module carries, e.g. `fulfilled_by`).
Channel = Annotated[str, StringConstraints(min_length=1, max_length=32), AfterValidator(_known)]


class FulfilledBy(StrEnum):
    """Who ships the order. Only MERCHANT orders ever reach the warehouse."""

    MERCHANT = "MERCHANT"
    CHANNEL = "CHANNEL"  # the channel ships it itself (e.g. from its own fulfilment centres)


class ChannelOrderStatus(StrEnum):
    """Channel status, normalised.

    PENDING: not yet eligible (payment or fraud checks not cleared, on hold).
    READY: eligible for the warehouse (paid and clear: each reader says what that is).
    """

    PENDING = "PENDING"
    READY = "READY"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    CANCELLED = "CANCELLED"


class Money(BaseModel):
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)


class ShipTo(BaseModel):
    """Personal data: never log it, never put it in a search attribute."""

    name: str
    line1: str
    line2: str | None = None
    line3: str | None = None
    city: str
    state_or_region: str | None = None
    postal_code: str | None = None
    country_code: str = Field(min_length=2, max_length=2)
    phone: str | None = None
    company: str | None = None

    @field_validator("country_code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class OrderRef(BaseModel):
    """The identity of an order across every system: the channel order id, never an email."""

    channel: Channel
    account: str
    order_id: str

    @property
    def workflow_id(self) -> str:
        return f"order:{self.channel}:{self.account}:{self.order_id}"

    def __str__(self) -> str:
        return self.workflow_id


class OrderLine(BaseModel):
    line_id: str  # the channel's own line id: echoed back on ship-confirms
    sku: str  # the channel's SKU (as the seller lists it)
    gtin: str | None = None  # EAN/GTIN where the channel knows it
    quantity: int = Field(ge=0)
    quantity_shipped: int = Field(default=0, ge=0)
    quantity_cancelled: int = Field(default=0, ge=0)
    unit_price: Money | None = None
    title: str | None = None
    # Each unit's own code must go on the ship confirmation (anti-counterfeit unit codes), and the
    # warehouse reports none: consign cannot confirm this line.
    transparency_codes_required: bool = False


class ChannelOrder(BaseModel):
    ref: OrderRef
    status: ChannelOrderStatus
    fulfilled_by: FulfilledBy
    marketplace_id: str | None = None
    ship_service_level: str | None = None  # the channel's service category or option
    is_prime: bool = False
    is_business: bool = False
    buyer_cancel_requested: bool = False
    created_at: datetime
    last_updated_at: datetime
    ship_by: datetime | None = None  # the channel's latest ship date
    deliver_by: datetime | None = None
    ship_to: ShipTo | None = None
    currency: str | None = None
    # What the channel says the buyer is charged for the order (items, shipping, gift wrap and
    # tax, less promotions): what its settlement should charge once every unit is settled
    # (the channel's page in docs/, "Order totals"). None: the channel did not say.
    total: Money | None = None
    lines: list[OrderLine] = Field(default_factory=list)
    # The channel accepts the shipment only on a label bought from it, which confirms the order
    # itself, and refuses the seller's confirmation.
    channel_label_required: bool = False

    @property
    def destination_country(self) -> str | None:
        return self.ship_to.country_code if self.ship_to else None

    def change(self) -> OrderChange:
        """The PII-free notice intake hands to the order's workflow."""
        return OrderChange(
            ref=self.ref,
            status=self.status,
            fulfilled_by=self.fulfilled_by,
            last_updated_at=self.last_updated_at,
            buyer_cancel_requested=self.buyer_cancel_requested,
        )


class OrderChange(BaseModel):
    """A lightweight notice that an order changed, as intake sees it (no personal data)."""

    ref: OrderRef
    status: ChannelOrderStatus
    fulfilled_by: FulfilledBy
    last_updated_at: datetime
    buyer_cancel_requested: bool = False


def is_merchant_fulfilled(fulfilled_by: FulfilledBy) -> bool:
    """Whether consign's warehouse ships the order: one fulfilled by the channel itself never
    reaches the warehouse."""
    return fulfilled_by is FulfilledBy.MERCHANT
