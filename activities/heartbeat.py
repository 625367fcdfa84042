"""Heartbeats for the activities that poll, pull and hand over: while one runs, it tells Temporal
it is alive every third of its heartbeat timeout. A worker killed mid-call stops beating, so
Temporal retries the activity on another worker once the heartbeat timeout passes (seconds),
instead of waiting out its start-to-close timeout (minutes). The workflows set both timeouts
(INTAKE_HEARTBEAT in workflows/intake_options.py); docs/operations.md states the bound."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from temporalio import activity

# Workers send a recorded heartbeat to the server at most this often (Worker
# max_heartbeat_throttle_interval). The SDK's own default, 0.8 x the heartbeat timeout, leaves
# 2 s of slack on a 10 s timeout; a busy worker would then lose live activities to it.
HEARTBEAT_THROTTLE = timedelta(seconds=2)


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Beat in the background while the body runs; nothing when no heartbeat timeout is set."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        yield
        return
    interval = timeout.total_seconds() / 3

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
