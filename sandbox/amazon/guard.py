"""What every SP-API operation does before its handler runs: check the LWA access token
and take a usage-plan token, tagging the response with the operation's rate."""

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


def operation(sandbox: AmazonSandbox, name: str) -> Callable[[Request], Coroutine[Any, Any, str]]:
    """A FastAPI dependency returning the calling seller's id, or raising 403/429."""

    async def guard(request: Request) -> str:
        request.state.rate_limit = sandbox.usage.rate_header(name)
        seller_id = sandbox.authorize(request.headers.get(ACCESS_TOKEN_HEADER))
        if seller_id is None:
            raise SpApiError(403)
        if not sandbox.admit(seller_id, name):
            raise SpApiError(429)
        sandbox.tick()
        return seller_id

    return guard


def install_headers(app: FastAPI) -> None:
    """Every SP-API response carries a request id and, once the operation is known, its
    x-amzn-RateLimit-Limit."""

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(("/orders/", "/listings/", "/feeds/")):
            response.headers.setdefault(REQUEST_ID_HEADER, str(uuid.uuid4()))
            rate = getattr(request.state, "rate_limit", None)
            if rate is not None:
                response.headers.setdefault(RATE_LIMIT_HEADER, rate)
        return response
