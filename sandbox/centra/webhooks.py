"""Centra's webhook plugin (Integration API flavour): the changes of one moment are POSTed as
one form-encoded batch, `payload=<urlencoded JSON>` holding {"events": [{type, action, date,
id}, ...]}, for orders, shipments, customers, accounts and returns, with an
`X-Centra-Signature: t=<unix>,v1=<hex>` header (HMAC-SHA256 over "{t}.{raw body}"). A push gets
a 5-second timeout and at most 3 retries, then is dropped for good, which is why the receiver
needs a periodic sweep. Signed here, not via integrations/, which the sandbox may not import."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx

SECRET_ENV = "CENTRA_WEBHOOK_SECRET"
DEFAULT_SECRET = "sandbox-centra-webhook-secret"
SIGNATURE_HEADER = "X-Centra-Signature"
TIMEOUT_SECONDS = 5.0
MAX_RETRIES = 3
WEBHOOK_TYPES = frozenset({"order", "shipment", "customer", "account", "return"})


def default_secret() -> str:
    return os.environ.get(SECRET_ENV, DEFAULT_SECRET)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode(events: list[dict[str, object]]) -> bytes:
    """The exact form body Centra sends: one `payload` field holding the JSON."""
    return urlencode({"payload": json.dumps({"events": events})}).encode()


@dataclass
class Push:
    events: list[dict[str, object]]
    attempts: int = 0
    last_error: str | None = None


@dataclass
class WebhookPusher:
    """Queues pushes and delivers them; `transport` and `sleep` are injectable for tests."""

    url: str | None = None
    secret: str = field(default_factory=default_secret)
    retry_delay_seconds: float = 1.0
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    pending: list[dict[str, object]] = field(default_factory=list)  # the next batch
    delivered: list[Push] = field(default_factory=list)
    dropped: list[Push] = field(default_factory=list)

    def enqueue(self, event: dict[str, object]) -> None:
        if self.url and event.get("type") in WEBHOOK_TYPES:
            self.pending.append(event)

    def take(self) -> list[Push]:
        """Everything that changed since the last delivery, as one batch."""
        events, self.pending = self.pending, []
        return [Push(events)] if events else []

    def deliver(self, pushes: list[Push], now: Callable[[], float]) -> None:
        """Send each push, retrying up to MAX_RETRIES times; runs outside the sandbox lock."""
        url, secret = self.url, self.secret
        if not url:
            self.dropped.extend(pushes)
            return
        with httpx.Client(timeout=TIMEOUT_SECONDS, transport=self.transport) as client:
            for push in pushes:
                self._send(client, url, secret, push, now)

    def _send(
        self,
        client: httpx.Client,
        url: str,
        secret: str,
        push: Push,
        now: Callable[[], float],
    ) -> None:
        body = encode(push.events)
        while push.attempts <= MAX_RETRIES:
            if push.attempts:
                self.sleep(self.retry_delay_seconds)
            push.attempts += 1
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                SIGNATURE_HEADER: sign(secret, body, int(now())),
            }
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                push.last_error = type(exc).__name__
                continue
            if response.is_success:
                self.delivered.append(push)
                return
            push.last_error = f"HTTP {response.status_code}"
        self.dropped.append(push)

    def stats(self) -> dict[str, object]:
        return {
            "url": self.url,
            "pending": len(self.pending),
            "delivered": len(self.delivered),
            "dropped": len(self.dropped),
            "drops": [{"events": p.events, "error": p.last_error} for p in self.dropped],
        }
