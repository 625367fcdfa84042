"""The pure returns rules: tally (receipts against the notice) and decide (the refund from the
dispositions under the policy), at their edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from domain.returns import (
    DEFAULT_POLICY,
    ChannelReturn,
    ChannelReturnLine,
    DispositionRule,
    ReceiptLine,
    RefundAction,
    RefundDecision,
    ReturnNotice,
    ReturnNoticeLine,
    ReturnReceipt,
    ReturnRef,
    decide,
    notice_for,
    rule_for,
    tally,
)

AT = datetime(2026, 12, 4, tzinfo=UTC)
POLICY = list(DEFAULT_POLICY)


def notice(*lines: tuple[str, int]) -> ReturnNotice:
    return ReturnNotice(
        facility_id="F",
        rma="9",
        channel="centra",
        account="a",
        channel_order_id="1",
        lines=[
            ReturnNoticeLine(
                line_number=i, channel_line_id=str(i), sku=f"S{i}", item_code=code, quantity=n
            )
            for i, (code, n) in enumerate(lines, start=1)
        ],
    )


def receipt(*lines: tuple[str, int, str], receipt_id: str = "R1") -> ReturnReceipt:
    return ReturnReceipt(
        receipt_id=receipt_id,
        facility_id="F",
        rma="9",
        channel="centra",
        account="a",
        received_at=AT,
        lines=[
            ReceiptLine(line_number=1, item_code=code, quantity=n, disposition=d)
            for code, n, d in lines
        ],
    )


def test_nothing_received_is_neither_complete_nor_anything() -> None:
    counted = tally(notice(("A", 2)), [])
    assert not counted.complete and not counted.anything and not counted.mismatched
    assert counted.describe() == "A: 0 received of 2"


def test_two_notice_lines_of_one_item_add_up() -> None:
    counted = tally(notice(("A", 1), ("A", 2)), [receipt(("A", 3, "SELLABLE"))])
    assert counted.expected == {"A": 3} and counted.complete
    assert counted.describe() == "as authorised"


def test_partial_then_the_rest_over_several_receipts_completes() -> None:
    first = receipt(("A", 1, "SELLABLE"))
    assert not tally(notice(("A", 2), ("B", 1)), [first]).complete
    rest = receipt(("A", 1, "DAMAGED"), ("B", 1, "SELLABLE"), receipt_id="R2")
    assert tally(notice(("A", 2), ("B", 1)), [first, rest]).complete


def test_not_received_lines_account_for_units() -> None:
    counted = tally(notice(("A", 2)), [receipt(("A", 1, "SELLABLE"), ("A", 1, "NOT_RECEIVED"))])
    assert counted.complete


def test_an_item_not_on_the_rma_and_too_many_units_are_mismatches() -> None:
    wrong = tally(notice(("A", 1)), [receipt(("Z", 1, "SELLABLE")), receipt(("Z", 2, "X"))])
    assert wrong.unexpected == ["Z"] and wrong.mismatched and not wrong.complete
    assert wrong.anything  # something arrived, though not what was authorised
    assert wrong.describe().startswith("Z not on the RMA")
    over = tally(notice(("A", 1)), [receipt(("A", 2, "SELLABLE"))])
    assert over.over == ["A"] and over.mismatched and "A: 2 received of 1" in over.describe()


def test_every_unit_refunded_is_a_refund_and_restock_counts_sellable_only() -> None:
    decision = decide("centra", [receipt(("A", 2, "SELLABLE"), ("B", 1, "DAMAGED"))], POLICY)
    assert decision.refund is RefundDecision.REFUND and decision.restocked_units == 2


def test_a_mix_of_refund_and_no_refund_is_left_to_a_person() -> None:
    decision = decide("centra", [receipt(("A", 1, "SELLABLE"), ("B", 1, "WRONG_ITEM"))], POLICY)
    assert decision.refund is RefundDecision.OPERATOR


def test_no_refund_and_credit_and_nothing_received() -> None:
    assert decide("centra", [receipt(("A", 1, "NOT_RECEIVED"))], POLICY).refund is (
        RefundDecision.NONE
    )
    credit = [DispositionRule(disposition="DAMAGED", action=RefundAction.CREDIT, restock=False)]
    assert decide("centra", [receipt(("A", 1, "DAMAGED"))], credit).refund is (
        RefundDecision.CREDIT_DUE
    )
    assert decide("centra", [], POLICY).refund is RefundDecision.NONE  # accepted, nothing came


def test_an_unmapped_disposition_is_named_once_and_decides_nothing() -> None:
    receipts = [receipt(("A", 1, "SELLABLE"), ("B", 1, "WATER_DAMAGE"), ("C", 1, "WATER_DAMAGE"))]
    decision = decide("centra", receipts, POLICY)
    assert decision.unmapped == ["WATER_DAMAGE"] and decision.refund is RefundDecision.NONE
    assert decide("centra", receipts, POLICY[:0]).unmapped == ["SELLABLE", "WATER_DAMAGE"]


def test_a_channel_row_wins_over_the_every_channel_row() -> None:
    own = DispositionRule(
        channel="centra", disposition="DAMAGED", action=RefundAction.NO_REFUND, restock=False
    )
    rules = [*POLICY, own]
    assert rule_for(rules, "centra", "DAMAGED") == own
    assert rule_for(rules, "amazon", "DAMAGED") == POLICY[1]
    assert decide("centra", [receipt(("A", 1, "DAMAGED"))], rules).refund is RefundDecision.NONE


def test_the_notice_maps_each_line_and_the_rma_is_bounded() -> None:
    ref = ReturnRef(channel="centra", account="a", rma="77")
    channel_return = ChannelReturn(
        ref=ref,
        channel_order_id="1042",
        lines=[
            ChannelReturnLine(channel_line_id="5", sku="JKT", quantity=2),
            ChannelReturnLine(channel_line_id="6", sku="TEE", quantity=1),
        ],
    )
    built = notice_for(channel_return, "GXO-UK-DAV", {"JKT": "GXO-1", "TEE": "GXO-2"})
    assert [(n.line_number, n.item_code, n.quantity) for n in built.lines] == [
        (1, "GXO-1", 2),
        (2, "GXO-2", 1),
    ]
    assert ref.workflow_id == "return:centra:a:77"
    with pytest.raises(ValidationError):
        ReturnRef(channel="centra", account="a", rma="X" * 31)  # X12 180 BGN-02 is AN 1/30
    with pytest.raises(KeyError):
        notice_for(channel_return, "F", {"JKT": "GXO-1"})  # the caller names UNMAPPED_SKU
