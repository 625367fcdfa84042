"""GXO-shaped error bodies: {"error": {"status", "reason", "message", "rejection"}}."""

from __future__ import annotations

from fastapi import Response

from sandbox.faults import json_error
from sandbox.gxo.wire import Rejection

REASONS = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    422: "REJECTED",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class GxoHttpError(Exception):
    """Raised by routes; rendered by the app's handler as a GXO error body."""

    def __init__(
        self,
        status: int,
        message: str,
        reason: str | None = None,
        rejection: Rejection | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason or REASONS.get(status, "ERROR")
        self.rejection = rejection


def error_response(
    status: int,
    message: str,
    reason: str | None = None,
    rejection: Rejection | None = None,
) -> Response:
    headers = {"Retry-After": "1"} if status == 429 else None
    body: dict[str, object] = {
        "error": {
            "status": status,
            "reason": reason or REASONS.get(status, "ERROR"),
            "message": message,
            "rejection": rejection.model_dump(mode="json") if rejection else None,
        }
    }
    return json_error(status, body, headers)


def fault_body(status: int) -> Response:
    """What the fault injector sends for a simulated 5xx/429/504."""
    messages = {
        429: "request rate exceeded, retry later",
        503: "warehouse gateway temporarily unavailable",
        504: "upstream WMS did not answer in time",
    }
    return error_response(status, messages.get(status, "simulated failure"))
