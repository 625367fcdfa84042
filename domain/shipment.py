"""Per-line shipped/remaining arithmetic, in integers, and the channel-neutral ship-confirm."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.exceptions import ConsignError, ExceptionKind
from domain.order import OrderLine, OrderRef
from domain.warehouse import Parcel


class LineProgress(BaseModel):
    line_id: str
    sku: str
    ordered: int = Field(ge=0)
    shipped: int = Field(default=0, ge=0)
    cancelled: int = Field(default=0, ge=0)

    @property
    def remaining(self) -> int:
        return self.ordered - self.cancelled - self.shipped


def progress_from_lines(lines: list[OrderLine]) -> list[LineProgress]:
    return [
        LineProgress(
            line_id=line.line_id,
            sku=line.sku,
            ordered=line.quantity,
            shipped=line.quantity_shipped,
            cancelled=line.quantity_cancelled,
        )
        for line in lines
    ]


def parcel_quantities(parcel: Parcel) -> dict[str, int]:
    """Units per channel line in one parcel (a line may appear more than once)."""
    totals: dict[str, int] = {}
    for line in parcel.lines:
        totals[line.channel_line_id] = totals.get(line.channel_line_id, 0) + line.quantity
    return totals


def apply_parcel(progress: list[LineProgress], parcel: Parcel) -> list[LineProgress]:
    """The progress after shipping `parcel`; refuses unknown lines and over-shipment."""
    by_line = {p.line_id: p for p in progress}
    quantities = parcel_quantities(parcel)
    for line_id, quantity in quantities.items():
        line = by_line.get(line_id)
        if line is None:
            raise ConsignError(
                ExceptionKind.UNKNOWN_ORDER_LINE,
                f"parcel {parcel.parcel_id} ships line {line_id}, which the order does not have",
            )
        if quantity > line.remaining:
            raise ConsignError(
                ExceptionKind.OVER_SHIPMENT,
                f"parcel {parcel.parcel_id} ships {quantity} of line {line_id} "
                f"but only {line.remaining} remain",
            )
    return [
        p.model_copy(update={"shipped": p.shipped + quantities.get(p.line_id, 0)}) for p in progress
    ]


def all_shipped(progress: list[LineProgress]) -> bool:
    """Nothing left to ship (a channel over-reporting shipped or cancelled counts as done)."""
    return all(p.remaining <= 0 for p in progress)


def any_shipped(progress: list[LineProgress]) -> bool:
    return any(p.shipped > 0 for p in progress)


class ConfirmItem(BaseModel):
    line_id: str
    quantity: int = Field(ge=1)


class ShipConfirmation(BaseModel):
    """One parcel confirmed to the channel. `package_reference` is stable per parcel so a
    retried or re-sent confirm edits the same package instead of creating another."""

    ref: OrderRef
    parcel_id: str
    package_reference: str  # a string of a positive number, as some channels require
    carrier_code: str
    carrier_name: str | None = None
    shipping_method: str | None = None
    tracking_number: str
    shipped_at: datetime
    marketplace_id: str | None = None
    items: list[ConfirmItem] = Field(min_length=1)
    # Capture requests of the order's other parcels still pending: never this parcel's.
    other_captures: list[str] = Field(default_factory=list)
