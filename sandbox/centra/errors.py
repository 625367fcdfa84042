"""Centra's HTTP-level error bodies ({"errors": [{"message": ...}]}), shared by the GraphQL
endpoint and the fault injector."""

from __future__ import annotations

from fastapi import Response

from sandbox.faults import json_error

MESSAGES = {
    401: "Unauthorized",
    429: "Too Many Requests: rate limit exceeded",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_response(status: int, retry_after: int | None = None) -> Response:
    headers = None
    if status == 429:
        headers = {"Retry-After": str(retry_after if retry_after is not None else 10)}
    message = MESSAGES.get(status, "Error")
    return json_error(status, {"errors": [{"message": message}]}, headers)
