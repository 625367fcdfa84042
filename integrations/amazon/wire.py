"""Safe readers over Amazon's untyped JSON: every missing or malformed field becomes an
AmazonBadResponse naming the field (never its value, which may be personal data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.wire_time import parse_utc
from integrations.wire import Json, JsonReader


class WireReader(JsonReader):
    """Reads fields of one Amazon object; `context` (operation and order) labels errors."""

    bad_response = AmazonBadResponse

    def text(self, data: Json, key: str) -> str | None:
        """A string field; empty strings read as absent (Amazon sends "" for unused lines)."""
        value = data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key} is not a string")
        return value

    def integer(self, data: Json, key: str, default: int = 0) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{key} is not a non-negative integer")
        return value

    def flag(self, data: Json, key: str) -> bool:
        """Booleans, including v0's string-typed "true"/"false"."""
        value = data.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return False

    def time(self, data: Json, key: str) -> datetime | None:
        value = self.text(data, key)
        if value is None:
            return None
        try:
            return parse_utc(value)
        except ValueError:
            raise self.fail(f"{key} is not an ISO 8601 timestamp") from None

    def required_time(self, data: Json, key: str) -> datetime:
        value = self.time(data, key)
        if value is None:
            raise self.fail(f"{key} is missing")
        return value

    def decimal(self, data: Json, key: str) -> Decimal | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"{key} is not a decimal amount") from None
