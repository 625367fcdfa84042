"""Chase time = ship-by less the lead, clamped to [now, ship-by]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.deadlines import DeadlinePolicy, deadlines_for

SHIP_BY = datetime(2024, 3, 10, 18, 0, tzinfo=UTC)


def test_default_lead_is_six_hours() -> None:
    now = SHIP_BY - timedelta(days=2)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(), now)
    assert d.chase_at == SHIP_BY - timedelta(hours=6)
    assert d.ship_by == SHIP_BY


def test_chase_is_ship_by_less_lead_when_in_the_future() -> None:
    now = SHIP_BY - timedelta(days=1)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=timedelta(hours=2)), now)
    assert d.chase_at == SHIP_BY - timedelta(hours=2)


def test_chase_never_earlier_than_now() -> None:
    now = SHIP_BY - timedelta(hours=1)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=timedelta(hours=6)), now)
    assert d.chase_at == now


def test_chase_never_later_than_ship_by_when_already_past() -> None:
    now = SHIP_BY + timedelta(hours=3)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(), now)
    assert d.chase_at == SHIP_BY


def test_chase_exactly_at_boundary() -> None:
    lead = timedelta(hours=6)
    now = SHIP_BY - lead
    assert deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=lead), now).chase_at == now


def test_zero_lead_chases_at_ship_by() -> None:
    now = SHIP_BY - timedelta(days=1)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=timedelta(0)), now)
    assert d.chase_at == SHIP_BY


def test_negative_lead_is_clamped_to_ship_by() -> None:
    now = SHIP_BY - timedelta(days=1)
    d = deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=timedelta(hours=-4)), now)
    assert d.chase_at == SHIP_BY


@given(
    lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    offset=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
)
def test_chase_is_clamped(lead: timedelta, offset: timedelta) -> None:
    now = SHIP_BY + offset
    d = deadlines_for(SHIP_BY, DeadlinePolicy(chase_lead=lead), now)
    assert d.chase_at <= SHIP_BY
    if now <= SHIP_BY:
        assert now <= d.chase_at
        assert d.chase_at == max(SHIP_BY - lead, now)
    else:
        assert d.chase_at == SHIP_BY
