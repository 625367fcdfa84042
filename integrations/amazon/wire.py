"""Safe readers over Amazon's untyped JSON: every missing or malformed field becomes an
AmazonBadResponse naming the field (never its value, which may be personal data)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.amazon.errors import AmazonBadResponse
from integrations.amazon.wire_time import parse_utc

Json = dict[str, Any]


class WireReader:
    """Reads fields of one Amazon object; `context` (operation and order id) labels errors."""

    def __init__(self, operation: str, context: str) -> None:
        self.operation = operation
        self.context = context

    def fail(self, message: str) -> AmazonBadResponse:
        return AmazonBadResponse(self.operation, f"{self.context}: {message}")

    def obj(self, data: Json, key: str) -> Json:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{key} is not an object")
        return value

    def objects(self, data: Json, key: str) -> list[Json]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{key} is not a list of objects")
        return value

    def text(self, data: Json, key: str) -> str | None:
        """A string field; empty strings read as absent (Amazon sends "" for unused lines)."""
        value = data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key} is not a string")
        return value

    def required_text(self, data: Json, key: str) -> str:
        value = self.text(data, key)
        if value is None:
            raise self.fail(f"{key} is missing")
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
