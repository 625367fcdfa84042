"""The facade the activities layer builds from settings: reader choice, endpoint resolution,
and one LWA token shared by every call on the account."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from integrations.amazon.factory import build_amazon_client
from integrations.amazon.orders_v0 import V0OrdersReader
from integrations.amazon.orders_v2026 import V2026OrdersReader
from integrations.amazon.usage_plans import Operation
from tests.amazon.fakes import MARKETPLACE, NOW, SELLER, FakeAmazon, json_response, settings


@pytest.mark.parametrize(
    ("reader", "kind", "search", "get"),
    [
        ("v2026", V2026OrdersReader, Operation.SEARCH_ORDERS, Operation.GET_ORDER),
        (" V0 ", V0OrdersReader, Operation.V0_GET_ORDERS, Operation.V0_GET_ORDER),
    ],
)
async def test_reader_follows_settings(reader, kind, search, get):
    client = build_amazon_client(settings(reader))
    async with client:
        assert isinstance(client.reader, kind)
        assert (client.reader.search_operation, client.reader.get_order_operation) == (search, get)
        assert (client.account, client.marketplace_ids) == (SELLER, [MARKETPLACE])


def test_unknown_reader_is_a_configuration_error():
    with pytest.raises(ValueError, match="AMAZON_ORDERS_READER"):
        build_amazon_client(settings("v1"))


async def test_region_name_resolves_to_amazons_endpoint():
    async with build_amazon_client(settings(endpoint="fe")) as client:
        assert client.api.endpoint == "https://sellingpartnerapi-fe.amazon.com"


async def test_an_injected_http_client_is_left_open():
    async with httpx.AsyncClient() as http:
        client = build_amazon_client(settings(), http=http)
        await client.aclose()
        assert not http.is_closed


async def test_reads_and_confirms_share_one_token(fake: FakeAmazon, amazon, example):
    fake.on(
        "GET",
        "/orders/2026-01-01/orders",
        json_response(200, example("orders_2026-01-01/searchOrders_200_static_3.json")),
    )
    search = example("orders_2026-01-01/searchOrders_200_static_3.json")
    fake.on(
        "GET",
        "/orders/2026-01-01/orders/171-2345678-9012345",
        json_response(200, {"order": search["orders"][0]}),
    )
    page = await amazon.reader.search_changes(NOW - timedelta(hours=2), None)
    order = await amazon.reader.get_order(page.changes[0].ref.order_id)
    assert order.ref.account == SELLER
    assert len(fake.token_forms) == 1
    assert {seen.headers["x-amz-access-token"] for seen in fake.seen} == {"Atza|access-1"}
