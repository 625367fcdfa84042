"""Per-line shipped/remaining arithmetic, including property-based split shipments."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.exceptions import ConsignError, ExceptionKind
from domain.order import OrderLine
from domain.shipment import (
    LineProgress,
    all_shipped,
    any_shipped,
    apply_parcel,
    parcel_quantities,
    progress_from_lines,
)
from domain.warehouse import Parcel
from tests.domain.builders import line, parcel


def _progress() -> list[LineProgress]:
    return progress_from_lines(
        [line("L1", "SKU-A", quantity=3), line("L2", "SKU-B", quantity=5, cancelled=1)]
    )


# --- progress_from_lines ----------------------------------------------------------------------


def test_progress_from_lines_copies_quantities() -> None:
    p = progress_from_lines([line("L1", "SKU-A", quantity=7, shipped=2, cancelled=1)])
    assert p == [LineProgress(line_id="L1", sku="SKU-A", ordered=7, shipped=2, cancelled=1)]
    assert p[0].remaining == 4


def test_progress_from_lines_keeps_order_and_empty() -> None:
    assert progress_from_lines([]) == []
    p = progress_from_lines([line("B", "S1"), line("A", "S2"), line("C", "S3")])
    assert [x.line_id for x in p] == ["B", "A", "C"]


# --- parcel_quantities ------------------------------------------------------------------------


def test_parcel_quantities_sums_repeated_lines() -> None:
    p = parcel("P1", ("L1", 1), ("L2", 2), ("L1", 3))
    assert parcel_quantities(p) == {"L1": 4, "L2": 2}


def test_parcel_quantities_single_line() -> None:
    assert parcel_quantities(parcel("P1", ("L9", 1))) == {"L9": 1}


# --- apply_parcel -------------------------------------------------------------------------------


def test_apply_parcel_partial() -> None:
    before = _progress()
    after = apply_parcel(before, parcel("P1", ("L1", 2)))
    assert [(p.line_id, p.shipped, p.remaining) for p in after] == [("L1", 2, 1), ("L2", 0, 4)]
    assert [(p.shipped, p.remaining) for p in before] == [(0, 3), (0, 4)]  # not mutated


def test_apply_parcels_to_completion() -> None:
    p = _progress()
    p = apply_parcel(p, parcel("P1", ("L1", 1), ("L2", 4)))
    assert any_shipped(p) and not all_shipped(p)
    p = apply_parcel(p, parcel("P2", ("L1", 2)))
    assert all_shipped(p)
    assert [(x.shipped, x.remaining) for x in p] == [(3, 0), (4, 0)]


def test_apply_parcel_unknown_line() -> None:
    before = _progress()
    snapshot = [x.model_copy() for x in before]
    with pytest.raises(ConsignError) as err:
        apply_parcel(before, parcel("P1", ("L1", 1), ("NOPE", 1)))
    assert err.value.kind is ExceptionKind.UNKNOWN_ORDER_LINE
    assert "NOPE" in err.value.message
    assert before == snapshot


def test_apply_parcel_over_shipment() -> None:
    before = _progress()
    with pytest.raises(ConsignError) as err:
        apply_parcel(before, parcel("P1", ("L2", 5)))  # 5 ordered but 1 cancelled
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT
    assert all(x.shipped == 0 for x in before)


def test_apply_parcel_exact_remaining_is_not_over_shipment() -> None:
    after = apply_parcel(_progress(), parcel("P1", ("L2", 4)))
    assert after[1].remaining == 0


def test_same_line_twice_in_one_parcel_is_summed_for_over_shipment() -> None:
    before = _progress()
    with pytest.raises(ConsignError) as err:
        apply_parcel(before, parcel("P1", ("L1", 2), ("L1", 2)))  # 4 > 3
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT
    assert before == _progress()


def test_same_line_twice_in_one_parcel_within_remaining() -> None:
    after = apply_parcel(_progress(), parcel("P1", ("L1", 1), ("L1", 2)))
    assert after[0].shipped == 3


def test_over_shipment_on_a_later_line_leaves_earlier_lines_unshipped() -> None:
    before = _progress()
    with pytest.raises(ConsignError) as err:
        apply_parcel(before, parcel("P1", ("L1", 1), ("L2", 99)))
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT
    assert before == _progress()


def test_shipping_a_fully_cancelled_line_is_over_shipment() -> None:
    p = progress_from_lines([line("L1", "SKU-A", quantity=2, cancelled=2)])
    with pytest.raises(ConsignError) as err:
        apply_parcel(p, parcel("P1", ("L1", 1)))
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT


def test_reapplying_after_completion_is_over_shipment() -> None:
    p = apply_parcel(_progress(), parcel("P1", ("L1", 3), ("L2", 4)))
    with pytest.raises(ConsignError) as err:
        apply_parcel(p, parcel("P2", ("L1", 1)))
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT


# --- all_shipped / any_shipped ----------------------------------------------------------------


def test_all_and_any_shipped() -> None:
    fresh = _progress()
    assert not all_shipped(fresh) and not any_shipped(fresh)
    done = [LineProgress(line_id="L1", sku="S", ordered=2, shipped=1, cancelled=1)]
    assert all_shipped(done) and any_shipped(done)
    cancelled = [LineProgress(line_id="L1", sku="S", ordered=2, cancelled=2)]
    assert all_shipped(cancelled) and not any_shipped(cancelled)
    part = [
        LineProgress(line_id="L1", sku="S", ordered=1, shipped=1),
        LineProgress(line_id="L2", sku="S", ordered=1),
    ]
    assert any_shipped(part) and not all_shipped(part)


def test_all_shipped_of_nothing_is_true_any_is_false() -> None:
    assert all_shipped([]) is True
    assert any_shipped([]) is False


# --- property-based: split and partial shipments ----------------------------------------------

MAX_PARCELS = 5


@st.composite
def order_lines(draw: st.DrawFn) -> list[OrderLine]:
    n = draw(st.integers(min_value=1, max_value=5))
    lines = []
    for i in range(n):
        ordered = draw(st.integers(min_value=0, max_value=12))
        cancelled = draw(st.integers(min_value=0, max_value=ordered))
        shipped = draw(st.integers(min_value=0, max_value=ordered - cancelled))
        lines.append(line(f"L{i}", f"SKU-{i}", ordered, shipped=shipped, cancelled=cancelled))
    return lines


@st.composite
def split_plan(draw: st.DrawFn, lines: list[OrderLine]) -> list[list[tuple[str, int]]]:
    """Every line's open quantity cut into positive parts, each part put in some parcel; a
    parcel may hold several parts of the same line. Empty parcels are dropped."""
    parcels: list[list[tuple[str, int]]] = [[] for _ in range(MAX_PARCELS)]
    for ol in lines:
        open_qty = ol.quantity - ol.quantity_cancelled - ol.quantity_shipped
        if open_qty == 0:
            continue
        cuts = sorted(
            draw(st.sets(st.integers(min_value=1, max_value=open_qty - 1), max_size=4))
            if open_qty > 1
            else set()
        )
        bounds = [0, *cuts, open_qty]
        for lo, hi in itertools.pairwise(bounds):
            target = draw(st.integers(min_value=0, max_value=MAX_PARCELS - 1))
            parcels[target].append((ol.line_id, hi - lo))
    for contents in parcels:
        draw(st.randoms()).shuffle(contents)
    return [contents for contents in parcels if contents]


def _parcels(plan: list[list[tuple[str, int]]]) -> list[Parcel]:
    return [parcel(f"P{i}", *contents) for i, contents in enumerate(plan)]


@st.composite
def order_and_plan(
    draw: st.DrawFn,
) -> tuple[list[OrderLine], list[list[tuple[str, int]]]]:
    lines = draw(order_lines())
    return lines, draw(split_plan(lines))


@settings(max_examples=150, deadline=None)
@given(order_and_plan())
def test_any_split_ships_every_line_exactly(
    case: tuple[list[OrderLine], list[list[tuple[str, int]]]],
) -> None:
    lines, plan = case
    progress = progress_from_lines(lines)
    for p in _parcels(plan):
        before = [x.shipped for x in progress]
        progress = apply_parcel(progress, p)
        for x, prev in zip(progress, before, strict=True):
            assert type(x.shipped) is int and type(x.remaining) is int
            assert prev <= x.shipped <= x.ordered - x.cancelled
            assert x.remaining >= 0
    assert all_shipped(progress)
    for x, ol in zip(progress, lines, strict=True):
        assert x.remaining == 0
        assert x.shipped == ol.quantity - ol.quantity_cancelled
        assert x.cancelled == ol.quantity_cancelled and x.ordered == ol.quantity
    assert any_shipped(progress) == any(x.shipped > 0 for x in progress)


@settings(max_examples=150, deadline=None)
@given(order_and_plan(), st.data())
def test_one_extra_unit_anywhere_is_over_shipment(
    case: tuple[list[OrderLine], list[list[tuple[str, int]]]], data: st.DataObject
) -> None:
    lines, plan = case
    target = data.draw(st.sampled_from([ol.line_id for ol in lines]), label="line")
    slot = data.draw(st.integers(min_value=0, max_value=len(plan)), label="parcel")
    plan = [list(contents) for contents in plan]
    if slot == len(plan):
        plan.append([(target, 1)])  # an extra parcel carrying one more unit
    else:
        plan[slot].append((target, 1))  # one more unit inside an existing parcel

    progress = progress_from_lines(lines)
    with pytest.raises(ConsignError) as err:  # the failing parcel is not known up front
        for p in _parcels(plan):
            snapshot = [x.model_copy() for x in progress]
            progress = apply_parcel(progress, p)
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT
    assert progress == snapshot  # the failing parcel changed nothing
    for x in progress:
        assert 0 <= x.shipped <= x.ordered - x.cancelled


@settings(max_examples=100, deadline=None)
@given(order_and_plan(), st.data())
def test_extra_unit_after_completion_is_over_shipment(
    case: tuple[list[OrderLine], list[list[tuple[str, int]]]], data: st.DataObject
) -> None:
    lines, plan = case
    progress = progress_from_lines(lines)
    for p in _parcels(plan):
        progress = apply_parcel(progress, p)
    target = data.draw(st.sampled_from([ol.line_id for ol in lines]))
    with pytest.raises(ConsignError) as err:
        apply_parcel(progress, parcel("EXTRA", (target, 1)))
    assert err.value.kind is ExceptionKind.OVER_SHIPMENT
