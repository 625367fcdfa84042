"""Orders v0 fallback reader: model-valid requests, the two-minute LastUpdatedBefore rule
enforced client-side, items paged to the end, the address fetched only when Amazon has one, and
then with a Restricted Data Token."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from domain.order import ChannelOrderStatus
from integrations.amazon.errors import AmazonRequestRejected
from integrations.amazon.orders_v0 import OrdersV0Api, V0OrdersReader
from tests.amazon.fakes import ACCESS_TOKEN_PREFIX, MARKETPLACE, NOW, json_response

ORDERS = "/orders/v0/orders"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDER_ID = "902-1845936-5435065"
SINCE = NOW - timedelta(hours=1)


@pytest.fixture
def api(amazon_v0, clock) -> OrdersV0Api:
    return OrdersV0Api(amazon_v0.api, amazon_v0.rdt, clock=clock.wall)


async def test_reader_is_chosen_by_settings(amazon_v0):
    assert isinstance(amazon_v0.reader, V0OrdersReader)


@pytest.mark.parametrize(
    ("before", "sent"),
    [
        (NOW, "2026-03-01T11:57:50Z"),  # now: clamped
        (NOW - timedelta(minutes=1), "2026-03-01T11:57:50Z"),  # too recent: clamped
        (NOW - timedelta(minutes=30), "2026-03-01T11:30:00Z"),  # old enough: kept
    ],
)
async def test_last_updated_before_is_at_least_two_minutes_ago(fake, api, example, before, sent):
    fake.on("GET", ORDERS, json_response(200, example("ordersV0/getOrders_200_static_3.json")))
    await api.get_orders(
        marketplace_ids=[MARKETPLACE], last_updated_after=SINCE, last_updated_before=before
    )
    assert fake.seen[0].query["LastUpdatedBefore"] == sent


async def test_without_before_none_is_sent(fake, api, example):
    fake.on("GET", ORDERS, json_response(200, example("ordersV0/getOrders_200_static_3.json")))
    await api.get_orders(marketplace_ids=[MARKETPLACE], last_updated_after=SINCE)
    assert "LastUpdatedBefore" not in fake.seen[0].query


async def test_a_window_that_clamps_below_its_start_is_refused_unsent(fake, api):
    with pytest.raises(AmazonRequestRejected):
        await api.get_orders(
            marketplace_ids=[MARKETPLACE],
            last_updated_after=NOW - timedelta(minutes=1),
            last_updated_before=NOW,
        )
    assert fake.seen == []


async def test_search_changes_pages_mfn_orders_with_next_token(fake, amazon_v0, example):
    fake.on(
        "GET",
        ORDERS,
        json_response(200, example("ordersV0/getOrders_200_static_2.json")),
        json_response(200, example("ordersV0/getOrders_200_static_1.json")),
    )
    first = await amazon_v0.reader.search_changes(SINCE, None)
    last = await amazon_v0.reader.search_changes(SINCE, first.next_page_token)
    assert fake.seen[0].query == {
        "MarketplaceIds": MARKETPLACE,
        "FulfillmentChannels": "MFN",
        "LastUpdatedAfter": "2026-03-01T11:00:00Z",
        "LastUpdatedBefore": "2026-03-01T11:57:50Z",
        "MaxResultsPerPage": "100",
    }
    assert fake.seen[1].query["NextToken"] == "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4"
    assert fake.seen[1].query["LastUpdatedBefore"] == "2026-03-01T11:57:50Z"
    ids = [c.ref.order_id for c in first.changes + last.changes]
    assert ids == ["902-3159896-1390916", "902-1845936-5435065", "902-8745147-1934268"]
    assert first.cursor == SINCE
    assert last.next_page_token is None
    assert last.cursor == NOW - timedelta(minutes=3, seconds=10)


async def test_get_order_reads_order_all_item_pages_and_address(fake, amazon_v0, example):
    items = example("ordersV0/getOrderItems_200_static_1.json")
    first_items = copy.deepcopy(items)
    first_items["payload"]["NextToken"] = "ITEMS-2"
    second_items = copy.deepcopy(items)
    second_items["payload"]["OrderItems"][0]["OrderItemId"] = "05015851154159"
    order_body = example("ordersV0/getOrder_200_static_1.json")
    fake.on("GET", f"{ORDERS}/{ORDER_ID}", json_response(200, order_body))
    fake.on(
        "GET",
        f"{ORDERS}/{ORDER_ID}/orderItems",
        json_response(200, first_items),
        json_response(200, second_items),
    )
    fake.on(
        "GET",
        f"{ORDERS}/{ORDER_ID}/address",
        json_response(200, example("ordersV0/getOrderAddress_200_static_1.json")),
    )
    rdt = example("tokens_2021-03-01/createRestrictedDataToken_200_static_1.json")
    fake.on("POST", RDT_PATH, json_response(200, rdt))
    order = await amazon_v0.reader.get_order(ORDER_ID)
    by_path = {seen.path: seen for seen in fake.seen}
    # Only the restricted operation goes with the RDT; the RDT is asked for with the LWA token
    # and for the generic path, so it serves every order.
    assert by_path[RDT_PATH].headers["x-amz-access-token"].startswith(ACCESS_TOKEN_PREFIX)
    assert by_path[RDT_PATH].body == {
        "restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]
    }
    address_call = by_path[f"{ORDERS}/{ORDER_ID}/address"]
    assert address_call.headers["x-amz-access-token"] == rdt["restrictedDataToken"]
    assert (
        by_path[f"{ORDERS}/{ORDER_ID}"]
        .headers["x-amz-access-token"]
        .startswith(ACCESS_TOKEN_PREFIX)
    )
    assert [line.line_id for line in order.lines] == ["05015851154158", "05015851154159"]
    assert [s.query.get("NextToken") for s in fake.seen if s.path.endswith("orderItems")] == [
        None,
        "ITEMS-2",
    ]
    assert order.status is ChannelOrderStatus.READY
    assert order.ship_to is not None and order.ship_to.postal_code == "98121-2778"
    assert order.buyer_cancel_requested is True


async def test_pending_order_skips_the_address_call(fake, amazon_v0, example):
    pending = example("ordersV0/getOrders_200_static_2.json")["payload"]["Orders"][0]
    order_id = pending["AmazonOrderId"]
    items = copy.deepcopy(example("ordersV0/getOrderItems_200_static_1.json"))
    items["payload"]["AmazonOrderId"] = order_id
    fake.on("GET", f"{ORDERS}/{order_id}", json_response(200, {"payload": pending}))
    fake.on("GET", f"{ORDERS}/{order_id}/orderItems", json_response(200, items))
    order = await amazon_v0.reader.get_order(order_id)
    assert order.status is ChannelOrderStatus.PENDING and order.ship_to is None
    assert not any(path.endswith("/address") for path in fake.paths())


async def test_v0_error_body_is_classified(fake, api, example):
    rejected = example("ordersV0/getOrder_400_static_1.json")
    fake.on("GET", f"{ORDERS}/{ORDER_ID}", json_response(400, rejected))
    with pytest.raises(AmazonRequestRejected) as caught:
        await api.get_order(ORDER_ID)
    assert caught.value.code == "InvalidInput" and caught.value.transient is False
