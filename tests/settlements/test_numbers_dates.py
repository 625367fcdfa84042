"""Local amount and date layouts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from integrations.amazon.settlement.dates import parse_timestamp
from integrations.amazon.settlement.numbers import decimal_separator, parse_amount


@pytest.mark.parametrize(
    ("raw", "separator", "expected"),
    [
        ("95.00", ".", "95.00"),
        ("-95.00", ".", "-95.00"),
        ("1,234.56", ".", "1234.56"),
        ("1,234,567.8", ".", "1234567.8"),
        ("95,00", ",", "95.00"),
        ("-1.234,56", ",", "-1234.56"),
        ("1 234,56", ",", "1234.56"),
        ("1\u00a0234,56", ",", "1234.56"),
        ("1'234.56", ".", "1234.56"),
        ("12", ".", "12"),
        ("+3.10", ".", "3.10"),
        ("3.10-", ".", "-3.10"),
    ],
)
def test_amounts(raw: str, separator: str, expected: str) -> None:
    assert parse_amount(raw, separator) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "separator"),
    [("", "."), ("abc", "."), ("1.2.3", "."), ("12,34,5.00", "."), ("1,5", "."), ("95.", ".")],
)
def test_bad_amounts(raw: str, separator: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw, separator)


@pytest.mark.parametrize(
    ("values", "separator"),
    [
        (["95.00", "-3.10"], "."),
        (["95,00", "-3,10"], ","),
        (["1.234", "95,5"], ","),
        (["1.234,56"], ","),
        (["1,234.56"], "."),
        (["12", "-3"], "."),
    ],
)
def test_decimal_separator_of_a_file(values: list[str], separator: str) -> None:
    assert decimal_separator(values) == separator


WHEN = datetime(2026, 7, 2, 7, 14, 55, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-07-02 07:14:55 UTC",
        "2026-07-02T07:14:55+00:00",
        "2026-07-02T09:14:55+02:00",
        "2026-07-02T07:14:55Z",
        "2026-07-02T07:14:55.000Z",
        "2026/07/02 07:14:55 UTC",
        "02.07.2026 07:14:55 UTC",
        "2026-07-02 07:14:55",
    ],
)
def test_timestamps(raw: str) -> None:
    assert parse_timestamp(raw) == WHEN


def test_day_first_or_month_first_only_when_unambiguous() -> None:
    assert parse_timestamp("25/07/2026 10:00:00 UTC") == datetime(2026, 7, 25, 10, tzinfo=UTC)
    assert parse_timestamp("07/25/2026") == datetime(2026, 7, 25, tzinfo=UTC)
    assert parse_timestamp("07/25/26") == datetime(2026, 7, 25, tzinfo=UTC)
    assert parse_timestamp("03/04/2026") is None  # March 4th or April 3rd: not guessed
    assert parse_timestamp("soon") is None
    assert parse_timestamp("") is None
