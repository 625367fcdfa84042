"""Writes a V2 settlement flat file as Amazon does (reference/amazon-sp-api/settlement.md §3):
the 23 documented columns and `promotion-id`, tab-separated, LF, the summary row on line 2 and
one signed amount per row. `decimal_comma` writes amounts the EU way (`1.234,56`). The sandbox
plays Amazon's side, so this knows nothing of consign's parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)


@dataclass(frozen=True)
class AmountRow:
    """One amount of the file; `fields` holds the other columns by name (order-id, sku, ...)."""

    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted: datetime
    fields: Mapping[str, str] = field(default_factory=dict)


def format_amount(value: Decimal, *, decimal_comma: bool = False, grouped: bool = False) -> str:
    """Two decimals; `grouped` puts a thousands separator in (',' or '.', the other one)."""
    text = f"{value:,.2f}" if grouped else f"{value:.2f}"
    if decimal_comma:
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _summary_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def render(
    settlement_id: str,
    start: datetime,
    end: datetime,
    deposit: datetime,
    currency: str,
    rows: Sequence[AmountRow],
    *,
    decimal_comma: bool = False,
    grouped: bool = False,
    columns: Sequence[str] = COLUMNS,
) -> str:
    """The file; total-amount is the sum of the rows, as in every real file."""
    total = sum((row.amount for row in rows), Decimal(0))
    summary = {
        "settlement-id": settlement_id,
        "settlement-start-date": _summary_date(start),
        "settlement-end-date": _summary_date(end),
        "deposit-date": _summary_date(deposit),
        "total-amount": format_amount(total, decimal_comma=decimal_comma, grouped=grouped),
        "currency": currency,
    }
    lines = ["\t".join(columns), _line(columns, summary)]
    for row in rows:
        values = {
            **row.fields,
            "settlement-id": settlement_id,
            "transaction-type": row.transaction_type,
            "amount-type": row.amount_type,
            "amount-description": row.amount_description,
            "amount": format_amount(row.amount, decimal_comma=decimal_comma, grouped=grouped),
            "posted-date": row.posted.strftime("%m/%d/%y"),
            "posted-date-time": row.posted.strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        lines.append(_line(columns, values))
    return "\n".join(lines) + "\n"


def _line(columns: Sequence[str], values: Mapping[str, str]) -> str:
    return "\t".join(values.get(name, "") for name in columns)
