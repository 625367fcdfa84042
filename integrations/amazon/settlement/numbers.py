"""Amounts in the marketplace's local layout: `95.00` (US), `95,00` (EU), with or without
thousands separators (`1,234.56`, `1.234,56`, `1 234,56`, `1'234.56`). V2 files use the local
layout (Amazon's changelog), so the decimal separator is decided once per file, from all of its
amounts, and every amount is then read with it: `1.234` alone is ambiguous, a file is not."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"[\s\u00a0\u202f'\u2019]")
# A comma followed by one or two digits at the end can only be a decimal comma.
_DECIMAL_COMMA = re.compile(r",\d{1,2}$")
_DECIMAL_POINT = re.compile(r"\.\d{1,2}$")
_GROUPED = re.compile(r"^\d{1,3}(?:G\d{3})*$")


def decimal_separator(values: Iterable[str]) -> str:
    """',' when any amount ends in a decimal comma (or uses '.' to group thousands before a
    comma), else '.'."""
    for raw in values:
        value = _SPACES.sub("", raw)
        if not value:
            continue
        if _DECIMAL_COMMA.search(value) and not _DECIMAL_POINT.search(value):
            return ","
        if "," in value and "." in value and value.rfind(",") > value.rfind("."):
            return ","
    return "."


def parse_amount(raw: str, separator: str = ".") -> Decimal:
    """The exact Decimal for `raw`; ValueError names the layout problem, not the value."""
    value = _SPACES.sub("", raw)
    sign = ""
    if value[:1] in ("+", "-"):
        sign, value = ("-" if value[0] == "-" else ""), value[1:]
    if value.endswith("-"):  # trailing minus, as some locales write it
        sign, value = "-", value[:-1]
    group = "," if separator == "." else "."
    whole, point, fraction = value.partition(separator)
    if not whole or (point and not fraction.isdigit()):
        raise ValueError(f"not an amount in the file's layout (decimal {separator!r})")
    if group in whole and not _GROUPED.match(whole.replace(group, "G")):
        raise ValueError(f"thousands separator {group!r} in the wrong place")
    digits = whole.replace(group, "")
    if not digits.isdigit():
        raise ValueError(f"not an amount in the file's layout (decimal {separator!r})")
    try:
        return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")
    except InvalidOperation:
        raise ValueError("not an amount") from None
