"""Heartbeats for the activities that poll, pull and hand over: while one runs, it tells Temporal
it is alive every third of its heartbeat timeout. A worker killed mid-call stops beating, so
Temporal retries the activity on another worker once the heartbeat timeout passes (seconds),
instead of waiting out its start-to-close timeout (minutes). The workflows set both timeouts
(HEARTBEAT in workflows/intakes.py); docs/operations.md states the bound.

A hand-over to many workflows also sends how far it got as the heartbeat details (`hand_over`),
so an attempt retried after a kill resumes after the last item recorded instead of from the
first: a batch that takes longer than one worker lives still gets through."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel
from temporalio import activity

# Workers send a recorded heartbeat to the server at most this often (Worker
# max_heartbeat_throttle_interval). The SDK's own default, 0.8 x the heartbeat timeout, leaves
# 1 s of slack on the intakes' 5 s timeout; a busy worker would then lose live activities to it.
HEARTBEAT_THROTTLE = timedelta(seconds=2)

R = TypeVar("R", bound=BaseModel | None)
T = TypeVar("T")


@contextlib.asynccontextmanager
async def heartbeating(
    progress: Callable[[], Sequence[object]] | None = None,
) -> AsyncIterator[None]:
    """Beat in the background while the body runs, with `progress()` as the details if given;
    nothing when no heartbeat timeout is set."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        yield
        return
    interval = timeout.total_seconds() / 3

    async def beat() -> None:
        while True:
            activity.heartbeat(*(progress() if progress else ()))
            await asyncio.sleep(interval)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def hand_over(
    items: Sequence[T],
    report: R,
    each: Callable[[T, R], Awaitable[None]],
    window: int = 1,
) -> R:
    """`each(item, report)` for every item in turn, heartbeating how far it got; an attempt
    retried after a kill resumes after the last item its predecessor recorded, with the report
    of the items before (so each item counts once). With `window` > 1 that many calls overlap
    (a window of RPCs takes as long as its slowest, not their sum) and progress is recorded per
    window: a retried attempt re-does at most the window a kill cut short, so `each` must be
    idempotent (handing over is), and an item of that window may be counted twice."""
    progress = _Progress(report)
    async with heartbeating(progress.details):
        rest = items[progress.done :]
        for start in range(0, len(rest), window):
            part = rest[start : start + window]
            await asyncio.gather(*(each(item, progress.report) for item in part))
            progress.done += len(part)
            # Recorded at once, not at the next beat: the SDK sends the latest at most every
            # HEARTBEAT_THROTTLE, so a worker killed a few seconds in still passes its progress on.
            activity.heartbeat(*progress.details())
    return progress.report


class _Progress(Generic[R]):
    """`done` items handed over, counted in `report` (if the activity reports); starts where
    the last heartbeat of an earlier attempt left off."""

    def __init__(self, report: R) -> None:
        self.done = 0
        self.report = report
        details = activity.info().heartbeat_details
        if details:
            self.done, saved = details
            if report is not None:
                self.report = report.model_validate(saved)

    def details(self) -> tuple[int, R]:
        """A copy: the SDK encodes heartbeat details later, when more items may be done."""
        return self.done, self.report if self.report is None else self.report.model_copy()
