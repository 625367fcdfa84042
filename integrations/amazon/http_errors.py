"""Turns an HTTP outcome into the typed errors of errors.py. Shared by the SP-API client and the
LWA token exchange so both classify 429, 5xx and transport failures the same way."""

from __future__ import annotations

import math
from typing import Any

import httpx

from integrations.amazon.errors import AmazonThrottled, AmazonUnavailable


def _float_header(response: httpx.Response, name: str) -> float | None:
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def throttled(operation: str, response: httpx.Response) -> AmazonThrottled:
    """A 429 carries no x-amzn-RateLimit-Limit (the models declare only x-amzn-RequestId on it),
    so nothing here reads it. A Retry-After, which no model documents either, is honoured if it
    ever comes; otherwise the retry is paced by Temporal's backoff and, for the rate-limited
    operations, by their task queue's rate."""
    return AmazonThrottled(operation, retry_after=_float_header(response, "Retry-After"))


def transport_failure(operation: str, error: httpx.TransportError) -> AmazonUnavailable:
    """Timeouts and connection errors name their class only: the URL may carry query values."""
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "connection failed"
    return AmazonUnavailable(operation, f"{kind} ({type(error).__name__})")


def server_error(operation: str, response: httpx.Response) -> AmazonUnavailable:
    status = response.status_code
    return AmazonUnavailable(operation, f"Amazon is unavailable (HTTP {status})", status=status)


def json_body(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is empty or not JSON (error pages, 204)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        return None


def first_error(body: Any) -> tuple[str | None, str]:
    """Amazon's first errors[] entry as (code, message), tolerant of odd bodies."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        entry = errors[0]
        message = str(entry.get("message") or "no message")
        details = entry.get("details")
        if details:
            message = f"{message} ({details})"
        code = entry.get("code")
        return (str(code) if code is not None else None), message
    return None, "no error details in the response"


async def presigned_transfer(
    http: httpx.AsyncClient, operation: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """A request to a pre-signed document URL (S3: no access token). Such URLs carry
    credentials in the query, so errors never echo the URL. 429/503 (S3's SlowDown) and 5xx are
    transient; any other status is the caller's to judge."""
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.TransportError as error:
        raise transport_failure(operation, error) from None
    if response.status_code == 429 or response.status_code == 503:
        raise throttled(operation, response)
    if response.status_code >= 500:
        raise server_error(operation, response)
    return response
