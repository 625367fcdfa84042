"""The Integration API transport: one place that authenticates requests and classifies every
failure (HTTP status, GraphQL errors[], mutation userErrors) into the errors of errors.py."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx
from pydantic import SecretStr

from integrations.centra.errors import (
    CentraBadResponse,
    CentraPermissionDenied,
    CentraRequestError,
    CentraThrottled,
    CentraUnauthorized,
    CentraUnavailable,
    CentraUserErrors,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# "You need Order:read permission to ..." -> "Order:read"; nested permissions are named after
# the field: "Order.shippingAddress:read", "ProductSize.stock:read".
_PERMISSION = re.compile(r"\b([A-Z][A-Za-z]*(?:\.[A-Za-z]+)*:[a-z]+)\b")

Json = dict[str, Any]


# A Retry-After number this large is a unix timestamp, not a number of seconds to wait.
TIMESTAMP_THRESHOLD = 100_000_000
# A patient call (one step of a long paged read or push) waits out a 429 this long, this often,
# instead of failing the whole activity and starting over.
PATIENCE_SECONDS = 30.0
PATIENT_TRIES = 5


def retry_after_seconds(raw: str | None, now: float) -> float | None:
    """Seconds to wait from a 429's Retry-After. Centra documents it as a timestamp; its format
    is not documented, so unix seconds, an HTTP date and ISO 8601 are all read, and a small
    number is taken as seconds (RFC 9110's other form). A moment already past means at once."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number) or number < 0:  # NaN, infinite or negative: unusable
            return None
        return max(0.0, number - now) if number >= TIMESTAMP_THRESHOLD else number
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


def _classify_errors(operation: str, errors: list[Any]) -> Exception:
    """Authorization errors win: a missing permission is the one a person can fix directly."""
    entries = [e for e in errors if isinstance(e, dict)]
    for entry in entries:
        extensions = entry.get("extensions")
        if isinstance(extensions, dict) and extensions.get("category") == "authorization":
            text = str(entry.get("message") or "permission denied")
            found = _PERMISSION.search(text)
            return CentraPermissionDenied(operation, found.group(1) if found else None, text)
    messages = [str(e.get("message") or "no message") for e in entries] or ["unreadable errors"]
    return CentraRequestError(operation, "GraphQL errors: " + "; ".join(messages))


def check_payload(operation: str, payload: Any) -> Json:
    """Every mutation payload goes through here: userErrors raise, userWarnings are logged with
    their paths only (their text may quote buyer data)."""
    if not isinstance(payload, dict):
        raise CentraBadResponse(operation, "the mutation payload is missing")
    errors = payload.get("userErrors") or []
    if errors:
        messages = [str(e.get("message") or "no message") for e in errors if isinstance(e, dict)]
        paths = [[str(p) for p in e.get("path") or []] for e in errors if isinstance(e, dict)]
        raise CentraUserErrors(operation, messages or ["unreadable userErrors"], paths)
    warnings = payload.get("userWarnings") or []
    if warnings:
        where = [".".join(map(str, w.get("path") or [])) for w in warnings if isinstance(w, dict)]
        log.warning("centra %s returned %d userWarnings at %s", operation, len(warnings), where)
    return payload


class CentraClient:
    """Posts one GraphQL document and returns its `data`, or raises a typed CentraError."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self._token = token
        self._clock = clock
        self._sleep = sleep
        self._owned = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)

    async def execute(
        self, document: str, variables: Json, operation: str, *, patient: bool = False
    ) -> Json:
        """`patient`: a 429 whose Retry-After is near is waited out here (a throttled request
        was not executed, so sending it again is safe); otherwise it raises CentraThrottled."""
        attempt = 1
        while True:
            try:
                return await self._post(document, variables, operation)
            except CentraThrottled as err:
                wait = err.retry_after
                near = wait is not None and wait <= PATIENCE_SECONDS
                if not (patient and near and attempt < PATIENT_TRIES):
                    raise
            attempt += 1
            await self._sleep(wait or 0.0)

    async def _post(self, document: str, variables: Json, operation: str) -> Json:
        headers = {
            "Authorization": f"Bearer {self._token.get_secret_value()}",
            "Accept": "application/json",
        }
        body = {"query": document, "variables": variables}
        try:
            response = await self._http.post(self.base_url, json=body, headers=headers)
        except httpx.TransportError as error:
            kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
            raise CentraUnavailable(operation, f"{kind} ({type(error).__name__})") from None
        return self._result(operation, response)

    async def mutate(
        self, document: str, variables: Json, operation: str, field: str, *, patient: bool = False
    ) -> Json:
        """Execute a mutation and return its checked payload (`data[field]`)."""
        data = await self.execute(document, variables, operation, patient=patient)
        return check_payload(operation, data.get(field))

    def _result(self, operation: str, response: httpx.Response) -> Json:
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response.headers.get("Retry-After"), self._clock())
            raise CentraThrottled(operation, retry_after=wait)
        if status >= 500:
            raise CentraUnavailable(
                operation, f"Centra is unavailable (HTTP {status})", status=status
            )
        if status == 401:
            raise CentraUnauthorized(
                operation, "the Centra API token is invalid or expired (HTTP 401)", status=status
            )
        try:
            body = response.json()
        except (ValueError, RecursionError):  # RecursionError: nested deeper than parsed
            body = None
        if isinstance(body, dict) and body.get("errors"):
            errors = body["errors"]
            raise _classify_errors(operation, errors if isinstance(errors, list) else [errors])
        if status == 403:
            raise CentraPermissionDenied(operation, None, "HTTP 403")
        if status >= 400:
            raise CentraRequestError(operation, f"request refused (HTTP {status})", status=status)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise CentraBadResponse(operation, f"HTTP {status} body has no data object")
        data: Json = body["data"]
        return data

    async def aclose(self) -> None:
        if self._owned:
            await self._http.aclose()

    async def __aenter__(self) -> CentraClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
