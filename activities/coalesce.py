"""One signal for the items many activities moved at about the same time.

Planning an order, confirming a parcel and closing an order's demand each tell the inventory
syncs which items moved (worker.py `stock_moved`). One signal per activity was about 4.5
signals per order, each an event in the sync's history and a workflow task to read it
(issue 14's profile). While a signal is on its way, the items of every caller arriving meanwhile
gather for the next one. Each caller still returns only once a signal carrying its items was
accepted, and fails if that signal failed, so an activity completes after its notice reached
Temporal exactly as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Coalesced:
    """`await notify(items)`: at most one `send` in flight; the items of callers that arrive
    while it is go out together in the next."""

    def __init__(self, send: Callable[[list[str]], Awaitable[None]]) -> None:
        self._send = send
        self._pending: set[str] = set()
        self._next: asyncio.Future[None] | None = None
        self._in_flight = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0  # signals sent (each to every target)

    async def notify(self, items: list[str]) -> None:
        self._pending.update(items)
        batch = self._next
        if batch is None:
            batch = self._next = asyncio.get_running_loop().create_future()
            batch.add_done_callback(_retrieved)
            task = asyncio.create_task(self._flush(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # A cancelled caller (its activity cancelled) leaves the others' signal alone.
        await asyncio.shield(batch)

    async def _flush(self, batch: asyncio.Future[None]) -> None:
        async with self._in_flight:
            # From here callers gather for the next signal.
            self._next = None
            items, self._pending = sorted(self._pending), set()
            try:
                await self._send(items)
            except BaseException as err:  # every caller of this batch fails with it
                batch.set_exception(err)
                if not isinstance(err, Exception):
                    raise
            else:
                self.sent += 1
                batch.set_result(None)


def _retrieved(batch: asyncio.Future[None]) -> None:
    """A failure whose callers were all cancelled is not logged as never retrieved."""
    if not batch.cancelled():
        batch.exception()
