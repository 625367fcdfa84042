"""ORDER_TOTAL (TOTAL_DIFFERS): what a settlement charged the buyer for an order (its Order
rows' ItemPrice and Promotion amounts) against what the channel said the order costs, to the
cent and in the same currency; compared only when the settlement sold every unit ordered."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.settlement import Settlement, SettlementRow
from domain.settlement_attribution import attribute
from domain.settlement_differences import (
    DifferenceKind,
    SettlementDifference,
    ShippedLine,
    ShippedOrder,
    differences,
)

D = Decimal
ORDER = "111-0000000-0000001"
SKU = "MUG-BLU-12"
END = datetime(2026, 7, 15, tzinfo=UTC)


def _row(line: int, amount_type: str, description: str, amount: str, **more: object):
    fields: dict[str, object] = {"order_id": ORDER, "sku": SKU, "quantity": 2}
    fields.update(more)
    return SettlementRow(
        line=line,
        transaction_type=str(fields.pop("transaction_type", "Order")),
        amount_type=amount_type,
        amount_description=description,
        amount=D(amount),
        order_item_code="10001",
        **fields,  # type: ignore[arg-type]
    )


def _settlement(*rows: SettlementRow, currency: str = "USD") -> Settlement:
    """An order of 2 units: Principal 40.00, Shipping 5.00, Tax 3.60 cancelled by the
    marketplace-facilitator row, a 4.00 promotion, the referral fee; plus `rows`."""
    base = (
        _row(3, "ItemPrice", "Principal", "40.00"),
        _row(4, "ItemPrice", "Shipping", "5.00"),
        _row(5, "ItemPrice", "Tax", "3.60"),
        _row(6, "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "-3.60"),
        _row(7, "Promotion", "Principal", "-4.00", promotion_id="TENOFF"),
        _row(8, "ItemFees", "Commission", "-6.00"),
        *rows,
    )
    total = sum((row.amount for row in base), D(0))
    return Settlement(settlement_id="1", currency=currency, total=total, end=END, rows=base)


def _record(total: str | None, units: int | None = 2, currency: str | None = "USD"):
    return ShippedOrder(
        order_id=ORDER,
        confirmed_at=END,
        lines=(ShippedLine(sku=SKU, confirmed_quantity=2),),
        order_total=D(total) if total is not None else None,
        order_currency=currency,
        ordered_units=units,
    )


def _totals(settlement: Settlement, record: ShippedOrder) -> list[SettlementDifference]:
    found = differences(attribute(settlement), [record])
    return [d for d in found if d.kind is DifferenceKind.TOTAL_DIFFERS]


def test_the_charge_with_shipping_tax_and_promotion_meets_the_order_total() -> None:
    # 40.00 + 5.00 + 3.60 - 4.00: the withheld tax and the fee are not the buyer's charge
    assert attribute(_settlement()).orders[0].charged == D("44.60")
    assert _totals(_settlement(), _record("44.60")) == []
    assert _totals(_settlement(), _record("44.6")) == []  # the same amount, written shorter


def test_a_cent_apart_is_a_difference_naming_both_amounts() -> None:
    [found] = _totals(_settlement(), _record("44.61"))
    assert (found.order_id, found.expected, found.settled) == (ORDER, D("44.61"), D("44.60"))
    assert found.detail == "charged 44.60, order total 44.61 (-0.01)"


def test_a_promotion_the_order_did_not_know_is_a_difference() -> None:
    # the order said 48.60 (no promotion); the settlement took 4.00 off
    [found] = _totals(_settlement(), _record("48.60"))
    assert found.settled == D("44.60")


def test_less_than_a_cent_apart_is_no_difference() -> None:
    assert _totals(_settlement(), _record("44.604")) == []


def test_an_order_without_a_known_total_is_not_compared() -> None:
    found = differences(attribute(_settlement()), [_record(None, units=None, currency=None)])
    assert found == []  # and no crash


def test_an_order_settled_in_part_is_not_compared() -> None:
    # 3 units ordered, 2 settled here: the rest is another settlement's (or was cancelled)
    assert _totals(_settlement(), _record("70.00", units=3)) == []


def test_an_order_total_in_another_currency_is_not_comparable() -> None:
    [found] = _totals(_settlement(currency="EUR"), _record("44.60", currency="USD"))
    assert "not comparable" in found.detail and "USD" in found.detail


def test_refund_rows_are_not_part_of_the_charge() -> None:
    refund = _row(9, "ItemPrice", "Principal", "-20.00", transaction_type="Refund", quantity=1)
    assert _totals(_settlement(refund), _record("44.60")) == []
