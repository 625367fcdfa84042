"""CentraChannel's read side: get_order, named orders, the events queue and the sweep."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from domain.exceptions import ExceptionKind
from domain.order import ChannelOrderStatus
from integrations.centra.errors import CentraOrderNotFound
from integrations.centra.port import CentraChannel, sweep_page
from integrations.channel import ChangeQuery, ChannelPort
from tests.centra.fakes import FakeCentra, order_json

SINCE = datetime(2025, 3, 1, tzinfo=UTC)


def channel_for(
    fake: FakeCentra,
    *,
    page_size: int = 50,
    event_limit: int = 100,
    now: datetime = datetime(2025, 3, 30, tzinfo=UTC),
) -> CentraChannel:
    return CentraChannel(
        fake.client(),
        "brand-eu",
        dispatch_sla=timedelta(hours=48),
        page_size=page_size,
        event_limit=event_limit,
        clock=lambda: now,
    )


def event(event_id: int, reference: str, change: str = "UPDATED") -> dict[str, object]:
    return {
        "id": event_id,
        "objectType": "Order",
        "changeType": change,
        "objectReference": reference,
        "createdAt": "2025-03-10T10:00:00Z",
    }


def test_implements_the_channel_port() -> None:
    port: ChannelPort = channel_for(FakeCentra())
    assert port.channel.value == "centra" and port.account == "brand-eu"


async def test_get_order_reads_by_number() -> None:
    fake = FakeCentra()
    fake.add(order_json(1001), order_json(1002))
    order = await channel_for(fake).get_order("1002")
    assert order.ref.order_id == "1002" and order.status is ChannelOrderStatus.READY
    assert fake.calls == [("OrdersByNumber", {"numbers": [1002], "limit": 1})]


@pytest.mark.parametrize("order_id", ["404", "not-a-number"])
async def test_get_order_not_found_is_permanent(order_id: str) -> None:
    with pytest.raises(CentraOrderNotFound) as caught:
        await channel_for(FakeCentra()).get_order(order_id)
    assert caught.value.exception_kind is ExceptionKind.ORDER_NOT_FOUND


async def test_named_orders_are_read_in_one_query() -> None:
    fake = FakeCentra()
    fake.add(order_json(1001), order_json(1002, status="CANCELLED"))
    page = await channel_for(fake).changes(
        ChangeQuery(since=SINCE, order_ids=["1002", "1001", "9"])
    )
    assert {c.ref.order_id: c.status for c in page.changes} == {
        "1001": ChannelOrderStatus.READY,
        "1002": ChannelOrderStatus.CANCELLED,
    }
    assert page.ack == [] and page.next_page_token is None and page.cursor == SINCE
    assert fake.operations() == ["OrdersByNumber"]


async def test_events_become_changes_and_acks(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeCentra()
    fake.add(order_json(1001), order_json(1002, isOnHold=True))
    fake.events = [event(1, "1001"), event(2, "1002"), event(3, "1001"), event(4, "777", "DELETED")]
    channel = channel_for(fake)
    with caplog.at_level(logging.INFO, logger="integrations.centra.port"):
        page = await channel.changes(ChangeQuery(since=SINCE))
    assert [(c.ref.order_id, c.status) for c in page.changes] == [
        ("1001", ChannelOrderStatus.READY),
        ("1002", ChannelOrderStatus.PENDING),
    ]
    assert page.ack == ["1", "2", "3", "4"]  # the deleted order's event is acked too
    assert page.cursor == SINCE and page.next_page_token is None
    assert "event 4" in caplog.text
    assert fake.operations() == ["SetOrderListeners", "OrderEvents", "OrdersByNumber"]
    assert fake.calls[2][1] == {"numbers": [777, 1001, 1002], "limit": 3}


async def test_an_unreadable_order_neither_blocks_the_others_nor_loses_its_event() -> None:
    fake = FakeCentra()
    fake.add(order_json(1001), order_json(1003, status="REFUNDED_TWICE"))
    fake.events = [event(1, "1001"), event(2, "1003")]
    page = await channel_for(fake).changes(ChangeQuery(since=SINCE))
    assert [c.ref.order_id for c in page.changes] == ["1001"]
    assert page.ack == ["1"]  # event 2 stays queued: it is read again on the next poll


async def test_listeners_are_registered_once_per_process() -> None:
    fake = FakeCentra()
    channel = channel_for(fake)
    for _ in range(3):
        page = await channel.changes(ChangeQuery(since=SINCE))
        assert page.changes == [] and page.ack == []
    assert fake.operations() == ["SetOrderListeners", "OrderEvents", "OrderEvents", "OrderEvents"]


async def test_event_limit_is_passed() -> None:
    fake = FakeCentra()
    await channel_for(fake, event_limit=7).changes(ChangeQuery(since=SINCE))
    assert fake.calls[1] == ("OrderEvents", {"limit": 7})


async def test_acknowledge_confirms_the_events() -> None:
    fake = FakeCentra()
    fake.add(order_json(1001))
    fake.events = [event(1, "1001"), event(2, "1001")]
    channel = channel_for(fake)
    page = await channel.changes(ChangeQuery(since=SINCE))
    await channel.acknowledge(page.ack)
    assert fake.calls[-1] == ("ConfirmEvents", {"ids": [1, 2]})
    assert fake.events == []
    await channel.acknowledge([])
    assert fake.operations()[-1] == "ConfirmEvents" and len(fake.calls) == 4


async def test_sweep_pages_through_open_orders() -> None:
    fake = FakeCentra()
    statuses = ["CONFIRMED", "PROCESSING", "SHIPPED", "CONFIRMED", "CANCELLED", "PROCESSING"]
    fake.add(*(order_json(2000 + i, status=s) for i, s in enumerate(statuses)))
    channel = channel_for(fake, page_size=2)
    seen: list[str] = []
    page = await channel.changes(ChangeQuery(since=SINCE, sweep=True))
    tokens = []
    while True:
        seen += [c.ref.order_id for c in page.changes]
        assert page.cursor == SINCE and page.ack == []
        if page.next_page_token is None:
            break
        tokens.append(page.next_page_token)
        page = await channel.changes(ChangeQuery(since=SINCE, page_token=page.next_page_token))
    assert seen == ["2000", "2001", "2003", "2005"]  # 2004 was cancelled 20 days ago
    assert tokens == ["sweep:2", "sweep:3"]
    assert [v["page"] for _, v in fake.calls] == [1, 2, 3]


async def test_sweep_rereads_recent_cancellations_a_lost_notice_would_hide() -> None:
    fake = FakeCentra()
    fake.add(
        order_json(3001),
        order_json(3002, status="CANCELLED", createdAt="2025-03-25T08:00:00Z"),
        order_json(3003, status="CANCELLED", createdAt="2025-02-01T08:00:00Z"),
    )
    page = await channel_for(fake).changes(ChangeQuery(since=SINCE, sweep=True))
    assert [(c.ref.order_id, c.status) for c in page.changes] == [
        ("3001", ChannelOrderStatus.READY),
        ("3002", ChannelOrderStatus.CANCELLED),
    ]
    assert "SetOrderListeners" not in fake.operations()


@pytest.mark.parametrize("token", ["events:2", "sweep:", "sweep:0", "sweep:x", "2"])
def test_foreign_page_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a Centra page token"):
        sweep_page(token)
