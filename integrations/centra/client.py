"""The Integration API transport: one place that authenticates requests and classifies every
failure (HTTP status, GraphQL errors[], mutation userErrors) into the errors of errors.py."""

from __future__ import annotations

import logging
import re
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
# "You need Order:read permission to ..." -> "Order:read"
_PERMISSION = re.compile(r"\b([A-Z][A-Za-z]*:[a-z]+)\b")

Json = dict[str, Any]


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


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
        self, base_url: str, token: SecretStr, http: httpx.AsyncClient | None = None
    ) -> None:
        self.base_url = base_url
        self._token = token
        self._owned = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)

    async def execute(self, document: str, variables: Json, operation: str) -> Json:
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

    async def mutate(self, document: str, variables: Json, operation: str, field: str) -> Json:
        """Execute a mutation and return its checked payload (`data[field]`)."""
        data = await self.execute(document, variables, operation)
        return check_payload(operation, data.get(field))

    @staticmethod
    def _result(operation: str, response: httpx.Response) -> Json:
        status = response.status_code
        if status == 429:
            raise CentraThrottled(operation, retry_after=_retry_after(response))
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
        except ValueError:
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
