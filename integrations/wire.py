"""Safe readers over a channel's untyped JSON. A missing or malformed field becomes the
channel's BadResponse error naming the field, never its value (which may be personal data).
Each channel subclass adds the readers whose rules differ (text, numbers, times, flags)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

Json = dict[str, Any]


class BadResponseError(Protocol):
    def __call__(self, operation: str, message: str) -> Exception: ...


class JsonReader(ABC):
    """Reads fields of one object; `context` (operation and order id) labels errors."""

    bad_response: ClassVar[BadResponseError]

    def __init__(self, operation: str, context: str) -> None:
        self.operation = operation
        self.context = context

    def fail(self, message: str) -> Exception:
        return self.bad_response(self.operation, f"{self.context}: {message}")

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

    @abstractmethod
    def text(self, data: Json, key: str) -> str | None:
        """A string field, or None when absent (each channel says what counts as absent)."""

    def required_text(self, data: Json, key: str) -> str:
        value = self.text(data, key)
        if value is None:
            raise self.fail(f"{key} is missing")
        return value
