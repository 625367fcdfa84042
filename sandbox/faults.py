"""Fault injection shared by every simulator: latency, 5xx, 429, timeouts and lost responses
(the request was processed but the caller gets a 504) per request.

Faults are configured per run (constructor or `PUT /_sandbox/faults`) and drawn from a seeded
random, so a failing test replays the same faults. Paths under /_sandbox are never faulted.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class FaultConfig(BaseModel):
    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)  # 503 Service Unavailable
    throttle_rate: float = Field(default=0.0, ge=0, le=1)  # 429 on top of real usage plans
    timeout_rate: float = Field(default=0.0, ge=0, le=1)  # hang for timeout_seconds, then 504
    timeout_seconds: float = Field(default=30.0, ge=0)
    lost_response_rate: float = Field(default=0.0, ge=0, le=1)  # processed, then 504 anyway
    duplicate_event_rate: float = Field(default=0.0, ge=0, le=1)  # event feeds repeat an event
    reorder_events: bool = False  # event feeds deliver a page out of order
    seed: int = 7


Responder = Callable[[int], Response]
T = TypeVar("T")


class FaultInjector:
    """Decides, per request, whether to misbehave. `error_body` renders the simulated
    system's own error format for a status code."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self.random = random.Random(config.seed)

    def chance(self, rate: float) -> bool:
        return rate > 0 and self.random.random() < rate

    def install(self, app: FastAPI, error_body: Responder) -> None:
        @app.middleware("http")
        async def inject(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            if request.url.path.startswith("/_sandbox"):
                return await call_next(request)
            cfg = self.config
            if cfg.latency_ms:
                await asyncio.sleep(cfg.latency_ms / 1000)
            if self.chance(cfg.timeout_rate):
                await asyncio.sleep(cfg.timeout_seconds)
                return error_body(504)
            if self.chance(cfg.error_rate):
                return error_body(503)
            if self.chance(cfg.throttle_rate):
                return error_body(429)
            response = await call_next(request)
            if self.chance(cfg.lost_response_rate):
                return error_body(504)  # the work was done; the caller never hears of it
            return response

        @app.put("/_sandbox/faults")
        async def set_faults(config: FaultConfig) -> FaultConfig:
            self.configure(config)
            return config

        @app.get("/_sandbox/faults")
        async def get_faults() -> FaultConfig:
            return self.config

    def shuffle_events(self, events: list[T]) -> list[T]:
        """Duplicate and reorder a page of events as configured (for event feeds)."""
        out = list(events)
        for event in events:
            if self.chance(self.config.duplicate_event_rate):
                out.append(event)
        if self.config.reorder_events:
            self.random.shuffle(out)
        return out


def json_error(
    status: int, body: dict[str, object], headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(status_code=status, content=body, headers=headers)
