"""The month-end view of settlements: per settlement, the opening reserve, sales, fees by kind,
refunds, advertising, adjustments, the closing reserve and the deposit, such that

    deposit = opening reserve + sales + fees + refunds + advertising + adjustments
              - closing reserve

holds to the cent (every attributed amount is in exactly one column). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.settlement_attribution import ZERO, AmountKind, SettlementAttribution

# The columns of a month-end line and the kinds each one adds up.
COLUMNS: dict[str, tuple[AmountKind, ...]] = {
    "opening_reserve": (AmountKind.RESERVE_RELEASED,),
    "sales": (AmountKind.PRINCIPAL, AmountKind.SHIPPING, AmountKind.TAX, AmountKind.OTHER),
    "promotions": (AmountKind.PROMOTION,),
    "commission": (AmountKind.COMMISSION,),
    "other_fees": (AmountKind.OTHER_FEES,),
    "service_fees": (AmountKind.SERVICE_FEE,),
    "subscription": (AmountKind.SUBSCRIPTION,),
    "refunds": (AmountKind.REFUND,),
    "advertising": (AmountKind.ADVERTISING,),
    "adjustments": (AmountKind.ADJUSTMENT,),
    "reserve_held": (AmountKind.RESERVE_HELD,),
}


class MonthEndLine(BaseModel):
    """One settlement in the month. `amounts` holds COLUMNS' sums as signed movements (the
    reserve held is negative); `closing_reserve` is the balance the channel keeps (positive)."""

    model_config = ConfigDict(frozen=True)

    settlement_id: str
    currency: str
    deposit_date: datetime | None
    period_end: datetime | None
    amounts: dict[str, Decimal]
    deposit: Decimal
    orders: int
    differences: int = 0

    @property
    def opening_reserve(self) -> Decimal:
        return self.amounts["opening_reserve"]

    @property
    def closing_reserve(self) -> Decimal:
        return -self.amounts["reserve_held"]


def month_end_line(attribution: SettlementAttribution, differences: int = 0) -> MonthEndLine:
    totals = attribution.by_kind()
    amounts = {
        column: sum((totals[kind] for kind in kinds), ZERO) for column, kinds in COLUMNS.items()
    }
    return MonthEndLine(
        settlement_id=attribution.settlement_id,
        currency=attribution.currency,
        deposit_date=attribution.deposit_date,
        period_end=attribution.end,
        amounts=amounts,
        deposit=attribution.deposit,
        orders=len(attribution.orders),
        differences=differences,
    )


def where_the_money_went(lines: Sequence[MonthEndLine]) -> dict[str, dict[str, Decimal]]:
    """Per currency, each column's total over the month (for the chart)."""
    result: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        totals = result.setdefault(line.currency, dict.fromkeys(COLUMNS, ZERO))
        for column, amount in line.amounts.items():
            totals[column] += amount
    return result
