"""Stock notices of activities finishing together go out as one signal, and each activity
still returns only after a signal carrying its items was accepted (or fails with it)."""

from __future__ import annotations

import asyncio

import pytest

from activities.coalesce import Coalesced


class Sender:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[list[str]] = []
        self.release = asyncio.Event()
        self.fail = fail

    async def __call__(self, items: list[str]) -> None:
        self.sent.append(items)
        await self.release.wait()
        if self.fail:
            raise RuntimeError("signal refused")


async def test_callers_arriving_while_a_signal_is_in_flight_share_the_next() -> None:
    sender = Sender()
    notices = Coalesced(sender)
    first = asyncio.create_task(notices.notify(["A"]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert sender.sent == [["A"]]  # on its way
    later = [asyncio.create_task(notices.notify(items)) for items in (["C"], ["B", "C"], ["D"])]
    await asyncio.sleep(0)
    assert not first.done() and not any(t.done() for t in later)
    sender.release.set()
    await asyncio.gather(first, *later)
    assert sender.sent == [["A"], ["B", "C", "D"]]
    assert notices.sent == 2


async def test_a_caller_returns_only_once_its_items_were_sent() -> None:
    sender = Sender()
    notices = Coalesced(sender)
    first = asyncio.create_task(notices.notify(["A"]))
    await asyncio.sleep(0)
    second = asyncio.create_task(notices.notify(["B"]))
    await asyncio.sleep(0.01)
    assert not first.done() and not second.done()
    sender.release.set()
    await first
    await second
    assert ["B"] in sender.sent


async def test_every_caller_of_a_failed_signal_fails() -> None:
    sender = Sender(fail=True)
    notices = Coalesced(sender)
    first = asyncio.create_task(notices.notify(["A"]))
    await asyncio.sleep(0)
    others = [asyncio.create_task(notices.notify([s])) for s in ("B", "C")]
    sender.release.set()
    for task in (first, *others):
        with pytest.raises(RuntimeError):
            await task
    assert sender.sent == [["A"], ["B", "C"]]
