"""Stock rules: safety buffers, available-to-sell, and the levels GXO reports."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.inventory import (
    BufferRule,
    StockChange,
    StockChangeKind,
    StockLevel,
    available_to_sell,
    buffer_units,
    listing_target,
)
from integrations.registry import Channel

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

DEFAULT = BufferRule(units=1)
AMAZON = BufferRule(channel=Channel.AMAZON, units=2)
SKU = BufferRule(sku="MUG-1", units=3)
SKU_AMAZON = BufferRule(channel=Channel.AMAZON, sku="MUG-1", units=4)


# --- buffer_units: which rule ------------------------------------------------------------


@pytest.mark.parametrize("order", [1, -1])
def test_sku_and_channel_rule_beats_every_other(order: int) -> None:
    rules = [DEFAULT, AMAZON, SKU, SKU_AMAZON][::order]
    assert buffer_units(rules, Channel.AMAZON, "MUG-1", 100) == 4


@pytest.mark.parametrize("order", [1, -1])
def test_sku_rule_beats_channel_rule_and_default(order: int) -> None:
    # SKU's units (3) are larger than AMAZON's (2), so flip them to show it is specificity.
    sku_small = BufferRule(sku="MUG-1", units=1)
    channel_large = BufferRule(channel=Channel.AMAZON, units=9)
    rules = [BufferRule(units=20), channel_large, sku_small][::order]
    assert buffer_units(rules, Channel.AMAZON, "MUG-1", 100) == 1


@pytest.mark.parametrize("order", [1, -1])
def test_channel_rule_beats_default(order: int) -> None:
    rules = [BufferRule(units=20), BufferRule(channel=Channel.AMAZON, units=2)][::order]
    assert buffer_units(rules, Channel.AMAZON, "OTHER", 100) == 2


def test_default_applies_when_nothing_more_specific_matches() -> None:
    assert buffer_units([DEFAULT, AMAZON, SKU, SKU_AMAZON], Channel.CENTRA, "OTHER", 100) == 1


def test_rules_for_another_channel_are_ignored() -> None:
    rules = [DEFAULT, AMAZON, SKU_AMAZON]
    # On Centra, neither Amazon rule applies, even the SKU-specific one.
    assert buffer_units(rules, Channel.CENTRA, "MUG-1", 100) == 1
    assert buffer_units([AMAZON, SKU_AMAZON], Channel.CENTRA, "MUG-1", 100) == 0


def test_rules_for_another_sku_are_ignored() -> None:
    assert buffer_units([SKU, SKU_AMAZON], Channel.AMAZON, "TSHIRT", 100) == 0
    assert buffer_units([SKU, SKU_AMAZON, AMAZON], Channel.AMAZON, "TSHIRT", 100) == 2


def test_no_rules_keep_nothing_back() -> None:
    assert buffer_units([], Channel.AMAZON, "MUG-1", 100) == 0


# --- buffer_units: units against percent -------------------------------------------------


def test_percent_larger_than_units_applies() -> None:
    rule = BufferRule(units=2, percent=Decimal(10))
    assert buffer_units([rule], Channel.AMAZON, "MUG-1", 50) == 5


def test_units_larger_than_percent_applies() -> None:
    rule = BufferRule(units=7, percent=Decimal(10))
    assert buffer_units([rule], Channel.AMAZON, "MUG-1", 50) == 7


@pytest.mark.parametrize(
    ("percent", "available", "expected"),
    [
        (Decimal(10), 1, 1),  # 0.1 -> 1
        (Decimal(10), 11, 2),  # 1.1 -> 2
        (Decimal(10), 10, 1),  # exactly 1
        (Decimal("12.5"), 9, 2),  # 1.125 -> 2
        (Decimal("33.33"), 3, 1),  # 0.9999 -> 1
        (Decimal(100), 17, 17),
    ],
)
def test_percent_rounds_up(percent: Decimal, available: int, expected: int) -> None:
    rule = BufferRule(percent=percent)
    assert buffer_units([rule], Channel.CENTRA, "MUG-1", available) == expected


@pytest.mark.parametrize("available", [0, -5])
def test_percent_of_nothing_available_is_nothing(available: int) -> None:
    assert buffer_units([BufferRule(percent=Decimal(50))], Channel.AMAZON, "X", available) == 0
    # units still apply when nothing is available
    rule = BufferRule(units=3, percent=Decimal(50))
    assert buffer_units([rule], Channel.AMAZON, "X", available) == 3


def test_the_winning_rule_decides_alone() -> None:
    # A less specific rule with a bigger percentage does not add to the specific one.
    rules = [BufferRule(percent=Decimal(50)), BufferRule(sku="MUG-1", units=1)]
    assert buffer_units(rules, Channel.AMAZON, "MUG-1", 100) == 1


@pytest.mark.parametrize("percent", [Decimal(-1), Decimal("100.01")])
def test_percent_outside_0_to_100_is_refused(percent: Decimal) -> None:
    with pytest.raises(ValidationError):
        BufferRule(percent=percent)


def test_negative_units_are_refused() -> None:
    with pytest.raises(ValidationError):
        BufferRule(units=-1)


# --- available_to_sell -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "buffer", "demand", "expected"),
    [
        (10, 2, 3, 5),
        (10, 0, 0, 10),
        (10, 10, 0, 0),
        (10, 4, 6, 0),
        (10, 8, 5, 0),  # would be -3
        (0, 1, 1, 0),
    ],
)
def test_available_to_sell(available: int, buffer: int, demand: int, expected: int) -> None:
    assert available_to_sell(available, buffer, demand) == expected


counts = st.integers(min_value=0, max_value=10_000)


@given(available=counts, buffer=counts, demand=counts, more=counts)
def test_available_to_sell_properties(available: int, buffer: int, demand: int, more: int) -> None:
    ats = available_to_sell(available, buffer, demand)
    assert 0 <= ats <= available
    # more buffer or more demand never shows more stock
    assert available_to_sell(available, buffer + more, demand) <= ats
    assert available_to_sell(available, buffer, demand + more) <= ats
    # more stock never shows less
    assert available_to_sell(available + more, buffer, demand) >= ats
    # nothing is lost: what is shown, kept back and promised covers what GXO has
    assert ats + buffer + demand >= available
    if ats > 0:
        assert ats + buffer + demand == available


@given(
    available=counts,
    units=st.integers(min_value=0, max_value=1_000),
    percent=st.decimals(min_value=0, max_value=100, places=2),
    more=counts,
)
def test_buffer_properties(available: int, units: int, percent: Decimal, more: int) -> None:
    rule = BufferRule(units=units, percent=percent)
    buffer = buffer_units([rule], Channel.AMAZON, "SKU", available)
    assert buffer >= units
    assert buffer >= available * percent / 100
    exact = max(Decimal(units), available * percent / 100)
    assert buffer - 1 < exact  # rounds up by less than one
    # a buffer never shrinks when more stock arrives
    assert buffer_units([rule], Channel.AMAZON, "SKU", available + more) >= buffer
    # the percentage part alone never keeps back more than is there
    assert buffer_units([BufferRule(percent=percent)], Channel.AMAZON, "SKU", available) <= (
        available
    )


# --- StockLevel and StockChange ----------------------------------------------------------


@pytest.mark.parametrize(
    ("on_hand", "allocated", "available"),
    [(10, 0, 10), (10, 3, 7), (10, 10, 0), (3, 10, 0), (0, 0, 0)],
)
def test_stock_level_available(on_hand: int, allocated: int, available: int) -> None:
    level = StockLevel(facility_id="F1", item_code="I1", on_hand=on_hand, allocated=allocated)
    assert level.available == available


@pytest.mark.parametrize(("on_hand", "allocated"), [(-1, 0), (1, -1)])
def test_stock_level_refuses_negative_counts(on_hand: int, allocated: int) -> None:
    with pytest.raises(ValidationError):
        StockLevel(facility_id="F1", item_code="I1", on_hand=on_hand, allocated=allocated)


def test_stock_change_level_carries_the_after_levels() -> None:
    change = StockChange(
        sequence=42,
        facility_id="GXO-UK1",
        item_code="GXO-1001",
        kind=StockChangeKind.SHIPMENT,
        quantity=-2,
        on_hand_after=8,
        allocated_after=1,
        reference="202-1111111-1111111",
        channel=Channel.AMAZON,
        at=AT,
    )
    assert change.level() == StockLevel(
        facility_id="GXO-UK1", item_code="GXO-1001", on_hand=8, allocated=1
    )
    assert change.level().available == 7


def test_stock_change_sequence_starts_at_one() -> None:
    with pytest.raises(ValidationError):
        StockChange(
            sequence=0,
            facility_id="F1",
            item_code="I1",
            kind=StockChangeKind.RECEIPT,
            quantity=1,
            on_hand_after=1,
            allocated_after=0,
            at=AT,
        )


def test_a_channel_that_subtracts_its_own_orders_is_known_by_name_not_identity() -> None:
    """Channel names are plain strings read from payloads and rows: equal, never the same
    object. Only the other channels' open demand comes off; its own stays for it to subtract."""
    own = "".join(["cen", "tra"])  # equal to "centra", built at run time
    target = listing_target(own, True, "SKU", 10, [], {"centra": 3, "amazon": 2}, held_own=1)
    assert target == 10 - 2 + 1
    assert listing_target(own, False, "SKU", 10, [], {"centra": 3, "amazon": 2}, 0) == 5
