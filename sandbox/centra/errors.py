"""Centra's HTTP-level error bodies ({"errors": [{"message": ...}]}), shared by the GraphQL
endpoint and the fault injector. A 429's Retry-After holds a timestamp (unix seconds): when the
request would fit, not a number of seconds to wait."""

from __future__ import annotations

import math
import time

from fastapi import Response

from sandbox.faults import json_error

MESSAGES = {
    401: "Unauthorized",
    429: "Too Many Requests: rate limit exceeded",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


INJECTED_THROTTLE_SECONDS = 10


def error_response(status: int, retry_at: float | None = None) -> Response:
    headers = None
    if status == 429:
        moment = retry_at if retry_at is not None else time.time() + INJECTED_THROTTLE_SECONDS
        headers = {"Retry-After": str(math.ceil(moment))}
    message = MESSAGES.get(status, "Error")
    return json_error(status, {"errors": [{"message": message}]}, headers)
