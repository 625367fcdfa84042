"""The authored sample reconciles to the cent, and its planted differences are listed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.settlement import Settlement, SettlementRow
from domain.settlement_attribution import AmountKind, attribute, classify
from domain.settlement_differences import (
    DifferenceKind,
    differences,
    reserve_chain,
    reserve_differences,
)
from integrations.amazon.settlement import parse_settlement
from tests.settlements.consign_records import SETTLED_BEFORE, SHIPPED
from tests.settlements.samples import authored_text

D = Decimal


def _sample():
    return attribute(parse_settlement(authored_text()))


def test_the_authored_sample_reconciles_to_the_cent() -> None:
    attribution = _sample()
    assert attribution.attributed == attribution.deposit == D("88.74")
    totals = attribution.by_kind()
    assert totals[AmountKind.PRINCIPAL] == D("224.47")
    assert totals[AmountKind.SHIPPING] == D("37.94")
    assert totals[AmountKind.TAX] == D("0.00")  # collected and withheld (US facilitator tax)
    assert totals[AmountKind.PROMOTION] == D("-11.99")
    assert totals[AmountKind.COMMISSION] == D("-37.57")
    assert totals[AmountKind.REFUND] == D("-33.87")
    assert totals[AmountKind.SUBSCRIPTION] == D("-39.99")
    assert totals[AmountKind.ADVERTISING] == D("-37.42")
    assert totals[AmountKind.RESERVE_RELEASED] == D("61.35")
    assert totals[AmountKind.RESERVE_HELD] == D("-74.18")
    assert totals[AmountKind.OTHER] == totals[AmountKind.ADJUSTMENT] == D(0)
    assert attribution.unrecognised == ()
    assert attribution.reserve_released == D("61.35")
    assert attribution.reserve_held == D("74.18")


def test_each_order_of_the_sample() -> None:
    orders = {order.order_id: order for order in _sample().orders}
    assert len(orders) == 6
    two_items = orders["114-7703518-2264229"]
    assert two_items.settled_quantities == {"BOWL-GRN-6": 1, "SPOON-SET-4": 2}
    assert two_items.charged == D("52.99")
    assert two_items.total == D("45.04")
    promoted = orders["111-5092846-7718233"]
    assert promoted.amounts[AmountKind.PROMOTION] == D("-11.99")
    assert promoted.charged == D("34.99")
    refunded = orders["114-3385520-9106643"]
    assert refunded.refunded_quantities == {"VASE-CLR-10": 1}
    assert refunded.amounts[AmountKind.REFUND] == D("-33.87")
    assert refunded.total == D("-1.15")  # only the refund administration fee remains
    assert sum(order.total for order in orders.values()) == D("178.98")


def test_the_planted_differences_are_listed() -> None:
    found = differences(_sample(), SHIPPED, settled_before=SETTLED_BEFORE)
    listed = {(d.kind, d.order_id, d.sku) for d in found}
    assert listed == {
        (DifferenceKind.QUANTITY_DIFFERS, "114-7703518-2264229", "SPOON-SET-4"),
        (DifferenceKind.TOTAL_DIFFERS, "111-5092846-7718233", None),
        (DifferenceKind.SETTLED_NOT_SHIPPED, "112-6639014-0395847", None),
        (DifferenceKind.REFUND_WITHOUT_RETURN, "114-3385520-9106643", "VASE-CLR-10"),
        (DifferenceKind.SHIPPED_NOT_SETTLED, "111-0000000-0000001", None),
    }
    quantity = next(d for d in found if d.kind is DifferenceKind.QUANTITY_DIFFERS)
    assert (quantity.expected, quantity.settled) == (D(1), D(2))
    total = next(d for d in found if d.kind is DifferenceKind.TOTAL_DIFFERS)
    assert (total.expected, total.settled) == (D("39.99"), D("34.99"))


def test_a_returned_refund_and_an_afn_order() -> None:
    attribution = _sample()
    returned = [
        order.model_copy(
            update={
                "lines": tuple(
                    line.model_copy(update={"returned_quantity": 1}) for line in order.lines
                )
            }
        )
        if order.order_id == "114-3385520-9106643"
        else order
        for order in SHIPPED
        if order.order_id != "112-6639014-0395847"
    ]
    afn = attribution.model_copy(
        update={
            "orders": tuple(
                order.model_copy(update={"fulfillment_id": "AFN"})
                if order.order_id == "112-6639014-0395847"
                else order
                for order in attribution.orders
            )
        }
    )
    found = differences(afn, returned, settled_before=SETTLED_BEFORE)
    kinds = {d.kind for d in found}
    assert DifferenceKind.REFUND_WITHOUT_RETURN not in kinds
    not_shipped = [d for d in found if d.kind is DifferenceKind.SETTLED_NOT_SHIPPED]
    assert [d.detail for d in not_shipped] == ["settled; fulfilled by the channel (AFN)"]


def _row(transaction: str, amount_type: str, description: str, order: str | None = None):
    return SettlementRow(
        line=3,
        transaction_type=transaction,
        amount_type=amount_type,
        amount_description=description,
        amount=D("1.00"),
        order_id=order,
    )


def test_classification_of_known_and_unknown_rows() -> None:
    assert classify(_row("Order", "ItemFees", "FixedClosingFee", "1")) == (
        AmountKind.OTHER_FEES,
        True,
    )
    assert classify(_row("Order", "Mystery", "x", "1")) == (AmountKind.OTHER, False)
    assert classify(_row("ServiceFee", "Cost of Advertising", "TransactionTotalAmount")) == (
        AmountKind.ADVERTISING,
        True,
    )
    assert classify(_row("AmazonFees", "FBA Removal Order: Return Fee", "Base fee")) == (
        AmountKind.SERVICE_FEE,
        True,
    )
    assert classify(_row("other-transaction", "other-transaction", "Storage Fee")) == (
        AmountKind.ADJUSTMENT,
        True,
    )
    assert classify(_row("SAFE-T Reimbursement", "x", "y")) == (AmountKind.ADJUSTMENT, False)


def _settlement(settlement_id: str, day: int, released: str, held: str):
    end = datetime(2026, 7, day, tzinfo=UTC)
    rows = (
        _row("other-transaction", "other-transaction", "Previous Reserve Amount Balance"),
        _row("other-transaction", "other-transaction", "Current Reserve Amount"),
    )
    rows = (
        rows[0].model_copy(update={"amount": D(released)}),
        rows[1].model_copy(update={"amount": D(held), "line": 4}),
    )
    total = D(released) + D(held)
    return attribute(
        Settlement(settlement_id=settlement_id, currency="USD", total=total, end=end, rows=rows)
    )


def test_reserves_are_carried_between_settlements() -> None:
    links = reserve_chain(
        [
            _settlement("3", 30, "80.00", "-10.00"),
            _settlement("1", 2, "0", "-61.35"),
            _settlement("2", 16, "61.35", "-74.18"),
        ]
    )
    assert [(link.settlement_id, link.opening, link.closing) for link in links] == [
        ("1", D(0), D("61.35")),
        ("2", D("61.35"), D("74.18")),
        ("3", D("80.00"), D("10.00")),
    ]
    [gap] = reserve_differences(links)
    assert gap.kind is DifferenceKind.RESERVE_NOT_CARRIED
    assert (gap.expected, gap.settled) == (D("74.18"), D("80.00"))


def test_an_item_shipped_in_two_parcels_settles_both_parcels_units() -> None:
    """Each shipment repeats the item's quantity on its rows: counted once per shipment."""

    def row(line: int, shipment: str, description: str, amount: str, units: int) -> SettlementRow:
        return SettlementRow(
            line=line,
            transaction_type="Order",
            amount_type="ItemPrice" if description == "Principal" else "ItemFees",
            amount_description=description,
            amount=D(amount),
            order_id="111-0000000-0000009",
            shipment_id=shipment,
            order_item_code="OI-1",
            sku="MUG-BLU-12",
            quantity=units,
        )

    rows = (
        row(1, "D1", "Principal", "20.00", 2),
        row(2, "D1", "Commission", "-3.00", 2),
        row(3, "D2", "Principal", "10.00", 1),
        row(4, "D2", "Commission", "-1.50", 1),
    )
    settlement = Settlement(settlement_id="1", currency="USD", total=D("25.50"), rows=rows)
    [order] = attribute(settlement).orders
    assert order.settled_quantities == {"MUG-BLU-12": 3}
