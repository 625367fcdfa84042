"""What a settlement says against what consign knows it shipped and confirmed: each difference
with a named kind and the order it concerns, so finance can answer "why does the payout not
match our orders" one order at a time. Pure; the shipped records are an input (the store or a
test builds them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.settlement_attribution import OrderAttribution, SettlementAttribution

DEFAULT_UNSETTLED_AFTER = timedelta(days=14)  # about one settlement period
_EARLIEST = datetime.min.replace(tzinfo=UTC)
CENT = Decimal("0.01")


class ShippedLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    confirmed_quantity: int
    returned_quantity: int = 0


class ShippedOrder(BaseModel):
    """consign's record of one order it shipped and confirmed to the channel. `order_total` is
    what the channel said the buyer pays, in `order_currency`, for its `ordered_units` (None:
    not known, nothing compared). No line with confirmed units: the units are not known
    (nothing compared), never "shipped nothing"; a line's `returned_quantity` is what consign's
    returns received back, which the channel's refunds are compared with."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    confirmed_at: datetime
    lines: tuple[ShippedLine, ...]
    order_total: Decimal | None = None
    order_currency: str | None = None
    ordered_units: int | None = None


class DifferenceKind(StrEnum):
    SHIPPED_NOT_SETTLED = "shipped_not_settled"
    # fulfilled by the channel, or shipped by hand outside consign
    SETTLED_NOT_SHIPPED = "settled_not_shipped"
    QUANTITY_DIFFERS = "quantity_differs"
    REFUND_WITHOUT_RETURN = "refund_without_return"
    TOTAL_DIFFERS = "total_differs"
    RESERVE_NOT_CARRIED = "reserve_not_carried"  # released != the last settlement's held
    UNRECOGNISED_AMOUNT = "unrecognised_amount"  # a row no rule knew: look at it


class SettlementDifference(BaseModel):
    """`expected` is consign's side, `settled` the settlement's (quantities or amounts)."""

    model_config = ConfigDict(frozen=True)

    kind: DifferenceKind
    order_id: str | None = None
    sku: str | None = None
    expected: Decimal | None = None
    settled: Decimal | None = None
    detail: str = ""


def differences(
    attribution: SettlementAttribution,
    shipped: Iterable[ShippedOrder],
    *,
    settled_before: frozenset[str] = frozenset(),
    unsettled_after: timedelta = DEFAULT_UNSETTLED_AFTER,
) -> list[SettlementDifference]:
    """Every difference, orders in the settlement's order, then the shipped ones missing.
    `settled_before`: orders earlier settlements already paid (not missing from this one).
    An order confirmed more than `unsettled_after` before the settlement's end and settled
    nowhere is SHIPPED_NOT_SETTLED; a later one may still come in the next settlement."""
    records = {order.order_id: order for order in shipped}
    found: list[SettlementDifference] = []
    for order in attribution.orders:
        record = records.get(order.order_id)
        if record is None:
            found.append(_not_shipped(order.order_id, order.fulfillment_id, order.sold))
            continue
        found += _quantities(order.order_id, record, order.settled_quantities, order.sold)
        found += _refunds(order.order_id, record, order.refunded_quantities)
        found += _total(order, record, attribution.currency)
    settled = {order.order_id for order in attribution.orders if order.sold} | settled_before
    found += _missing(attribution.end, records.values(), settled, unsettled_after)
    found += [
        SettlementDifference(kind=DifferenceKind.UNRECOGNISED_AMOUNT, detail=f"line {line}")
        for line in attribution.unrecognised
    ]
    return found


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _total(
    order: OrderAttribution, record: ShippedOrder, currency: str
) -> list[SettlementDifference]:
    """What the settlement charged the buyer (its Order rows' ItemPrice and Promotion amounts)
    against the order's total, to the cent. Compared only for an order the settlement sold
    whole: every unit the channel said was ordered settled here (an order split over two
    settlements, part-cancelled or short-shipped has no total to meet, and its units already
    show as QUANTITY_DIFFERS where they differ from what consign confirmed)."""
    if not order.sold or record.order_total is None:
        return []
    settled_units = sum(order.settled_quantities.values())
    if record.ordered_units is not None and settled_units != record.ordered_units:
        return []
    expected, charged = _cents(record.order_total), _cents(order.charged)
    theirs = record.order_currency
    if theirs is not None and currency and theirs.upper() != currency.upper():
        detail = f"order total {expected} {theirs}, settled in {currency}: not comparable"
    elif expected != charged:
        detail = f"charged {charged}, order total {expected} ({charged - expected:+})"
    else:
        return []
    return [
        SettlementDifference(
            kind=DifferenceKind.TOTAL_DIFFERS,
            order_id=order.order_id,
            expected=expected,
            settled=charged,
            detail=detail,
        )
    ]


