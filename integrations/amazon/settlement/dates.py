"""Settlement dates in the layouts seen or documented so far. Amazon documents `posted-date-time`
as `YYYY-MM-DD HH:MM:SS UTC`; real V1 files use ISO 8601; Japanese files `YYYY/MM/DD ... UTC`;
EU files are said to use local layouts. Which layout each marketplace uses in V2 is unverified
(docs/amazon.md), so reading is lenient and a date that fits none is None, never a guess."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ZONE_SUFFIX = re.compile(r"\s*(UTC|GMT|Z)$", re.IGNORECASE)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")
_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
_SLASHED = re.compile(r"^(\d{1,4})/(\d{1,2})/(\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_timestamp(raw: str) -> datetime | None:
    """An aware UTC datetime, or None when the layout is unknown or ambiguous (`03/04/2026`:
    day and month could be either). A value without a zone is taken as UTC."""
    text = _ZONE_SUFFIX.sub("", raw.strip())
    if not text:
        return None
    zone: timezone = UTC
    offset = _OFFSET.search(text)
    if offset and ("T" in text or " " in text):
        sign = 1 if offset.group(1) == "+" else -1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        zone = timezone(sign * delta)
        text = text[: offset.start()].strip()
    text = text.split(".")[0] if re.search(r":\d{2}\.\d+$", text) else text
    parsed = _fixed_layouts(text) or _slashed(text)
    if parsed is None:
        return None
    return parsed.replace(tzinfo=zone).astimezone(UTC)


def _fixed_layouts(text: str) -> datetime | None:
    for layout in _LAYOUTS:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


def _slashed(text: str) -> datetime | None:
    """`YYYY/MM/DD`, or `A/B/YYYY` (and `A/B/YY`) only when A or B cannot be a month."""
    match = _SLASHED.match(text)
    if not match:
        return None
    first, second, third, hour, minute, second_of_minute = match.groups()
    if len(first) == 4:
        year, month, day = int(first), int(second), int(third)
    else:
        a, b = int(first), int(second)
        year = int(third) + (2000 if len(third) == 2 else 0)
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            month, day = a, b
        else:
            return None
    try:
        return datetime(
            year, month, day, int(hour or 0), int(minute or 0), int(second_of_minute or 0)
        )
    except ValueError:
        return None
