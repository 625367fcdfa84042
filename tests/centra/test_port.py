"""CentraChannel against the sandbox: orders by number (held and waiting-for-payment ones too,
which Centra hides unless filtered for), quantities from cancelled units and shipments, the
events queue (objectReference is the order number), the sweep (late cancellations found by
updatedAt), and what it does with an order whose status it does not know."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from domain.exceptions import ExceptionKind
from domain.order import ChannelOrderStatus
from domain.setaside import SetAsideFeed, SetAsideReason
from integrations.centra.client import CentraClient
from integrations.centra.errors import (
    CentraOrderNotFound,
    CentraPermissionDenied,
    CentraUnauthorized,
    CentraUnknownStatus,
)
from integrations.centra.orders import event_reference
from integrations.centra.port import CentraChannel, sweep_page
from integrations.channel import CapturePort, ChangeQuery, ChannelPort
from sandbox.centra.product_admin import NewProduct, ProductChange, add_product, change_product
from sandbox.centra.tokens import ORDER_READ
from tests.centra.support import NOW, TOKEN, URL, Harness, documented_order

SINCE = NOW - timedelta(days=1)


def test_implements_the_channel_and_capture_ports() -> None:
    harness = Harness()
    port: ChannelPort = harness.channel
    assert port.channel == "centra" and port.account == "brand-eu"
    assert isinstance(harness.channel, CapturePort)


async def test_get_order_normalises_a_sandbox_order() -> None:
    harness = Harness()
    harness.order(501, country="GB", phone="cellPhoneNumber")
    order = await harness.channel.get_order("501")
    assert order.ref.order_id == "501" and order.status is ChannelOrderStatus.READY
    assert [(line.sku, line.quantity, line.quantity_shipped) for line in order.lines] == [
        ("JKT100BLKM", 2, 0),
        ("TEE200WHTS", 1, 0),
    ]
    assert order.currency == "GBP" and order.lines[0].unit_price is not None
    assert order.lines[0].unit_price.currency == "GBP"
    assert order.lines[0].unit_price.amount == Decimal("211.65")
    assert order.lines[0].gtin == harness.sandbox.order(501).lines[0].gtin
    assert order.ship_service_level == "Express EU"
    assert order.ship_by == order.created_at + timedelta(hours=48)
    assert order.ship_to is not None and order.ship_to.country_code == "GB"
    assert order.ship_to.phone and order.ship_to.phone.startswith("+44")  # the cell phone
    assert harness.transport.operations == ["OrdersByNumber", "OrderShipments"]


async def test_cancelled_units_and_shipped_units_make_the_open_quantity() -> None:
    harness = Harness()
    harness.order(502, ("TEE200WHTM", 10), ("CAP600BLKOS", 1))
    sandbox = harness.sandbox
    with sandbox.lock:
        order = sandbox.order(502)
        first, second = (line.id for line in order.lines)
        cancel = [{"line": {"id": first}, "quantity": 1}, {"line": {"id": second}, "quantity": 1}]
        sandbox.update_order(order, {"cancelLines": cancel})
        sandbox.create_shipment(order, [(first, 4)], {})  # not completed: still counts
    read = await harness.channel.get_order("502")
    assert [
        (ln.line_id, ln.quantity, ln.quantity_cancelled, ln.quantity_shipped) for ln in read.lines
    ] == [
        (str(first), 10, 1, 4),
        (str(second), 1, 1, 0),  # fully cancelled, still listed (includeFullyCancelled)
    ]
    assert read.status is ChannelOrderStatus.PARTIALLY_SHIPPED


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, ChannelOrderStatus.READY),
        ({"on_hold": True}, ChannelOrderStatus.PENDING),
        ({"waiting_for_payment": True}, ChannelOrderStatus.PENDING),
        ({"on_hold": True, "waiting_for_payment": True}, ChannelOrderStatus.PENDING),
        ({"status": "PENDING"}, ChannelOrderStatus.PENDING),
    ],
)
async def test_held_and_unpaid_orders_are_read_although_centra_hides_them(
    flags: dict[str, object], expected: ChannelOrderStatus
) -> None:
    harness = Harness()
    harness.order(503, **flags)
    assert (await harness.channel.get_order("503")).status is expected
    page = await harness.channel.changes(ChangeQuery(since=SINCE, order_ids=["503"]))
    assert [c.status for c in page.changes] == [expected]


async def test_a_release_is_seen_on_the_next_read() -> None:
    harness = Harness()
    harness.order(504, waiting_for_payment=True, on_hold=True)
    assert (await harness.channel.get_order("504")).status is ChannelOrderStatus.PENDING
    harness.sandbox.set_waiting_for_payment(504, False)
    assert (await harness.channel.get_order("504")).status is ChannelOrderStatus.PENDING
    harness.sandbox.set_hold(504, False)
    assert (await harness.channel.get_order("504")).status is ChannelOrderStatus.READY


@pytest.mark.parametrize("order_id", ["404", "not-a-number"])
async def test_get_order_not_found_is_permanent(order_id: str) -> None:
    with pytest.raises(CentraOrderNotFound) as caught:
        await Harness().channel.get_order(order_id)
    assert caught.value.exception_kind is ExceptionKind.ORDER_NOT_FOUND


async def test_named_orders_are_read_in_one_query() -> None:
    harness = Harness()
    harness.order(1001)
    harness.order(1002, ("CAP600BLKOS", 1))
    harness.sandbox.cancel(1002)
    page = await harness.channel.changes(ChangeQuery(since=SINCE, order_ids=["1002", "1001", "9"]))
    assert {c.ref.order_id: c.status for c in page.changes} == {
        "1001": ChannelOrderStatus.READY,
        "1002": ChannelOrderStatus.CANCELLED,
    }
    assert page.ack == [] and page.next_page_token is None and page.cursor == SINCE
    assert harness.transport.operations == ["OrderSummaries"]


async def test_events_become_changes_and_acks(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness()
    channel = harness.channel
    assert (await channel.changes(ChangeQuery(since=SINCE))).changes == []  # registers
    harness.order(1001)
    harness.order(1002, ("CAP600BLKOS", 1), on_hold=True)
    harness.sandbox.set_hold(1002, True)
    with caplog.at_level(logging.INFO, logger="integrations.centra.port"):
        page = await channel.changes(ChangeQuery(since=SINCE))
    assert sorted((c.ref.order_id, c.status) for c in page.changes) == [
        ("1001", ChannelOrderStatus.READY),
        ("1002", ChannelOrderStatus.PENDING),
    ]
    assert len(page.ack) == 3 and page.cursor == SINCE and page.next_page_token is None
    await channel.acknowledge(page.ack)
    assert (await channel.changes(ChangeQuery(since=SINCE))).ack == []
    assert harness.transport.calls["SetOrderListeners"] == 1  # once per process
    assert harness.transport.calls["ConfirmEvents"] == 1


async def test_an_event_for_an_order_that_is_gone_is_acked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness()
    await harness.channel.changes(ChangeQuery(since=SINCE))
    harness.order(1003)
    del harness.sandbox.orders[1003]  # deleted in Centra
    with caplog.at_level(logging.INFO, logger="integrations.centra.port"):
        page = await harness.channel.changes(ChangeQuery(since=SINCE))
    assert page.changes == [] and len(page.ack) == 1
    assert "names no readable order (1003)" in caplog.text


def test_an_event_reference_is_an_int64_as_a_number_or_a_string() -> None:
    assert event_reference(1001) == 1001
    assert event_reference("1001") == 1001
    assert event_reference(" 42 ") == 42
    for unreadable in (None, True, "10a", "-5", 1.5):
        assert event_reference(unreadable) is None


async def test_the_event_limit_is_passed() -> None:
    harness = Harness()
    harness.channel.event_limit = 1
    await harness.channel.changes(ChangeQuery(since=SINCE))
    harness.order(1001)
    harness.order(1002, ("CAP600BLKOS", 1))
    page = await harness.channel.changes(ChangeQuery(since=SINCE))
    assert [c.ref.order_id for c in page.changes] == ["1001"] and len(page.ack) == 1


def scripted(*bodies: dict[str, Any]) -> CentraChannel:
    """A channel whose Centra answers these bodies in turn: for what the sandbox, bound to the
    documented enums, cannot say (a status consign does not know)."""
    answers = list(bodies)
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answers.pop(0)))
    )
    return CentraChannel(
        CentraClient(URL, SecretStr(TOKEN), http), "brand-eu", dispatch_sla=timedelta(hours=48)
    )


def by_number(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"visible": list(orders), "held": [], "unpaid": [], "heldUnpaid": []}}


async def test_an_order_in_an_unknown_status_is_set_aside_and_its_event_acked() -> None:
    """Before: the event stayed queued and the order was only logged, so it never got a
    workflow and nothing recorded it. Now the order is set aside with its JSON as Centra sent
    it (stored by the poll activity), and the events around it flow on."""
    events = {
        "data": {
            "events": [
                {"id": 1, "objectReference": 1001},
                {"id": 2, "objectReference": "1002"},
                {"id": 3, "objectReference": 1003},
            ]
        }
    }
    listened: dict[str, Any] = {
        "data": {"setEventListeners": {"userErrors": [], "userWarnings": []}}
    }
    archived = documented_order(number=1002, status="ARCHIVE")
    broken = {k: v for k, v in documented_order(number=1003).items() if k != "updatedAt"}
    summaries = by_number(documented_order(number=1001), archived, broken)
    channel = scripted(listened, events, summaries)

    page = await channel.changes(ChangeQuery(since=SINCE))

    assert [c.ref.order_id for c in page.changes] == ["1001"]
    assert sorted(page.ack) == ["1", "2", "3"]  # kept in the store: nothing left queued
    unknown, malformed = sorted(page.set_aside, key=lambda r: r.record_id)
    assert (unknown.record_id, unknown.reason) == ("1002", SetAsideReason.UNKNOWN_STATUS)
    assert "order 1002 has status 'ARCHIVE'" in unknown.detail
    assert (unknown.system, unknown.feed, unknown.scope) == (
        "centra",
        SetAsideFeed.ORDERS,
        "brand-eu",
    )
    assert json.loads(unknown.raw) == archived
    assert (malformed.record_id, malformed.reason) == ("1003", SetAsideReason.MALFORMED)
    with pytest.raises(CentraUnknownStatus, match="order 1002 has status 'ARCHIVE'"):
        await scripted(by_number(documented_order(number=1002, status="ARCHIVE"))).get_order("1002")


async def test_the_sweep_and_named_reads_set_aside_an_order_in_an_unknown_status() -> None:
    archived = documented_order(number=1002, status="ARCHIVE")
    sweep = {"data": {"open": [documented_order(number=1001), archived], "cancelled": []}}
    page = await scripted(sweep).changes(ChangeQuery(since=SINCE, sweep=True))
    assert [c.ref.order_id for c in page.changes] == ["1001"]
    assert [(r.record_id, r.reason) for r in page.set_aside] == [
        ("1002", SetAsideReason.UNKNOWN_STATUS)
    ]
    named = scripted(by_number(documented_order(number=1001), archived))
    page = await named.changes(ChangeQuery(since=SINCE, order_ids=["1001", "1002"]))
    assert [c.ref.order_id for c in page.changes] == ["1001"]
    assert [r.record_id for r in page.set_aside] == ["1002"]


async def test_sweep_pages_through_open_orders_only() -> None:
    harness = Harness()
    for number in range(2000, 2005):
        harness.order(number, ("CAP600BLKOS", 1))
    harness.order(2005, ("CAP600BLKOS", 1), on_hold=True)  # not to be processed: not swept
    harness.order(2006, ("CAP600BLKOS", 1), status="PENDING")
    seen: list[str] = []
    tokens: list[str] = []
    page = await harness.channel.changes(ChangeQuery(since=SINCE, sweep=True))
    while True:
        seen += [c.ref.order_id for c in page.changes]
        assert page.cursor == SINCE and page.ack == []
        if page.next_page_token is None:
            break
        tokens.append(page.next_page_token)
        page = await harness.channel.changes(
            ChangeQuery(since=SINCE, page_token=page.next_page_token)
        )
    assert seen == ["2000", "2001", "2002", "2003", "2004"]
    assert tokens == ["sweep:2", "sweep:3"]
    assert "SetOrderListeners" not in harness.transport.calls


async def test_the_sweep_finds_a_late_cancellation_by_updated_at() -> None:
    """An order created a month ago and cancelled now is found; one cancelled 20 days ago is
    not re-read."""
    harness = Harness()
    harness.order(3001, ("CAP600BLKOS", 1), created_at=NOW - timedelta(days=30))
    harness.order(3002, ("CAP600BLKOS", 1), created_at=NOW - timedelta(days=30))
    harness.now = NOW - timedelta(days=20)
    harness.sandbox.cancel(3002)
    harness.now = NOW
    harness.sandbox.cancel(3001)
    page = await harness.channel.changes(ChangeQuery(since=SINCE, sweep=True))
    assert [(c.ref.order_id, c.status) for c in page.changes] == [
        ("3001", ChannelOrderStatus.CANCELLED)
    ]


@pytest.mark.parametrize("token", ["events:2", "sweep:", "sweep:0", "sweep:x", "2"])
def test_foreign_page_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a Centra page token"):
        sweep_page(token)


async def test_a_missing_permission_is_named() -> None:
    harness = Harness(token="limited", permissions=frozenset({ORDER_READ}))
    with pytest.raises(CentraPermissionDenied) as caught:
        await harness.channel.changes(ChangeQuery(since=SINCE))
    assert caught.value.permission == "Event:write"  # setEventListeners, before any read
    harness.order(501)
    with pytest.raises(CentraPermissionDenied) as caught:
        await harness.channel.get_order("501")
    assert caught.value.permission == "Order.shippingAddress:read"


async def test_an_unknown_token_is_unauthorized() -> None:
    with pytest.raises(CentraUnauthorized):
        await Harness(token="expired-token").channel.get_order("1")


async def test_product_events_ride_the_events_read_and_say_products_changed() -> None:
    """With the product sync on, the one events read takes Product events too (Centra's events
    system: `setEventListeners` for Product); they name no order, are acked with the rest and
    set `products_changed`, so the ProductSync sweeps now rather than at its schedule."""
    harness = Harness()
    channel = harness.channel
    channel.product_events = True
    first = await channel.changes(ChangeQuery(since=SINCE))  # registers both listeners
    assert first.ack == [] and not first.products_changed
    body = {
        "number": "LNC900",
        "name": "Launch",
        "variants": [{"number": "GRN", "name": "Launch Green", "sizes": [{"size_number": "M"}]}],
    }
    product_id, _ = add_product(harness.sandbox, NewProduct.model_validate(body))
    harness.order(1001)
    page = await channel.changes(ChangeQuery(since=SINCE))
    assert [c.ref.order_id for c in page.changes] == ["1001"]  # the product id is no order
    assert page.products_changed and len(page.ack) == 2
    await channel.acknowledge(page.ack)
    assert (await channel.changes(ChangeQuery(since=SINCE))).ack == []
    change_product(harness.sandbox, product_id, ProductChange(name="Launch Parka"))
    changed = await channel.changes(ChangeQuery(since=SINCE))
    assert changed.products_changed and changed.changes == [] and len(changed.ack) == 1
    calls = harness.transport.calls
    assert calls["SetOrderListeners"] == 1 and calls["SetProductListeners"] == 1
    assert calls["OrderAndProductEvents"] == 4 and calls["OrderEvents"] == 0


async def test_without_the_product_sync_product_events_are_not_read() -> None:
    harness = Harness()
    await harness.channel.changes(ChangeQuery(since=SINCE))
    body = {
        "number": "LNC901",
        "name": "Launch",
        "variants": [{"number": "GRN", "name": "Launch Green", "sizes": [{"size_number": "M"}]}],
    }
    add_product(harness.sandbox, NewProduct.model_validate(body))
    page = await harness.channel.changes(ChangeQuery(since=SINCE))
    assert page.ack == [] and not page.products_changed
    assert harness.transport.calls["SetProductListeners"] == 0
