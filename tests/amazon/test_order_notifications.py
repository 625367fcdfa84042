"""The SQS reader: a message is deleted only after its order was handed to Temporal; a failed
hand-over leaves it in the queue; an unreadable one is set aside (then deleted) or, when the
store fails too, left for the dead-letter queue; no failure ends the reader."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from domain.setaside import SetAsideReason, SetAsideRecord
from integrations.amazon.order_notifications import NotificationReader
from integrations.registry import Channel
from tests.contracts.amazon.test_notifications import EXAMPLE

SELLER = "A3TH9S8BH6GOGM"  # the example's


def body(order_id: str, seller: str = SELLER) -> str:
    message = copy.deepcopy(EXAMPLE)
    change = message["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"], change["SellerId"] = order_id, seller
    for item in change["Summary"]["OrderItems"]:
        item.setdefault("SupplySourceId", None)
    return json.dumps(message)


class FakeSqs:
    def __init__(self, bodies: list[str], fail_receive: int = 0) -> None:
        self.messages = {f"r{n}": (f"m{n}", b) for n, b in enumerate(bodies)}
        self.deleted: list[str] = []
        self.fail_receive = fail_receive
        self.waits: list[int] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.waits.append(kwargs["WaitTimeSeconds"])
        if self.fail_receive:
            self.fail_receive -= 1
            raise ConnectionError("endpoint unreachable")
        batch = list(self.messages.items())[: kwargs["MaxNumberOfMessages"]]
        return {
            "Messages": [{"MessageId": m, "ReceiptHandle": r, "Body": b} for r, (m, b) in batch]
        }

    def delete_message_batch(self, **kwargs: Any) -> dict[str, Any]:
        for entry in kwargs["Entries"]:
            self.messages.pop(entry["ReceiptHandle"])
            self.deleted.append(entry["ReceiptHandle"])
        return {"Successful": [{"Id": e["Id"]} for e in kwargs["Entries"]]}


class Sink:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.got: list[Any] = []
        self.called = asyncio.Event()

    async def __call__(self, items: list[Any]) -> None:
        if self.fail:
            raise RuntimeError("Temporal unavailable")
        self.got.append(items)
        self.called.set()


class Notified(Sink):
    """The intake's side: the order ids named, and the changes stated, of each hand-over."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(fail)
        self.changes: list[list[OrderChange]] = []

    async def __call__(self, items: list[Any], changes: list[OrderChange] | None = None) -> None:
        await super().__call__(items)
        self.changes.append(changes or [])


def reader(sqs: FakeSqs, notify: Notified, set_aside: Sink) -> NotificationReader:
    return NotificationReader(sqs, "http://sqs/q", SELLER, notify, set_aside, wait_seconds=20)


async def test_valid_messages_are_handed_over_once_then_deleted() -> None:
    sqs = FakeSqs([body("111-1"), body("222-2"), body("111-1")])
    notify, aside = Notified(), Sink()
    report = await reader(sqs, notify, aside).read_once()
    assert notify.got == [["111-1", "222-2"]]  # one hand-over, each order once
    assert [c.ref.order_id for c in notify.changes[0]] == ["111-1", "222-2"]
    assert report.deleted == 3 and not sqs.messages
    assert aside.got == [] and sqs.waits == [20]


async def test_each_order_goes_with_the_change_its_summary_states() -> None:
    """Amazon's own example: an Unshipped MFN order whose buyer asked to cancel, changed at
    TimeOfOrderChange; the later of two messages for one order is the one handed on."""
    later = json.loads(body("111-1"))
    trigger = later["Payload"]["OrderChangeNotification"]["OrderChangeTrigger"]
    trigger["TimeOfOrderChange"] = "2022-11-29T19:50:00Z"
    later["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = "Canceled"
    notify = Notified()
    await reader(FakeSqs([body("111-1"), json.dumps(later)]), notify, Sink()).read_once()
    (change,) = notify.changes[0]
    assert change.ref == OrderRef(channel=Channel.AMAZON, account=SELLER, order_id="111-1")
    assert (change.status, change.fulfilled_by) == (
        ChannelOrderStatus.CANCELLED,
        FulfilledBy.MERCHANT,
    )
    assert change.buyer_cancel_requested
    assert change.last_updated_at == datetime(2022, 11, 29, 19, 50, tzinfo=UTC)
    example = Notified()
    await reader(FakeSqs([body("222-2")]), example, Sink()).read_once()
    (unshipped,) = example.changes[0]
    assert unshipped.status is ChannelOrderStatus.READY
    assert unshipped.last_updated_at == datetime(2022, 11, 29, 19, 42, 4, 284000, tzinfo=UTC)


async def test_a_failed_hand_over_deletes_nothing() -> None:
    sqs = FakeSqs([body("111-1")])
    report = await reader(sqs, Notified(fail=True), Sink()).read_once()
    assert report.kept == 1 and report.deleted == 0
    assert list(sqs.messages) == ["r0"]  # visible again after the visibility timeout


async def test_malformed_and_foreign_messages_are_set_aside_then_deleted() -> None:
    sqs = FakeSqs(["{not json", body("333-3", seller="AOTHERSELLER"), body("444-4")])
    notify, aside = Notified(), Sink()
    report = await reader(sqs, notify, aside).read_once()
    assert notify.got == [["444-4"]]
    (records,) = aside.got
    assert [r.reason for r in records] == [SetAsideReason.MALFORMED] * 2
    assert all(isinstance(r, SetAsideRecord) and r.system == "amazon" for r in records)
    assert records[0].raw == "{not json" and records[0].record_id == "m0"
    assert "SellerId" in records[1].detail and "AOTHERSELLER" not in records[1].detail
    assert report.set_aside == 2 and report.deleted == 3 and not sqs.messages


async def test_unreadable_messages_stay_queued_when_the_store_fails() -> None:
    sqs = FakeSqs(["[]", body("555-5")])
    notify = Notified()
    report = await reader(sqs, notify, Sink(fail=True)).read_once()
    assert notify.got == [["555-5"]]
    assert list(sqs.messages) == ["r0"] and report.kept == 1


async def test_the_reader_outlives_failures() -> None:
    sqs = FakeSqs([body("666-6")], fail_receive=2)
    pauses: list[float] = []
    notify = Notified()

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    loop = NotificationReader(sqs, "http://sqs/q", SELLER, notify, Sink(), sleep=sleep)
    task = asyncio.create_task(loop.run())
    async with asyncio.timeout(30):  # a bound for a hung test, not a timing assertion
        await notify.called.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pauses[:2] == [1.0, 2.0] and notify.got[0] == ["666-6"]
