"""A channel's settlement (a payout) as consign reads it: the summary (what was deposited, for
which period) and one signed amount per row. Channel-neutral enough for the attribution and the
store; the channel's parser (its integration package) builds it. Amounts are Decimal, never
float: the rows must sum to the deposit to the cent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SettlementRow(BaseModel):
    """One amount row of the file. Texts are kept as the channel wrote them (trimmed, empty ->
    None): the value sets of transaction-type / amount-type / amount-description are not
    published, so unknown values are data, not errors. `line` is the 1-based line in the file."""

    model_config = ConfigDict(frozen=True)

    line: int
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    order_id: str | None = None
    merchant_order_id: str | None = None
    adjustment_id: str | None = None
    shipment_id: str | None = None
    marketplace_name: str | None = None
    fulfillment_id: str | None = None
    posted_date: str | None = None  # raw: its layout differs per marketplace (unverified)
    posted_at: datetime | None = None  # from posted-date-time when its layout is known
    order_item_code: str | None = None
    merchant_order_item_id: str | None = None
    merchant_adjustment_item_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    promotion_id: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)  # columns the channel does not document


class Settlement(BaseModel):
    """The summary row and the amount rows of one settlement. `total` is the deposit (negative
    when the channel charges the seller). Dates are None when their layout could not be read;
    the raw texts are kept beside them."""

    model_config = ConfigDict(frozen=True)

    settlement_id: str
    currency: str
    total: Decimal
    start: datetime | None = None
    end: datetime | None = None
    deposit_date: datetime | None = None
    raw_dates: dict[str, str] = Field(default_factory=dict)
    rows: tuple[SettlementRow, ...] = ()

    def rows_sum(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal(0))


class SettlementReport(BaseModel):
    """A settlement report the channel filed and consign may download: `report_id` is what the
    store remembers it by (a report listed again is skipped), `document_id` what fetches it."""

    model_config = ConfigDict(frozen=True)

    report_id: str
    document_id: str
    created_at: datetime
