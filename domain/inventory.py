"""Stock: what GXO holds, what each channel may sell, and the rules in between.

GXO is the source of truth. Overselling happens when a channel shows stock GXO no longer has: GXO
reports in batch cycles, and orders a channel accepted are not yet allocated in GXO. So a
channel may sell GXO's available stock, less a safety buffer, less the demand GXO has not yet
allocated, never below zero.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.order import Channel
from domain.setaside import SetAsideRecord


class StockLevel(BaseModel):
    """One item at one facility (X12 846): on hand, allocated to orders, and the rest."""

    facility_id: str
    item_code: str
    on_hand: int = Field(ge=0)
    allocated: int = Field(default=0, ge=0)

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.allocated)


class InventorySnapshot(BaseModel):
    """Every item of a facility at one moment; `cursor` is the stock-change sequence it
    includes, so changes after it can be applied on top."""

    facility_id: str
    as_of: datetime
    cursor: int = Field(ge=0)
    levels: list[StockLevel]
    set_aside: list[SetAsideRecord] = Field(default_factory=list)  # levels that could not be read


class StockChangeKind(StrEnum):
    RECEIPT = "RECEIPT"  # 944: goods received into stock
    ADJUSTMENT = "ADJUSTMENT"  # 947: stock-take, damage, found
    ALLOCATION = "ALLOCATION"  # a processing cycle reserved stock for an order
    DEALLOCATION = "DEALLOCATION"  # a cancelled order's reservation released
    SHIPMENT = "SHIPMENT"  # 945: allocated stock left the building
    RETURN = "RETURN"  # 180/944: a return put back to stock


class StockChange(BaseModel):
    """One movement, carrying the levels after it: a repeated or reordered change cannot
    corrupt a consumer that keeps the highest sequence it applied per item."""

    sequence: int = Field(ge=1)  # the facility's monotonic stock cursor
    facility_id: str
    item_code: str
    kind: StockChangeKind
    quantity: int  # signed: the change of on_hand (or of allocated, for (DE)ALLOCATION)
    on_hand_after: int = Field(ge=0)
    allocated_after: int = Field(ge=0)
    reference: str | None = None  # the channel order id, for allocations and shipments
    channel: Channel | None = None
    account: str | None = None  # the channel account (order numbers repeat across stores)
    at: datetime

    def level(self) -> StockLevel:
        return StockLevel(
            facility_id=self.facility_id,
            item_code=self.item_code,
            on_hand=self.on_hand_after,
            allocated=self.allocated_after,
        )


class StockChangePage(BaseModel):
    changes: list[StockChange]
    next_cursor: int = Field(ge=0)
    set_aside: list[SetAsideRecord] = Field(default_factory=list)  # changes that could not be read


class BufferRule(BaseModel):
    """A safety buffer kept back from a channel: absolute units, a percentage of available
    stock, or both (the larger applies). Empty channel/sku match anything; the most specific
    rule wins: SKU and channel, then SKU, then channel, then the default."""

    channel: Channel | None = None
    sku: str | None = None
    units: int = Field(default=0, ge=0)
    percent: Decimal = Field(default=Decimal(0), ge=0, le=100)


def _specificity(rule: BufferRule) -> tuple[bool, bool]:
    return rule.sku is not None, rule.channel is not None


def buffer_units(rules: list[BufferRule], channel: Channel, sku: str, available: int) -> int:
    """Units to keep back for this listing; no matching rule keeps nothing back."""
    matching = [
        rule for rule in rules if rule.channel in (None, channel) and rule.sku in (None, sku)
    ]
    if not matching:
        return 0
    rule = max(matching, key=_specificity)
    by_percent = math.ceil(Decimal(max(available, 0)) * rule.percent / 100)
    return max(rule.units, by_percent)


def available_to_sell(available: int, buffer: int, unallocated_demand: int) -> int:
    """What a channel may show: GXO available less the buffer and less the orders GXO has
    not allocated yet, never below zero."""
    return max(0, available - buffer - unallocated_demand)


class ListingQuantity(BaseModel):
    """A channel listing's stock as consign wants it shown (always a non-negative integer)."""

    sku: str
    quantity: int = Field(ge=0)


class PushOutcome(BaseModel):
    """What the channel said about one SKU of a push."""

    sku: str
    quantity: int = Field(ge=0)
    accepted: bool
    submission: str  # e.g. "patch", a feed id or a mutation name, for the ledger
    message: str | None = None  # why it was rejected (no personal data)


class StockSubmission(BaseModel):
    """A push the channel took to process later (a listings feed: minutes to
    hours): what to ask the channel about, and the quantities it carries in the order sent (a
    channel that numbers its messages, as a feed's messageId, numbers them from 1)."""

    submission: str  # the channel's id for it (the feed id)
    quantities: list[ListingQuantity]

    def skus(self) -> list[str]:
        return [item.sku for item in self.quantities]

    def refused(self, message: str) -> list[PushOutcome]:
        """Every SKU of it not accepted, for `message`'s reason."""
        return [
            PushOutcome(
                sku=item.sku,
                quantity=item.quantity,
                accepted=False,
                submission=self.submission,
                message=message,
            )
            for item in self.quantities
        ]


def listing_target(
    channel: Channel,
    subtracts_own_orders: bool,
    sku: str,
    available: int,
    rules: list[BufferRule],
    open_by_channel: dict[Channel, int],
    held_own: int,
) -> int:
    """The figure to push for one listing.

    Most channels show what we push as sellable: GXO available less the buffer less every
    channel's demand GXO has not allocated. A channel that takes physical stock and subtracts
    its own unshipped orders itself (StockPort.subtracts_own_orders) must not see its own
    demand subtracted twice: it
    gets GXO available less the buffer less the other channels' open demand, plus `held_own`:
    its own units GXO has allocated or shipped that it has not yet been told shipped (GXO's
    available no longer counts them, while the channel still holds them in its own stock and
    subtracts them itself). Its free-to-allocate then equals what may be sold.
    """
    buffer = buffer_units(rules, channel, sku, available)
    if not subtracts_own_orders:
        return available_to_sell(available, buffer, sum(open_by_channel.values()))
    others = sum(units for c, units in open_by_channel.items() if c != channel)
    return max(0, available - buffer - others + held_own)
