"""Safe readers over Centra's JSON: a missing or malformed field becomes a CentraBadResponse
naming the field (never its value, which may be personal data)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from integrations.centra.errors import CentraBadResponse
from integrations.wire import Json, JsonReader


def to_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC: consign never keeps local wall-clock time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Wire(JsonReader):
    """Reads fields of one Centra object; `context` (operation and order) labels errors."""

    bad_response = CentraBadResponse

    def text(self, data: Json, key: str) -> str | None:
        """A string field, stripped; empty strings read as absent."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key} is not a string")
        return value.strip() or None

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
