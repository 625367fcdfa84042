"""The SP-API transport: one place that authenticates requests and classifies every failure.

Operation modules (orders, shipments) build paths and bodies; this module owns the endpoint, the
`x-amz-access-token` header (the LWA token, or a Restricted Data Token for a restricted
operation; no SigV4 since 2023-10-02) and the error taxonomy of errors.py.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from integrations.amazon.errors import (
    AmazonAccessDenied,
    AmazonBadResponse,
    AmazonRequestRejected,
)
from integrations.amazon.http_errors import (
    first_error,
    json_body,
    server_error,
    throttled,
    transport_failure,
)

REGION_ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}

# Amazon asks for "AppName/Version (Language=...)" so their support can identify the caller.
USER_AGENT = f"consign/0.1 (Language=Python/{platform.python_version()})"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

QueryValue = str | int | float | bool | Sequence[str] | None


class Pacer(Protocol):
    async def take(self, operation: str) -> None: ...


class TokenSource(Protocol):
    async def access_token(self) -> str: ...

    def invalidate(self) -> None: ...


def resolve_endpoint(endpoint_or_region: str) -> str:
    """'na' / 'eu' / 'fe' -> Amazon's regional host; a URL (the loopback sandbox) is kept."""
    value = endpoint_or_region.strip()
    region = REGION_ENDPOINTS.get(value.lower())
    if region is not None:
        return region
    if not value.startswith(("http://", "https://")):
        raise ValueError(
            f"SP-API endpoint must be one of {sorted(REGION_ENDPOINTS)} or an http(s) URL, "
            f"got {value!r}"
        )
    return value.rstrip("/")


def encode_query(params: Mapping[str, QueryValue]) -> dict[str, str]:
    """Swagger 2 default collection format: arrays travel comma-separated; None is omitted."""
    query: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            query[name] = str(value)
        else:
            query[name] = ",".join(value)
    return query


class SpApiClient:
    """Sends one SP-API request and returns its JSON body, or raises a typed AmazonError."""

    def __init__(
        self,
        endpoint: str,
        tokens: TokenSource,
        http: httpx.AsyncClient,
        *,
        pacer: Pacer | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.endpoint = resolve_endpoint(endpoint)
        self._tokens = tokens
        self._http = http
        self._pacer = pacer
        self._user_agent = user_agent

    async def request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        tokens: TokenSource | None = None,
    ) -> Any:
        """`tokens` overrides the LWA token source (a restricted operation's RDT). A 403 is
        retried once with a fresh token: a cached token Amazon has revoked looks exactly like a
        missing role, and only a second refusal proves the latter. Every attempt waits for its
        usage-plan token first (pacing.py)."""
        source = tokens or self._tokens
        for attempt in (1, 2):
            response = await self._send(source, operation, method, path, params, json)
            if response.status_code in (401, 403) and attempt == 1:
                source.invalidate()
                continue
            return self._result(operation, response)
        raise AssertionError("unreachable: the second attempt always returns or raises")

    async def _send(
        self,
        tokens: TokenSource,
        operation: str,
        method: str,
        path: str,
        params: Mapping[str, QueryValue] | None,
        json: Any,
    ) -> httpx.Response:
        token = await tokens.access_token()
        if self._pacer is not None:
            await self._pacer.take(operation)
        headers = {
            "x-amz-access-token": token,
            "user-agent": self._user_agent,
            "accept": "application/json",
        }
        try:
            return await self._http.request(
                method,
                self.endpoint + path,
                params=encode_query(params or {}),
                json=json,
                headers=headers,
            )
        except httpx.TransportError as error:
            raise transport_failure(operation, error) from None

    @staticmethod
    def _result(operation: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status == 429:
            raise throttled(operation, response)
        if status >= 500:
            raise server_error(operation, response)
        body = json_body(response)
        if status in (401, 403):
            code, message = first_error(body)
            label = f"{code}: {message}" if code else message
            raise AmazonAccessDenied(
                operation, f"access denied (HTTP {status}) {label}", status=status
            )
        if status >= 400:
            code, message = first_error(body)
            raise AmazonRequestRejected(operation, message, status=status, code=code)
        if status == 204:
            return None
        if body is None and response.content:
            raise AmazonBadResponse(operation, f"HTTP {status} body is not JSON", status=status)
        return body
