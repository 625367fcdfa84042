"""The filter and paging conventions every Centra list shares: `where` fields are lists (any of),
`DateRange {from, to}`, `StringMatch {contains, equals}`, `IntRange {from, to}`; lists page with
`limit`/`page` (the sandbox caps `limit` at 200 and defaults it to 20, as nested lists do)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 200

Where = dict[str, Any]


def one_of(where: Where, key: str, value: object) -> bool:
    wanted = where.get(key)
    return wanted is None or value in wanted


def within(where: Where, key: str, value: datetime | int | None) -> bool:
    """DateRange or IntRange {from, to}, both ends included; no value is outside any range."""
    window = where.get(key)
    if not window:
        return True
    if value is None:
        return False
    start, end = window.get("from"), window.get("to")
    return (start is None or value >= start) and (end is None or value <= end)


def matches(where: Where, key: str, text: str | None) -> bool:
    """StringMatch: `contains` (documented) and `equals` (unverified), both case-sensitive."""
    match = where.get(key)
    if not match:
        return True
    if text is None:
        return False
    contains, equals = match.get("contains"), match.get("equals")
    return (contains is None or contains in text) and (equals is None or equals == text)


def flag(where: Where, key: str, value: bool) -> bool:
    wanted = where.get(key)
    return wanted is None or wanted == value


def page(items: Sequence[T], limit: int | None, page_number: int | None) -> list[T]:
    size = min(max(DEFAULT_LIMIT if limit is None else limit, 0), MAX_LIMIT)
    start = (max(page_number or 1, 1) - 1) * size
    return list(items[start : start + size])
