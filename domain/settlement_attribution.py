"""Where each cent of a settlement went: every row goes to exactly one order (principal,
shipping, tax, promotions, commission, other fees, refunds) or to one account-level line
(advertising, subscription, service fees, reserve released and held, adjustments), so the
attributed amounts always sum to the deposit. Pure: the rules read only the row.

The channel publishes no list of the type/description values (reference settlement.md §5): a row no
rule knows still goes somewhere (OTHER for an order, ADJUSTMENT for the account) and is listed
in `unrecognised`, so finance sees it instead of a guess hidden in a known kind."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.settlement import Settlement, SettlementRow

ZERO = Decimal(0)


class AmountKind(StrEnum):
    # per order
    PRINCIPAL = "principal"
    SHIPPING = "shipping"
    TAX = "tax"  # collected tax and the marketplace-facilitator rows that cancel it
    PROMOTION = "promotion"
    COMMISSION = "commission"
    OTHER_FEES = "other_fees"
    REFUND = "refund"  # every Refund row, net: money back, commission back, refund fee
    OTHER = "other"  # an order row no rule knows (also in `unrecognised`)
    # per account
    ADVERTISING = "advertising"
    SUBSCRIPTION = "subscription"
    SERVICE_FEE = "service_fee"
    RESERVE_RELEASED = "reserve_released"  # last settlement's reserve paid out now (+)
    RESERVE_HELD = "reserve_held"  # held back from this settlement (-)
    ADJUSTMENT = "adjustment"


ORDER_KINDS = (
    AmountKind.PRINCIPAL,
    AmountKind.SHIPPING,
    AmountKind.TAX,
    AmountKind.PROMOTION,
    AmountKind.COMMISSION,
    AmountKind.OTHER_FEES,
    AmountKind.REFUND,
    AmountKind.OTHER,
)
ACCOUNT_KINDS = (
    AmountKind.ADVERTISING,
    AmountKind.SUBSCRIPTION,
    AmountKind.SERVICE_FEE,
    AmountKind.RESERVE_RELEASED,
    AmountKind.RESERVE_HELD,
    AmountKind.ADJUSTMENT,
)


class OrderAttribution(BaseModel):
    """One order's share of the settlement. `settled_quantities` counts items sold (Order
    rows, once per order item), `refunded_quantities` items refunded, both by SKU; `charged` is
    what the buyer was charged (item price rows and promotions), to compare with the order."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    fulfillment_id: str | None = None
    amounts: dict[AmountKind, Decimal]
    settled_quantities: dict[str, int] = {}
    refunded_quantities: dict[str, int] = {}
    charged: Decimal = ZERO
    sold: bool = False  # has Order rows (not only refunds or other items)
    rows: tuple[int, ...] = ()  # file lines

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


class AccountLine(BaseModel):
    """An amount that belongs to no order, as the file describes it."""

    model_config = ConfigDict(frozen=True)

    kind: AmountKind
    description: str
    amount: Decimal
    line: int
    posted_at: datetime | None = None


class SettlementAttribution(BaseModel):
    model_config = ConfigDict(frozen=True)

    settlement_id: str
    currency: str
    deposit: Decimal
    start: datetime | None = None
    end: datetime | None = None
    deposit_date: datetime | None = None
    orders: tuple[OrderAttribution, ...]
    account_lines: tuple[AccountLine, ...]
    unrecognised: tuple[int, ...] = ()  # file lines of rows no rule knew

    @property
    def attributed(self) -> Decimal:
        """Orders plus account lines: equals `deposit` by construction."""
        return sum((order.total for order in self.orders), ZERO) + sum(
            (line.amount for line in self.account_lines), ZERO
        )

    def by_kind(self) -> dict[AmountKind, Decimal]:
        """The settlement's totals per kind (every kind present, zero when none)."""
        totals = dict.fromkeys(AmountKind, ZERO)
        for order in self.orders:
            for kind, amount in order.amounts.items():
                totals[kind] += amount
        for line in self.account_lines:
            totals[line.kind] += line.amount
        return totals

    @property
    def reserve_released(self) -> Decimal:
        return self.by_kind()[AmountKind.RESERVE_RELEASED]

    @property
    def reserve_held(self) -> Decimal:
        """The reserve the channel keeps after this settlement, as a positive balance."""
        return -self.by_kind()[AmountKind.RESERVE_HELD]


def _norm(text: str | None) -> str:
    return " ".join((text or "").lower().replace("_", " ").split())


def classify(row: SettlementRow) -> tuple[AmountKind, bool]:
    """The row's kind and whether a rule knew it (False: it fell through to OTHER/ADJUSTMENT)."""
    if row.order_id:
        return _order_kind(row)
    return _account_kind(row)


