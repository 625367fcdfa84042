"""Pushes each warehouse event to a webhook, signed, retrying failures in the background.

The signing is written here again rather than imported from integrations.gxo.webhook, because
the sandbox imports nothing of consign's; the tests check both implementations agree.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import BaseModel

from sandbox.gxo.wire import FeedEvent

MAX_BACKOFF_SECONDS = 60.0


class WebhookTarget(BaseModel):
    url: str
    secret: str


class PushStatus(BaseModel):
    url: str | None
    pending: int
    delivered: int
    failed_attempts: int


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    payload = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class _Delivery:
    event: FeedEvent
    attempts: int = 0
    due: float = 0.0


class WebhookPusher:
    """Queue of deliveries; `deliver_due` never raises, so a dead receiver never stops cycles."""

    def __init__(
        self,
        target: WebhookTarget | None = None,
        http: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.target = target
        self._http = http
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._queue: list[_Delivery] = []
        self._lock = asyncio.Lock()
        self.delivered = 0
        self.failed_attempts = 0

    def configure(self, target: WebhookTarget | None) -> None:
        self.target = target

    def enqueue(self, event: FeedEvent) -> None:
        """Listener for GxoWarehouse: events emitted without a target are only pullable."""
        if self.target is not None:
            self._queue.append(_Delivery(event))

    def status(self) -> PushStatus:
        return PushStatus(
            url=self.target.url if self.target else None,
            pending=len(self._queue),
            delivered=self.delivered,
            failed_attempts=self.failed_attempts,
        )

    async def deliver_due(self, force: bool = False) -> int:
        """Try every delivery whose backoff has passed (all of them when forced)."""
        async with self._lock:
            now = self._monotonic()
            due = [d for d in self._queue if force or d.due <= now]
            delivered = 0
            for delivery in due:
                if await self._post(delivery.event):
                    self._queue.remove(delivery)
                    delivered += 1
                else:
                    delivery.attempts += 1
                    delivery.due = now + min(2.0**delivery.attempts, MAX_BACKOFF_SECONDS)
                    self.failed_attempts += 1
            self.delivered += delivered
            return delivered

    async def _post(self, event: FeedEvent) -> bool:
        target = self.target
        if target is None:
            return False
        body = event.model_dump_json().encode()
        headers = {
            "Content-Type": "application/json",
            "X-GXO-Event-Id": event.event_id,
            "X-GXO-Signature": signature_header(target.secret, body, int(self._wall_clock())),
        }
        try:
            if self._http is None:
                self._http = httpx.AsyncClient(timeout=5.0)
            response = await self._http.post(target.url, content=body, headers=headers)
        except httpx.HTTPError:
            return False
        return response.is_success

    async def run(self, interval: float = 0.2) -> None:
        """Background loop started by the app's lifespan."""
        while True:
            await self.deliver_due()
            await asyncio.sleep(interval)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
