"""Orders v2026-01-01 reader: the requests it sends are valid against Amazon's model, scans page
through everything exactly once, and the cursor never skips a change."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from domain.order import ChannelOrderStatus
from integrations.amazon.errors import AmazonAccessDenied, AmazonBadResponse, AmazonRequestRejected
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.orders_v2026 import OrdersV2026Api, V2026OrdersReader
from tests.amazon.fakes import MARKETPLACE, NOW, SELLER, json_response, settings

SEARCH = "/orders/2026-01-01/orders"
SINCE = NOW - timedelta(hours=1)
WINDOW_END = NOW - timedelta(minutes=2, seconds=10)


@pytest.fixture
def make_order(example):
    template = example("orders_2026-01-01/getOrder_200_static_1.json")["order"]

    def make(order_id: str, status: str = "UNSHIPPED", **changes: object) -> dict:
        order = copy.deepcopy(template)
        order["orderId"] = order_id
        order["fulfillment"]["fulfillmentStatus"] = status
        order.update(changes)
        return order

    return make


def page(orders: list[dict], next_token: str | None = None) -> dict:
    body: dict = {"orders": orders}
    if next_token:
        body["pagination"] = {"nextToken": next_token}
    return body


async def test_reader_is_the_default(amazon):
    assert isinstance(amazon.reader, V2026OrdersReader)


async def test_first_page_asks_for_merchant_orders_in_a_settled_window(fake, amazon, make_order):
    fake.on("GET", SEARCH, json_response(200, page([make_order("202-0000001-0000001")], "T1")))
    result = await amazon.reader.search_changes(SINCE, None)
    [seen] = fake.seen
    assert seen.query == {
        "lastUpdatedAfter": "2026-03-01T11:00:00Z",
        "lastUpdatedBefore": "2026-03-01T11:57:50Z",
        "marketplaceIds": MARKETPLACE,
        "fulfilledBy": "MERCHANT",
        "maxResultsPerPage": "100",
        "includedData": "FULFILLMENT,CANCELLATION",
    }
    [change] = result.changes
    assert change.ref.order_id == "202-0000001-0000001" and change.ref.account == SELLER
    assert change.status is ChannelOrderStatus.READY
    assert result.next_page_token is not None and result.cursor == SINCE  # not advanced yet


async def test_pages_loop_returns_every_order_once_and_a_safe_cursor(fake, amazon, make_order):
    ids = [f"202-000000{n}-0000001" for n in range(1, 6)]
    fake.on(
        "GET",
        SEARCH,
        json_response(200, page([make_order(i) for i in ids[:2]], "T1")),
        json_response(200, page([make_order(i) for i in ids[2:4]], "T2")),
        json_response(200, page([make_order(ids[4])])),
    )
    seen_ids: list[str] = []
    token = None
    for _ in range(10):
        result = await amazon.reader.search_changes(SINCE, token)
        seen_ids += [change.ref.order_id for change in result.changes]
        token = result.next_page_token
        if token is None:
            break
    assert seen_ids == ids
    assert [s.query.get("paginationToken") for s in fake.seen] == [None, "T1", "T2"]
    # Every page asks the same question, even though time moved on between pages.
    assert {s.query["lastUpdatedBefore"] for s in fake.seen} == {"2026-03-01T11:57:50Z"}
    assert {s.query["lastUpdatedAfter"] for s in fake.seen} == {"2026-03-01T11:00:00Z"}
    assert result.cursor == WINDOW_END - timedelta(minutes=1)


async def test_later_pages_keep_the_first_pages_window_as_time_passes(
    fake, amazon, clock, make_order
):
    fake.on(
        "GET",
        SEARCH,
        json_response(200, page([make_order("202-0000001-0000001")], "T1")),
        json_response(200, page([])),
    )
    first = await amazon.reader.search_changes(SINCE, None)
    clock.advance(600)
    last = await amazon.reader.search_changes(SINCE, first.next_page_token)
    assert fake.seen[1].query["lastUpdatedBefore"] == "2026-03-01T11:57:50Z"
    assert last.cursor == WINDOW_END - timedelta(minutes=1)


async def test_nothing_settled_yet_spends_no_request(fake, amazon):
    since = NOW - timedelta(minutes=1)
    result = await amazon.reader.search_changes(since, None)
    assert fake.seen == []
    assert result.changes == [] and result.next_page_token is None and result.cursor == since


async def test_cursor_never_moves_backwards(fake, amazon):
    since = NOW - timedelta(minutes=2, seconds=40)  # inside the overlap
    fake.on("GET", SEARCH, json_response(200, page([])))
    result = await amazon.reader.search_changes(since, None)
    assert result.cursor == since


async def test_a_foreign_page_token_is_refused(fake, amazon):
    with pytest.raises(AmazonRequestRejected) as caught:
        await amazon.reader.search_changes(SINCE, "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4")
    assert caught.value.transient is False
    assert fake.seen == []


async def test_a_token_amazon_no_longer_knows_restarts_the_scan_from_its_cursor(
    fake, amazon, make_order
) -> None:
    """A 400 for the token (it expires after 24 hours): the scan starts again from the cursor,
    which has not moved, so nothing is skipped."""
    since = NOW - timedelta(hours=1)
    first_page = {"orders": [make_order("202-0000001-0000001")], "pagination": {"nextToken": "T2"}}
    expired = {"errors": [{"code": "InvalidInput", "message": "Invalid paginationToken"}]}
    fake.on(
        "GET",
        SEARCH,
        json_response(200, first_page),
        json_response(400, expired),
        json_response(200, {"orders": [make_order("202-0000001-0000001")]}),
    )
    first = await amazon.reader.search_changes(since, None)
    again = await amazon.reader.search_changes(since, first.next_page_token)
    assert [s.query.get("paginationToken") for s in fake.seen] == [None, "T2", None]
    assert [c.ref.order_id for c in again.changes] == ["202-0000001-0000001"]
    assert again.next_page_token is None and again.cursor > since


async def test_amazons_own_search_examples_flow_through_the_reader(fake, amazon, example):
    fake.on(
        "GET",
        SEARCH,
        json_response(200, example("orders_2026-01-01/searchOrders_200_static_2.json")),
        json_response(200, example("orders_2026-01-01/searchOrders_200_static_3.json")),
    )
    first = await amazon.reader.search_changes(SINCE, None)
    second = await amazon.reader.search_changes(SINCE, None)
    ids = [c.ref.order_id for c in first.changes + second.changes]
    assert ids == ["202-7654321-1098765", "171-2345678-9012345"]


async def test_get_order_asks_for_recipient_fulfillment_cancellation_and_proceeds(
    fake, amazon, example
):
    body = example("orders_2026-01-01/getOrder_200_static_1.json")
    fake.on("GET", f"{SEARCH}/171-9876543-2109876", json_response(200, body))
    order = await amazon.reader.get_order("171-9876543-2109876")
    query = {"includedData": "RECIPIENT,FULFILLMENT,CANCELLATION,PROCEEDS"}
    assert fake.seen[0].query == query
    assert order.ref.order_id == "171-9876543-2109876"
    assert order.ship_to is not None and order.lines[0].sku == "ECHO-DOT-4-BR-PRETO"


async def test_buyer_cancellation_request_reaches_the_change(fake, amazon, make_order):
    order = make_order("202-0000009-0000001")
    order["orderItems"][0]["cancellation"] = {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "changed mind"}
    }
    fake.on("GET", SEARCH, json_response(200, page([order])))
    [change] = (await amazon.reader.search_changes(SINCE, None)).changes
    assert change.buyer_cancel_requested is True


async def test_explicit_before_is_clamped_to_two_minutes_ago(fake, amazon, clock):
    fake.on("GET", SEARCH, json_response(200, page([])))
    api = OrdersV2026Api(amazon.api, clock=clock.wall)
    await api.search_orders(
        marketplace_ids=[MARKETPLACE],
        last_updated_after=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        last_updated_before=NOW,
    )
    assert fake.seen[0].query["lastUpdatedBefore"] == "2026-03-01T11:57:50Z"


async def test_a_different_order_in_the_answer_is_a_bad_response(fake, amazon, example):
    body = example("orders_2026-01-01/getOrder_200_static_1.json")
    fake.on("GET", f"{SEARCH}/171-0000000-0000000", json_response(200, body))
    with pytest.raises(AmazonBadResponse) as caught:
        await amazon.reader.get_order("171-0000000-0000000")
    assert caught.value.transient is False


async def test_zero_settle_reads_up_to_now_without_a_before_bound(fake, clock, make_order):
    """AMAZON_SEARCH_SETTLE_SECONDS=0: no lastUpdatedBefore (Amazon's 2-minute rule only
    applies to a bound that is sent) and a cursor of request time minus the overlap."""
    fake.on("GET", SEARCH, json_response(200, page([make_order("202-0000001-0000009")])))
    fresh = settings("v2026").model_copy(update={"search_settle_seconds": 0})
    async with fake.http() as http:
        client = build_amazon_client(fresh, http=http, clock=clock.wall, monotonic=clock.monotonic)
        result = await client.reader.search_changes(SINCE, None)
    [seen] = fake.seen
    assert "lastUpdatedBefore" not in seen.query
    assert seen.query["lastUpdatedAfter"] == "2026-03-01T11:00:00Z"
    assert [c.ref.order_id for c in result.changes] == ["202-0000001-0000009"]
    assert result.next_page_token is None
    assert result.cursor == NOW - timedelta(minutes=1)


async def test_a_short_settle_is_raised_to_amazons_minimum(fake, clock, make_order):
    fake.on("GET", SEARCH, json_response(200, page([])))
    short = settings("v2026").model_copy(update={"search_settle_seconds": 5})
    async with fake.http() as http:
        client = build_amazon_client(short, http=http, clock=clock.wall, monotonic=clock.monotonic)
        await client.reader.search_changes(SINCE, None)
    assert fake.seen[0].query["lastUpdatedBefore"] == "2026-03-01T11:57:50Z"


@pytest.mark.parametrize(
    ("status", "refused"),
    [("UNSHIPPED", True), ("PARTIALLY_SHIPPED", True), ("SHIPPED", False), ("CANCELLED", False)],
)
async def test_withheld_personal_fields_refuse_only_an_order_still_to_ship(
    fake, amazon, make_order, status, refused
):
    """Without the Direct-to-Consumer Shipping role Amazon leaves the recipient's name and
    address lines out (no RDT exists in v2026): an order GXO must still ship cannot proceed."""
    order = make_order("202-0000004-0000004", status)
    order["recipient"]["deliveryAddress"] = {"city": "LONDON", "countryCode": "GB"}
    fake.on("GET", f"{SEARCH}/202-0000004-0000004", json_response(200, {"order": order}))
    if refused:
        with pytest.raises(AmazonAccessDenied, match="Direct-to-Consumer Shipping"):
            await amazon.reader.get_order("202-0000004-0000004")
    else:
        assert (await amazon.reader.get_order("202-0000004-0000004")).ship_to is None
