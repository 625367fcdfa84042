"""Reading a shipment's capture state from Centra's payment history, including the forms Centra
does not document: a settlement recorded as a new entry while the request stays PENDING, and
isCaptured possibly true while a request is pending."""

from __future__ import annotations

from typing import Any

from domain.capture import CaptureState
from integrations.centra import captures
from integrations.centra.wire import Wire

WIRE = Wire("ShipmentPayments", "shipment 1")


def entry(
    i: int, kind: str, status: str, value: float = 100.0, ref: str = "psp-1"
) -> dict[str, Any]:
    return {
        "id": i,
        "entryType": kind,
        "status": status,
        "externalReference": ref,
        "value": {"value": value},
    }


def judge(
    raw: list[dict[str, Any]], ours: set[int], **shipment: bool
) -> tuple[CaptureState, list[int]]:
    return captures.judge(WIRE, dict(shipment), captures.entries(WIRE, raw), ours)


def test_a_synchronous_capture() -> None:
    assert judge([entry(2, "CAPTURE", "SUCCESS")], {2}, isCaptured=True) == (
        CaptureState.CAPTURED,
        [],
    )
    assert judge([entry(2, "CAPTURE", "SUCCESS")], {2}) == (CaptureState.CAPTURED, [])


def test_a_declined_capture() -> None:
    assert judge([entry(2, "CAPTURE_FAILED", "FAILED")], {2}) == (CaptureState.FAILED, [])


def test_no_entry_and_not_captured_is_a_failure() -> None:
    """createShipment(capture: true) with only userWarnings: nothing says it was captured."""
    assert judge([], set()) == (CaptureState.FAILED, [])
    assert judge([], set(), isPaid=True) == (CaptureState.CAPTURED, [])


def test_a_pending_request_wins_over_is_captured() -> None:
    """What isCaptured shows while a request is pending is not documented: not trusted."""
    raw = [entry(2, "CAPTURE_REQUEST", "PENDING")]
    assert judge(raw, {2}, isCaptured=True, isPaid=True) == (CaptureState.PENDING, [2])


def test_the_request_settling_in_place() -> None:
    assert judge([entry(2, "CAPTURE_REQUEST", "SUCCESS")], {2}) == (CaptureState.CAPTURED, [])
    assert judge([entry(2, "CAPTURE_REQUEST", "FAILED")], {2}) == (CaptureState.FAILED, [])


def test_the_request_settled_by_a_later_entry() -> None:
    ok = [entry(2, "CAPTURE_REQUEST", "PENDING"), entry(5, "CAPTURE", "SUCCESS")]
    assert judge(ok, {2}) == (CaptureState.CAPTURED, [])
    failed = [entry(2, "CAPTURE_REQUEST", "PENDING"), entry(5, "CAPTURE_FAILED", "FAILED")]
    assert judge(failed, {2}) == (CaptureState.FAILED, [])


def test_a_later_entry_settles_only_a_request_it_matches() -> None:
    other_value = [entry(2, "CAPTURE_REQUEST", "PENDING"), entry(5, "CAPTURE", "SUCCESS", value=40)]
    assert judge(other_value, {2}) == (CaptureState.PENDING, [2])
    earlier = [entry(5, "CAPTURE", "SUCCESS"), entry(7, "CAPTURE_REQUEST", "PENDING")]
    assert judge(earlier, {7}) == (CaptureState.PENDING, [7])


def test_two_requests_and_one_answer_settle_the_older_first() -> None:
    raw = [
        entry(2, "CAPTURE_REQUEST", "PENDING"),
        entry(3, "CAPTURE_REQUEST", "PENDING"),
        entry(5, "CAPTURE", "SUCCESS"),
    ]
    assert judge(raw, {2}) == (CaptureState.CAPTURED, [])
    assert judge(raw, {3}) == (CaptureState.PENDING, [3])
    assert captures.pending_requests(captures.entries(WIRE, raw)) == [3]


def test_an_answer_already_claimed_by_a_settled_request_is_not_reused() -> None:
    """The sandbox's form: the request turns SUCCESS and an entry records it; that entry must
    not settle another request still pending."""
    raw = [
        entry(2, "CAPTURE_REQUEST", "SUCCESS"),
        entry(3, "CAPTURE_REQUEST", "PENDING"),
        entry(5, "CAPTURE", "SUCCESS"),
    ]
    assert judge(raw, {3}) == (CaptureState.PENDING, [3])