def _order_kind(row: SettlementRow) -> tuple[AmountKind, bool]:
    transaction = _norm(row.transaction_type)
    amount_type = _norm(row.amount_type)
    description = _norm(row.amount_description)
    if transaction.startswith("refund"):
        return AmountKind.REFUND, True
    if amount_type == "itemprice":
        if description == "principal":
            return AmountKind.PRINCIPAL, True
        if description == "shipping":
            return AmountKind.SHIPPING, True
        if "tax" in description:
            return AmountKind.TAX, True
        return AmountKind.OTHER, False
    if amount_type == "itemwithheldtax" or "withheldtax" in amount_type:
        return AmountKind.TAX, True
    if amount_type == "promotion":
        return AmountKind.PROMOTION, True
    if amount_type == "itemfees":
        commission = description == "commission"
        return (AmountKind.COMMISSION if commission else AmountKind.OTHER_FEES), True
    return AmountKind.OTHER, False


def _account_kind(row: SettlementRow) -> tuple[AmountKind, bool]:
    transaction = _norm(row.transaction_type)
    amount_type = _norm(row.amount_type)
    description = _norm(row.amount_description)
    if "previous reserve" in description:
        return AmountKind.RESERVE_RELEASED, True
    if "current reserve" in description:
        return AmountKind.RESERVE_HELD, True
    if "advertising" in amount_type or "advertising" in description:
        return AmountKind.ADVERTISING, True
    if "subscription" in description:
        return AmountKind.SUBSCRIPTION, True
    if transaction == "servicefee" or transaction.endswith("fees"):  # the channel's fee kinds
        return AmountKind.SERVICE_FEE, True
    if transaction.startswith("other-transaction") or transaction in ("other", "buyerrecharge"):
        return AmountKind.ADJUSTMENT, True
    return AmountKind.ADJUSTMENT, False


def attribute(settlement: Settlement) -> SettlementAttribution:
    """Every row of the settlement to an order or an account line."""
    per_order: dict[str, list[tuple[SettlementRow, AmountKind]]] = defaultdict(list)
    account: list[AccountLine] = []
    unrecognised: list[int] = []
    for row in settlement.rows:
        kind, known = classify(row)
        if not known:
            unrecognised.append(row.line)
        if row.order_id:
            per_order[row.order_id].append((row, kind))
        else:
            account.append(
                AccountLine(
                    kind=kind,
                    description=row.amount_description,
                    amount=row.amount,
                    line=row.line,
                    posted_at=row.posted_at,
                )
            )
    return SettlementAttribution(
        settlement_id=settlement.settlement_id,
        currency=settlement.currency,
        deposit=settlement.total,
        start=settlement.start,
        end=settlement.end,
        deposit_date=settlement.deposit_date,
        orders=tuple(_order(order_id, rows) for order_id, rows in per_order.items()),
        account_lines=tuple(account),
        unrecognised=tuple(unrecognised),
    )


def _order(order_id: str, rows: list[tuple[SettlementRow, AmountKind]]) -> OrderAttribution:
    amounts: dict[AmountKind, Decimal] = {}
    charged = ZERO
    sold: dict[tuple[str, str], int] = {}
    refunded: dict[tuple[str, str], int] = {}
    for row, kind in rows:
        amounts[kind] = amounts.get(kind, ZERO) + row.amount
        is_refund = kind is AmountKind.REFUND
        is_sale = _norm(row.transaction_type) == "order"
        if is_sale and _norm(row.amount_type) in ("itemprice", "promotion"):
            charged += row.amount
        if row.sku and row.quantity is not None:
            # Quantities repeat on every amount row of an item: count each item once per
            # shipment (an item shipped in two parcels is two shipments, each with its units;
            # without a shipment-id, per posted date).
            shipment = row.shipment_id or row.posted_date or ""
            item = (row.sku, f"{row.order_item_code or row.sku}/{shipment}")
            if is_refund:
                item = (row.sku, row.merchant_adjustment_item_id or item[1])
                refunded[item] = max(refunded.get(item, 0), row.quantity)
            elif is_sale:
                sold[item] = max(sold.get(item, 0), row.quantity)
    return OrderAttribution(
        order_id=order_id,
        fulfillment_id=next((r.fulfillment_id for r, _ in rows if r.fulfillment_id), None),
        amounts=amounts,
        settled_quantities=_by_sku(sold),
        refunded_quantities=_by_sku(refunded),
        charged=charged,
        sold=any(_norm(r.transaction_type) == "order" for r, _ in rows),
        rows=tuple(r.line for r, _ in rows),
    )


def _by_sku(items: dict[tuple[str, str], int]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for (sku, _item), quantity in items.items():
        totals[sku] += quantity
    return dict(totals)
