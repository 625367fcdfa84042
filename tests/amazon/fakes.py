"""A scripted Amazon behind httpx.MockTransport: LWA plus SP-API routes, with every SP-API
request checked against Amazon's official model before it is answered."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
from pydantic import SecretStr

from integrations.amazon.settings import AmazonSettings
from tests.support.spapi_models import model_for_path, validate_request, validate_response

TOKEN_URL = "https://api.amazon.com/auth/o2/token"
ENDPOINT = "https://sellingpartnerapi-eu.amazon.com"
CLIENT_SECRET = "amzn1.oa2-cs.v1.super-secret-value"
REFRESH_TOKEN = "Atzr|refresh-token-secret-value"
ACCESS_TOKEN_PREFIX = "Atza|access-"
SELLER = "A1SELLER"
MARKETPLACE = "A1F83G8C2ARO7P"
JSON = "application/json"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def settings(reader: str = "v2026", endpoint: str = ENDPOINT) -> AmazonSettings:
    return AmazonSettings(
        seller_id=SELLER,
        endpoint=endpoint,
        lwa_endpoint=TOKEN_URL,
        client_id="amzn1.application-oa2-client.test",
        client_secret=SecretStr(CLIENT_SECRET),
        refresh_token=SecretStr(REFRESH_TOKEN),
        marketplace_ids=[MARKETPLACE],
        orders_reader=reader,
        rate_scale=1.0,
    )


class Clock:
    """Both clocks the client uses: wall time for Amazon's filters, monotonic for LWA expiry."""

    def __init__(self) -> None:
        self.now = NOW
        self.seconds = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: httpx.Headers


def json_response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    def respond(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return respond


def beyond_model(status: int, body: Any) -> Handler:
    """An answer outside Amazon's current model on purpose (a status Amazon may add one day, an
    entry missing a required field), so FakeAmazon does not check it against the model."""

    def respond(request: httpx.Request) -> httpx.Response:
        content = json.dumps(body).encode()
        return httpx.Response(
            status, content=content, headers={"content-type": "application/json; charset=utf-8"}
        )

    return respond


@dataclass
class FakeAmazon:
    """Routes are queues of handlers per (method, path): each request consumes one."""

    routes: dict[tuple[str, str], deque[Handler]] = field(default_factory=dict)
    token_handlers: deque[Handler] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    token_delay: float = 0.0
    issued: int = 0

    def on(self, method: str, path: str, *handlers: Handler) -> FakeAmazon:
        self.routes.setdefault((method, path), deque()).extend(handlers)
        return self

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return await self._token(request)
        query = dict(request.url.params.multi_items())
        assert len(query) == len(request.url.params.multi_items()), "repeated query parameter"
        body = json.loads(request.content) if request.content else None
        path = request.url.path
        model = model_for_path(path)
        validate_request(model, request.method, path, query, body, strict=True)
        self.seen.append(Seen(request.method, path, query, body, request.headers))
        queue = self.routes.get((request.method, path))
        assert queue, f"unexpected request {request.method} {path}"
        response = queue.popleft()(request)
        if response.status_code < 300 and response.headers.get("content-type") == JSON:
            # The scripted answers must be ones Amazon could give.
            validate_response(model, request.method, path, 200, response.json())
        return response

    async def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        self.token_forms.append(form)
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if self.token_handlers:
            return self.token_handlers.popleft()(request)
        self.issued += 1
        token = {
            "access_token": f"{ACCESS_TOKEN_PREFIX}{self.issued}",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": REFRESH_TOKEN,
        }
        return httpx.Response(200, json=token)

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self))
