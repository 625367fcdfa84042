"""The demo settlement scene's checks: the planted ORDER_TOTAL difference is the only one, on
the repriced order and by the amount the close took off."""

from __future__ import annotations

from decimal import Decimal

from domain.settlement_differences import DifferenceKind, SettlementDifference
from starter.demo_settlement import PRICE_CHANGE, SettlementOutcome

CHECK = "the order settled below its total is the one total difference"


def _total(order_id: str, expected: str, settled: str) -> SettlementDifference:
    return SettlementDifference(
        kind=DifferenceKind.TOTAL_DIFFERS,
        order_id=order_id,
        expected=Decimal(expected),
        settled=Decimal(settled),
    )


def _outcome(*found: SettlementDifference) -> SettlementOutcome:
    return SettlementOutcome(
        settlement_id="1", repriced="A", differences=list(found), deposit=Decimal(0)
    )


def test_the_planted_total_difference_passes() -> None:
    settled = str(Decimal("20.00") + PRICE_CHANGE)
    assert _outcome(_total("A", "20.00", settled)).checks()[CHECK]


def test_a_missing_or_extra_or_wrong_total_difference_fails() -> None:
    settled = str(Decimal("20.00") + PRICE_CHANGE)
    assert not _outcome().checks()[CHECK]
    assert not _outcome(_total("A", "20.00", settled), _total("B", "5.00", "4.99")).checks()[CHECK]
    assert not _outcome(_total("A", "20.00", "19.99")).checks()[CHECK]
