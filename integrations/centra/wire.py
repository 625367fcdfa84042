"""Safe readers over Centra's JSON: a missing or malformed field becomes a CentraBadResponse
naming the field (never its value, which may be personal data)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.centra.errors import CentraBadResponse

Json = dict[str, Any]


def to_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC: consign never keeps local wall-clock time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Wire:
    """Reads fields of one Centra object; `context` (operation and order number) labels errors."""

    def __init__(self, operation: str, context: str) -> None:
        self.operation = operation
        self.context = context

    def fail(self, message: str) -> CentraBadResponse:
        return CentraBadResponse(self.operation, f"{self.context}: {message}")

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
        """A string field, stripped; empty strings read as absent."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key} is not a string")
        return value.strip() or None

    def required_text(self, data: Json, key: str) -> str:
        value = self.text(data, key)
        if value is None:
            raise self.fail(f"{key} is missing")
        return value

    def integer(self, data: Json, key: str, default: int | None = None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{key} is not a non-negative integer")
        return value

    def flag(self, data: Json, key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{key} is not a boolean")
        return value

    def time(self, data: Json, key: str) -> datetime:
        value = self.required_text(data, key)
        try:
            return to_utc(datetime.fromisoformat(value))
        except ValueError:
            raise self.fail(f"{key} is not an ISO 8601 timestamp") from None

    def decimal(self, data: Json, key: str) -> Decimal | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(f"{key} is not a number")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self.fail(f"{key} is not a number") from None