# The settlement's fulfillment id of an order the channel fulfilled itself: the report's own
# value, and the detail's wording as stored differences hold it.
FULFILLED_BY_CHANNEL = "AFN"


def _not_shipped(order_id: str, fulfillment_id: str | None, sold: bool) -> SettlementDifference:
    how = (
        f"fulfilled by the channel ({FULFILLED_BY_CHANNEL})"
        if fulfillment_id == FULFILLED_BY_CHANNEL
        else "not shipped through consign"
    )
    what = "settled" if sold else "refunded or adjusted"
    return SettlementDifference(
        kind=DifferenceKind.SETTLED_NOT_SHIPPED, order_id=order_id, detail=f"{what}; {how}"
    )


def _per_sku(record: ShippedOrder, returned: bool) -> dict[str, int]:
    """Units confirmed (or returned) per SKU across the record's lines."""
    totals: dict[str, int] = {}
    for line in record.lines:
        units = line.returned_quantity if returned else line.confirmed_quantity
        totals[line.sku] = totals.get(line.sku, 0) + units
    return totals


def _per_sku_difference(
    kind: DifferenceKind, order_id: str, sku: str, ours: int, theirs: int, detail: str
) -> SettlementDifference:
    return SettlementDifference(
        kind=kind,
        order_id=order_id,
        sku=sku,
        expected=Decimal(ours),
        settled=Decimal(theirs),
        detail=detail,
    )


def _quantities(
    order_id: str, record: ShippedOrder, settled: dict[str, int], sold: bool
) -> list[SettlementDifference]:
    if not sold or not any(line.confirmed_quantity for line in record.lines):
        return []  # no units confirmed: confirmed before consign kept them (returns aside)
    confirmed = _per_sku(record, returned=False)
    found = []
    for sku in sorted(set(confirmed) | set(settled)):
        ours, theirs = confirmed.get(sku, 0), settled.get(sku, 0)
        if ours != theirs:
            detail = f"confirmed {ours}, settled {theirs}"
            kind = DifferenceKind.QUANTITY_DIFFERS
            found.append(_per_sku_difference(kind, order_id, sku, ours, theirs, detail))
    return found


def _refunds(
    order_id: str, record: ShippedOrder, refunded: dict[str, int]
) -> list[SettlementDifference]:
    returned = _per_sku(record, returned=True)
    found = []
    for sku, theirs in sorted(refunded.items()):
        ours = returned.get(sku, 0)
        if theirs > ours:
            detail = f"refunded {theirs}, returned {ours}"
            kind = DifferenceKind.REFUND_WITHOUT_RETURN
            found.append(_per_sku_difference(kind, order_id, sku, ours, theirs, detail))
    return found


def _missing(
    end: datetime | None,
    records: Iterable[ShippedOrder],
    settled: set[str] | frozenset[str],
    unsettled_after: timedelta,
) -> list[SettlementDifference]:
    if end is None:
        return []
    cutoff = end - unsettled_after
    return [
        SettlementDifference(
            kind=DifferenceKind.SHIPPED_NOT_SETTLED,
            order_id=record.order_id,
            detail=f"confirmed {record.confirmed_at.date().isoformat()}, "
            f"not settled {unsettled_after.days} days later",
        )
        for record in sorted(records, key=lambda r: (r.confirmed_at, r.order_id))
        if record.order_id not in settled and record.confirmed_at <= cutoff
    ]


class ReserveLink(BaseModel):
    """How one settlement's reserve follows the one before: `opening` is what it released,
    `closing` what it holds for the next; `previous_closing` what the last one held."""

    model_config = ConfigDict(frozen=True)

    settlement_id: str
    opening: Decimal
    closing: Decimal
    previous_closing: Decimal | None = None

    @property
    def carried(self) -> bool:
        return self.previous_closing is None or self.previous_closing == self.opening


def reserve_chain(attributions: Sequence[SettlementAttribution]) -> list[ReserveLink]:
    """Settlements in period order, each reserve linked to the previous one's."""
    ordered = sorted(attributions, key=lambda a: (a.end or a.start or _EARLIEST, a.settlement_id))
    links: list[ReserveLink] = []
    previous: Decimal | None = None
    for attribution in ordered:
        link = ReserveLink(
            settlement_id=attribution.settlement_id,
            opening=attribution.reserve_released,
            closing=attribution.reserve_held,
            previous_closing=previous,
        )
        links.append(link)
        previous = link.closing
    return links


def reserve_differences(links: Sequence[ReserveLink]) -> list[SettlementDifference]:
    return [
        SettlementDifference(
            kind=DifferenceKind.RESERVE_NOT_CARRIED,
            expected=link.previous_closing,
            settled=link.opening,
            detail=f"settlement {link.settlement_id} released {link.opening}, "
            f"the one before held {link.previous_closing}",
        )
        for link in links
        if not link.carried
    ]
