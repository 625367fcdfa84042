"""The Amazon client wired to the Amazon sandbox in process, with every SP-API request and
response (body and Amazon headers) validated against Amazon's official models on the way, so a
flow that works here is one Amazon understands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from integrations.amazon.pacing import UsagePacer
from integrations.amazon.settings import AmazonSettings
from sandbox.amazon.catalogue import UK
from sandbox.amazon.lwa import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_SELLER_ID,
)
from tests.support.spapi_models import (
    model_for_path,
    validate_request,
    validate_response,
    validate_response_headers,
)

BASE = "http://sandbox.test"
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SPAPI = ("/orders/", "/listings/", "/feeds/", "/tokens/", "/reports/", "/notifications/")


class ManualClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def seconds(self) -> float:
        return (self.now - START).total_seconds()

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def pacer(self, scale: float = 1.0) -> UsagePacer:
        """Client-side pacing on the sandbox's own clock: a wait for a token moves the time the
        sandbox refills its buckets by, and nothing else does."""
        return UsagePacer(scale, clock=self.seconds, sleep=self.sleep)


class CheckedTransport(httpx.AsyncBaseTransport):
    """The sandbox app behind a transport that validates SP-API traffic against the models."""

    def __init__(self, app: object) -> None:
        self.inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.checked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        spapi = path.startswith(SPAPI)
        if spapi:
            query = dict(request.url.params.multi_items())
            body = json.loads(request.content) if request.content else None
            validate_request(model_for_path(path), request.method, path, query, body, strict=True)
        response = await self.inner.handle_async_request(request)
        if spapi:
            await response.aread()
            payload = response.json() if response.content else None
            model, status = model_for_path(path), response.status_code
            validate_response(model, request.method, path, status, payload, strict=True)
            validate_response_headers(model, request.method, path, status, response.headers)
            self.checked += 1
        return response


def sandbox_settings(reader: str = "v2026") -> AmazonSettings:
    return AmazonSettings(
        seller_id=DEFAULT_SELLER_ID,
        endpoint=BASE,
        lwa_endpoint=f"{BASE}/auth/o2/token",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=SecretStr(DEFAULT_CLIENT_SECRET),
        refresh_token=SecretStr(DEFAULT_REFRESH_TOKEN),
        marketplace_ids=[UK.marketplace_id],
        orders_reader=reader,
        rate_scale=1.0,
    )
