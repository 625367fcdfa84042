"""One order in a search page that consign cannot read (a status Amazon added, a malformed
entry) is set aside with its raw JSON; the orders around it are read and the scan goes on.
Before: the whole page failed, and with it every later order of the account."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from domain.setaside import SetAsideFeed, SetAsideReason
from tests.amazon.fakes import NOW, SELLER, beyond_model

SINCE = NOW - timedelta(hours=1)
GOOD_1, POISON, GOOD_2, BROKEN = (
    "202-0000001-0000001",
    "202-0000002-0000002",
    "202-0000003-0000003",
    "202-0000004-0000004",
)


@pytest.fixture
def v2026_order(example) -> Any:
    return example("orders_2026-01-01/getOrder_200_static_1.json")["order"]


def v2026(template: dict[str, Any], order_id: str, status: str = "UNSHIPPED") -> dict[str, Any]:
    order = copy.deepcopy(template)
    order["orderId"] = order_id
    order["fulfillment"]["fulfillmentStatus"] = status
    return order


async def test_v2026_an_unknown_status_and_a_malformed_order_are_set_aside(
    fake, amazon, v2026_order
):
    broken = v2026(v2026_order, BROKEN)
    del broken["lastUpdatedTime"]
    orders = [
        v2026(v2026_order, GOOD_1),
        v2026(v2026_order, POISON, status="ON_HOLD"),
        v2026(v2026_order, GOOD_2),
        broken,
        "not an order",
    ]
    fake.on("GET", "/orders/2026-01-01/orders", beyond_model(200, {"orders": orders}))

    page = await amazon.reader.search_changes(SINCE, None)

    assert [c.ref.order_id for c in page.changes] == [GOOD_1, GOOD_2]
    assert page.next_page_token is None and page.cursor > SINCE  # the scan moved on
    unknown, malformed, not_object = page.set_aside
    assert (unknown.record_id, unknown.reason) == (POISON, SetAsideReason.UNKNOWN_STATUS)
    assert "fulfillmentStatus 'ON_HOLD' is not a known value" in unknown.detail
    assert json.loads(unknown.raw) == orders[1]
    assert (malformed.record_id, malformed.reason) == (BROKEN, SetAsideReason.MALFORMED)
    assert "lastUpdatedTime is missing" in malformed.detail
    assert not_object.reason is SetAsideReason.MALFORMED
    assert not_object.record_id.startswith("sha256:")
    for record in page.set_aside:
        assert (record.system, record.feed, record.scope) == ("amazon", SetAsideFeed.ORDERS, SELLER)
        notice = record.notice().model_dump_json()
        # The notice (what workflows and logs see) carries no content of the order.
        for personal in ("Maria", "Flores", "Seattle"):
            assert personal not in notice


async def test_v0_an_unknown_order_status_is_set_aside(fake, amazon_v0, example):
    template = example("ordersV0/getOrders_200_static_3.json")["payload"]["Orders"][0]
    good = {**template, "AmazonOrderId": GOOD_1, "OrderStatus": "Unshipped"}
    poison = {**template, "AmazonOrderId": POISON, "OrderStatus": "OnHold"}
    afn_unknown = {**template, "AmazonOrderId": GOOD_2, "FulfillmentChannel": "XYZ"}
    body = {"payload": {"Orders": [good, poison, afn_unknown]}}
    fake.on("GET", "/orders/v0/orders", beyond_model(200, body))

    page = await amazon_v0.reader.search_changes(SINCE, None)

    assert [c.ref.order_id for c in page.changes] == [GOOD_1]
    by_id = {r.record_id: r for r in page.set_aside}
    assert by_id[POISON].reason is SetAsideReason.UNKNOWN_STATUS
    assert "OrderStatus 'OnHold'" in by_id[POISON].detail
    assert by_id[GOOD_2].reason is SetAsideReason.INVALID_VALUE  # a value, but not a status
    assert json.loads(by_id[POISON].raw) == poison
