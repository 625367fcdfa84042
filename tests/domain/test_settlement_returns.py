"""REFUND_WITHOUT_RETURN against consign's returns: a refund is matched with the units consign's
returns received back per SKU (ShippedLine.returned_quantity, from the store's return_line);
an order whose confirmed units are not known (confirmed before the store kept them) but which
has a return is matched on its refund, and its quantities are not compared."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.settlement import Settlement, SettlementRow
from domain.settlement_attribution import attribute
from domain.settlement_differences import DifferenceKind, ShippedLine, ShippedOrder, differences

ORDER = "111-0000000-0000001"
SKU = "MUG-BLU-12"
END = datetime(2026, 7, 15, tzinfo=UTC)


def _row(line: int, kind: str, amount: str, quantity: int) -> SettlementRow:
    return SettlementRow(
        line=line,
        transaction_type=kind,
        amount_type="ItemPrice",
        amount_description="Principal",
        amount=Decimal(amount),
        order_id=ORDER,
        sku=SKU,
        quantity=quantity,
        order_item_code="10001",
    )


def _settlement() -> Settlement:
    """2 units sold at 20.00, one of them refunded."""
    rows = (_row(3, "Order", "40.00", 2), _row(4, "Refund", "-20.00", 1))
    return Settlement(settlement_id="1", currency="USD", total=Decimal("20.00"), end=END, rows=rows)


def _kinds(*lines: ShippedLine) -> list[DifferenceKind]:
    record = ShippedOrder(order_id=ORDER, confirmed_at=END, lines=lines)
    return [d.kind for d in differences(attribute(_settlement()), [record])]


@pytest.mark.parametrize(
    ("confirmed", "returned", "expected"),
    [
        (2, 1, []),  # consign's own return: its refund is no difference
        (2, 0, [DifferenceKind.REFUND_WITHOUT_RETURN]),  # no return consign knows of
        (0, 1, []),  # units confirmed before the store kept them: only the refund compared
        (0, 0, [DifferenceKind.REFUND_WITHOUT_RETURN]),
    ],
    ids=["returned", "not-returned", "unknown-confirmed-returned", "unknown-confirmed"],
)
def test_a_refund_is_matched_with_the_units_returned(
    confirmed: int, returned: int, expected: list[DifferenceKind]
) -> None:
    lines = (ShippedLine(sku=SKU, confirmed_quantity=confirmed, returned_quantity=returned),)
    assert _kinds(*(lines if confirmed or returned else ())) == expected
