"""The V2 settlement flat file: tab-separated, header on line 1, the summary row (settlement-id,
the three dates, total-amount, currency) and then one signed amount per row. Columns are found
by header name: real files carry a 24th `promotion-id` Amazon's list lacks, and other columns
may come; unknown ones are kept in `extra`. A file without a documented column is refused, and
so is one whose rows do not sum to total-amount (SettlementTotalMismatch names the difference)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.settlement import Settlement, SettlementRow
from integrations.amazon.settlement.dates import parse_timestamp
from integrations.amazon.settlement.errors import SettlementFileError, SettlementTotalMismatch
from integrations.amazon.settlement.numbers import decimal_separator, parse_amount

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"

SUMMARY_COLUMNS = (
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
)
# Amazon's 23 documented columns (settlement.md §3), in Amazon's order. The sandbox's writer
# lists them too (sandbox/amazon/settlement_file.py): it plays Amazon and imports nothing here.
DOCUMENTED_COLUMNS = (
    "settlement-id",
    *SUMMARY_COLUMNS,
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
)
OPTIONAL_COLUMNS = ("promotion-id",)
# Row column -> SettlementRow field, for the plain texts.
_TEXT_FIELDS = {
    "order-id": "order_id",
    "merchant-order-id": "merchant_order_id",
    "adjustment-id": "adjustment_id",
    "shipment-id": "shipment_id",
    "marketplace-name": "marketplace_name",
    "fulfillment-id": "fulfillment_id",
    "posted-date": "posted_date",
    "order-item-code": "order_item_code",
    "merchant-order-item-id": "merchant_order_item_id",
    "merchant-adjustment-item-id": "merchant_adjustment_item_id",
    "sku": "sku",
    "promotion-id": "promotion_id",
}
_REQUIRED_ON_ROWS = ("transaction-type", "amount-type", "amount-description", "amount")
_KNOWN = frozenset(DOCUMENTED_COLUMNS + OPTIONAL_COLUMNS)

Record = dict[str, str]


def parse_settlement(text: str) -> Settlement:
    """The settlement in `text` (a decoded document), checked to sum to its total-amount."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise SettlementFileError("the document is empty")
    header = _header(lines[0])
    records = [(number, _record(header, line, number)) for number, line in _numbered(lines)]
    if not records or not records[0][1].get("total-amount"):
        raise SettlementFileError("no summary row (total-amount) after the header", line=2)
    summary_line, summary = records[0]
    details = records[1:]
    stray = [number for number, record in details if record.get("total-amount")]
    if stray:
        raise SettlementFileError("a second summary row (total-amount filled)", line=stray[0])
    separator = decimal_separator(
        [summary["total-amount"], *(record.get("amount", "") for _, record in details)]
    )
    settlement_id = summary.get("settlement-id", "")
    if not settlement_id:
        raise SettlementFileError("the summary row has no settlement-id", line=summary_line)
    currency = summary.get("currency", "")
    if not currency:
        raise SettlementFileError("the summary row has no currency", line=summary_line)
    total = _amount(summary["total-amount"], separator, summary_line, "total-amount")
    rows = tuple(_row(record, number, separator, settlement_id) for number, record in details)
    raw_dates = {name: summary[name] for name in SUMMARY_COLUMNS[:3] if summary.get(name)}
    settlement = Settlement(
        settlement_id=settlement_id,
        currency=currency,
        total=total,
        start=_date(summary, "settlement-start-date"),
        end=_date(summary, "settlement-end-date"),
        deposit_date=_date(summary, "deposit-date"),
        raw_dates=raw_dates,
        rows=rows,
    )
    rows_sum = settlement.rows_sum()
    if rows_sum != total:
        raise SettlementTotalMismatch(settlement_id, total, rows_sum)
    return settlement


def _numbered(lines: list[str]) -> list[tuple[int, str]]:
    """Data lines with their 1-based line numbers; blank lines are skipped."""
    return [(index + 2, line) for index, line in enumerate(lines[1:]) if line.strip()]


def _header(line: str) -> list[str]:
    names = [name.strip().lstrip("\ufeff").lower() for name in line.split("\t")]
    missing = [name for name in DOCUMENTED_COLUMNS if name not in names]
    if missing:
        raise SettlementFileError(f"header lacks documented columns {missing}", line=1)
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise SettlementFileError(f"header repeats columns {duplicated}", line=1)
    return names


def _record(header: list[str], line: str, number: int) -> Record:
    fields = line.split("\t")
    if len(fields) > len(header) and any(field.strip() for field in fields[len(header) :]):
        raise SettlementFileError(
            f"{len(fields)} fields, the header has {len(header)}", line=number
        )
    fields += [""] * (len(header) - len(fields))
    return {name: value.strip() for name, value in zip(header, fields, strict=False) if name}


def _row(record: Record, number: int, separator: str, settlement_id: str) -> SettlementRow:
    if record.get("settlement-id") and record["settlement-id"] != settlement_id:
        raise SettlementFileError("settlement-id differs from the summary row's", line=number)
    empty = [name for name in _REQUIRED_ON_ROWS if not record.get(name)]
    if empty:
        raise SettlementFileError(f"empty {empty}", line=number)
    texts = {field: record.get(column) or None for column, field in _TEXT_FIELDS.items()}
    extra = {name: value for name, value in record.items() if name not in _KNOWN and value}
    return SettlementRow(
        line=number,
        transaction_type=record["transaction-type"],
        amount_type=record["amount-type"],
        amount_description=record["amount-description"],
        amount=_amount(record["amount"], separator, number, "amount"),
        posted_at=parse_timestamp(record.get("posted-date-time", "")),
        quantity=_quantity(record.get("quantity-purchased", ""), number),
        extra=extra,
        **texts,
    )


def _amount(raw: str, separator: str, number: int, column: str) -> Decimal:
    try:
        return parse_amount(raw, separator)
    except ValueError as error:
        raise SettlementFileError(f"{column}: {error}", line=number) from None


def _quantity(raw: str, number: int) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettlementFileError("quantity-purchased is not a whole number", line=number) from None


def _date(summary: Record, column: str) -> datetime | None:
    raw = summary.get(column, "")
    return parse_timestamp(raw) if raw else None
