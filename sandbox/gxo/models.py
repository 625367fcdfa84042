"""The simulator's own records and run-time knobs (admin bodies), separate from the wire models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from sandbox.gxo.wire import (
    CancelOutcome,
    Carton,
    OrderStatus,
    Rejection,
    RejectionCode,
    ShippingOrder,
)


class ProcessingSettings(BaseModel):
    """How cycles behave; PUT /_sandbox/settings replaces them for the rest of the run."""

    cycle_seconds: float = Field(default=0.0, ge=0)  # 0: cycles only via POST /_sandbox/cycle
    max_units_per_parcel: int = Field(default=2, ge=1)
    short_pick_rate: float = Field(default=0.0, ge=0, le=1)  # per line pick, seeded
    dispatch_delay_cycles: int = Field(default=0, ge=0)  # cycles an order waits before picking
    backorder_cycles: int = Field(default=1, ge=1)  # wait after a short pick before re-picking
    seed: int = 7


class ShortPick(BaseModel):
    line: int = Field(ge=1)
    ship: int = Field(ge=0)  # units of that line shipped by the first pick


class Scenario(BaseModel):
    """Scripted behaviour for one reference (POST /_sandbox/scenarios), for deterministic tests."""

    short_pick: ShortPick | None = None
    split: bool = False  # one unit per parcel
    reject: RejectionCode | None = None  # asynchronous REJECTED event at the first cycle
    hold_cycles: int = Field(default=0, ge=0)


class LineProgress(BaseModel):
    line_number: int
    item_code: str
    channel_line_id: str
    quantity: int
    shipped: int = 0
    allocated: int = 0  # units reserved for this line and not shipped yet

    @property
    def remaining(self) -> int:
        return self.quantity - self.shipped


class SandboxOrder(BaseModel):
    """One received order and everything the warehouse did with it."""

    warehouse_order_id: str
    facility_id: str
    reference: str
    channel_order_id: str | None = None
    status: OrderStatus
    received_at: datetime
    order: ShippingOrder
    lines: list[LineProgress]
    parcels: list[Carton] = Field(default_factory=list)
    shipments: int = 0  # dispatches so far: numbers each one's shipment id
    rejection: Rejection | None = None
    picked: bool = False
    ready_after_cycle: int = 0
    backorder_until_cycle: int = 0

    @property
    def open(self) -> bool:
        return self.status in (
            OrderStatus.RECEIVED,
            OrderStatus.RELEASED,
            OrderStatus.PARTIALLY_SHIPPED,
        )


class InjectionCount(BaseModel):
    """Per reference: what consign's injections of it came to."""

    channel_order_id: str | None = None
    calls: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0


class CancelRecord(BaseModel):
    facility_id: str
    reference: str
    channel_order_id: str | None = None  # of the order cancelled, when GXO knew it
    outcome: CancelOutcome
    at: datetime


class HeldItem(BaseModel):
    """An item a facility's item master already holds (loaded before consign, not by an 888)."""

    facility_id: str
    item_code: str = Field(min_length=1)
    description: str = Field(min_length=1)


class Restock(BaseModel):
    facility_id: str
    item_code: str
    quantity: int = Field(ge=1)


class Adjustment(BaseModel):
    """A 947 stock adjustment: signed units (damage, found, count) and why."""

    facility_id: str
    item_code: str
    quantity: int
    reason: str = Field(min_length=1)


class ReturnReceipt(BaseModel):
    """A customer return put back to stock; `reference` names the returned order."""

    facility_id: str
    item_code: str
    quantity: int = Field(ge=1)
    reference: str = Field(min_length=1)


class ReturnScenario(BaseModel):
    """Scripted behaviour for one RMA, or for the returns of one channel order (POST
    /_sandbox/return-scenarios, keyed by either). By default every
    notified unit arrives SELLABLE in one receipt, `delay_cycles` cycles after the notice."""

    delay_cycles: int = Field(default=1, ge=1)
    never_arrives: bool = False
    dispositions: dict[str, str] = Field(default_factory=dict)  # item code -> disposition
    several: bool = False  # one receipt per notice line, one cycle apart
    short: int = Field(default=0, ge=0)  # units of the last line that never arrive
    wrong_item: str | None = None  # received instead of the first line's item (WRONG_ITEM)


class UnlabelledReturn(BaseModel):
    """A parcel at GXO's dock that names no RMA (POST /_sandbox/returns/unlabelled)."""

    facility_id: str
    item_code: str
    quantity: int = Field(ge=1)
    disposition: str = "SELLABLE"
