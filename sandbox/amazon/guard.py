"""What every SP-API operation does before its handler runs: check the access token (LWA, or a
Restricted Data Token for the restricted resources it covers) and take a usage-plan token,
tagging the response with the operation's rate."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response

from sandbox.amazon.errors import SpApiError
from sandbox.amazon.state import AmazonSandbox

ACCESS_TOKEN_HEADER = "x-amz-access-token"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
REQUEST_ID_HEADER = "x-amzn-RequestId"
SPAPI_PREFIXES = ("/orders/", "/listings/", "/feeds/", "/tokens/", "/reports/", "/notifications/")


def rate_limit_declared(status: int) -> bool:
    """Whether the models declare x-amzn-RateLimit-Limit for this status. Every model declares
    it on 2xx, 400 and 404; the Orders, Listings Items and Feeds models never on 401, 403, 429 or
    5xx (only x-amzn-RequestId), so a client cannot pace a 429 retry with it."""
    return 200 <= status < 300 or status in (400, 404)


def operation(sandbox: AmazonSandbox, name: str) -> Callable[[Request], Coroutine[Any, Any, str]]:
    """A FastAPI dependency returning the calling seller's id, or raising 403/429. What an RDT
    unlocks for this request is left in `request.state.unlocked` (see `unlocked`)."""

    async def guard(request: Request) -> str:
        request.state.rate_limit = sandbox.usage.rate_header(name)
        token = request.headers.get(ACCESS_TOKEN_HEADER)
        access = sandbox.access(token, request.method, request.url.path)
        if access is None:
            raise SpApiError(403)
        request.state.unlocked = access.unlocked
        if not sandbox.admit(access.seller_id, name):
            raise SpApiError(429)
        sandbox.tick()
        return access.seller_id

    return guard


def unlocked(request: Request) -> frozenset[str]:
    """The data elements the request's Restricted Data Token releases (none for LWA tokens)."""
    found: frozenset[str] = getattr(request.state, "unlocked", frozenset())
    return found


def install_headers(app: FastAPI) -> None:
    """Every SP-API response carries a request id and, where the models declare it, the
    operation's x-amzn-RateLimit-Limit."""

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(SPAPI_PREFIXES):
            response.headers.setdefault(REQUEST_ID_HEADER, str(uuid.uuid4()))
            rate = getattr(request.state, "rate_limit", None)
            if rate is not None and rate_limit_declared(response.status_code):
                response.headers.setdefault(RATE_LIMIT_HEADER, rate)
        return response
