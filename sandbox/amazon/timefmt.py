"""Amazon's timestamp wire format: ISO 8601 in UTC with a Z, to the second."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$")


def to_wire(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_wire(text: str) -> datetime | None:
    """Parse an ISO 8601 date-time; naive values are UTC (as Amazon treats them).
    Returns None for anything that is not ISO 8601, so callers can answer 400."""
    if not _ISO.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
