"""Replay protection for the signed webhooks. A signature only proves who sent a request and
when; inside its timestamp window a captured request would be accepted again. Each signed
request is accepted once: its HMAC is claimed in the store (shared by every worker process)
before it is handled, and released when handling fails, so the sender's retry still gets in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from integrations.signatures import DEFAULT_TOLERANCE_SECONDS, Delivery
from store.deliveries import claim_delivery, release_delivery


class ReplayGuard:
    """Claims deliveries in `engine`'s store, or in this process when there is no store."""

    def __init__(
        self,
        engine: Engine | None,
        tolerance: int = DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._tolerance = tolerance
        self._clock = clock
        self._claimed: dict[str, float] = {}  # without a store: delivery id -> expiry

    async def once(
        self, source: str, delivery: Delivery, handle: Callable[[], Awaitable[JSONResponse]]
    ) -> JSONResponse:
        """`handle()`'s answer the first time; 409 for the same signed request again."""
        if not await self._claim(source, delivery):
            message = "replayed delivery: this signed request was already accepted"
            return JSONResponse({"error": message}, status_code=409)
        accepted = False
        try:
            answer = await handle()
            accepted = answer.status_code < 300
            return answer
        finally:
            if not accepted:
                await self._release(delivery)

    async def _claim(self, source: str, delivery: Delivery) -> bool:
        now = self._clock()
        expires = delivery.timestamp + self._tolerance
        if self._engine is not None:
            at = datetime.fromtimestamp(now, UTC)
            until = datetime.fromtimestamp(expires, UTC)
            return await asyncio.to_thread(
                claim_delivery, self._engine, delivery.delivery_id, source, until, at
            )
        self._claimed = {k: t for k, t in self._claimed.items() if t >= now}
        if delivery.delivery_id in self._claimed:
            return False
        self._claimed[delivery.delivery_id] = expires
        return True

    async def _release(self, delivery: Delivery) -> None:
        if self._engine is not None:
            await asyncio.to_thread(release_delivery, self._engine, delivery.delivery_id)
        else:
            self._claimed.pop(delivery.delivery_id, None)
