"""Restricted Data Tokens: created with the LWA token for exactly the resources asked for,
cached for their lifetime per resource set, refreshed before expiry, shared by concurrent
callers, replaced when Amazon refuses one, and a missing role explained."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from domain.exceptions import ExceptionKind
from integrations.amazon.errors import AmazonAccessDenied, AmazonBadResponse
from integrations.amazon.factory import AmazonClient
from integrations.amazon.rdt import ORDER_ADDRESS, RestrictedResource
from integrations.amazon.usage_plans import Operation
from tests.amazon.fakes import ACCESS_TOKEN_PREFIX, Clock, FakeAmazon, Handler, json_response

RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ADDRESS = "/orders/v0/orders/902-1845936-5435065/address"
ADDRESS_EXAMPLE = "ordersV0/getOrderAddress_200_static_1.json"
DENIED = {
    "errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]
}
_serial = itertools.count(1)


def issue(lifetime: int = 3600) -> Handler:
    def respond(request: httpx.Request) -> httpx.Response:
        token = f"Atz.sprdt|test-{next(_serial)}"
        return httpx.Response(200, json={"restrictedDataToken": token, "expiresIn": lifetime})

    return respond


async def read_address(amazon: AmazonClient, *resources: RestrictedResource) -> None:
    source = amazon.rdt.source(*(resources or (ORDER_ADDRESS,)))
    await amazon.api.request(Operation.V0_GET_ORDER_ADDRESS, "GET", ADDRESS, tokens=source)


def address_tokens(fake: FakeAmazon) -> list[str]:
    return [s.headers["x-amz-access-token"] for s in fake.seen if s.path == ADDRESS]


async def test_one_token_per_lifetime_refreshed_a_minute_early(
    fake: FakeAmazon, amazon: AmazonClient, clock: Clock, example
) -> None:
    fake.on("POST", RDT_PATH, issue(), issue())
    fake.on("GET", ADDRESS, *[json_response(200, example(ADDRESS_EXAMPLE))] * 3)
    await read_address(amazon)
    clock.advance(3600 - 61)
    await read_address(amazon)
    clock.advance(2)  # 59 s before expiry: inside the margin
    await read_address(amazon)
    first, second, third = address_tokens(fake)
    assert first == second != third
    assert amazon.rdt.issued == 2
    [rdt_request, *_] = [s for s in fake.seen if s.path == RDT_PATH]
    assert rdt_request.headers["x-amz-access-token"].startswith(ACCESS_TOKEN_PREFIX)


async def test_concurrent_callers_share_one_token(
    fake: FakeAmazon, amazon: AmazonClient, example
) -> None:
    fake.on("POST", RDT_PATH, issue())
    fake.on("GET", ADDRESS, *[json_response(200, example(ADDRESS_EXAMPLE))] * 5)
    await asyncio.gather(*(read_address(amazon) for _ in range(5)))
    assert amazon.rdt.issued == 1 and len(set(address_tokens(fake))) == 1


async def test_each_resource_set_has_its_own_token(
    fake: FakeAmazon, amazon: AmazonClient, example
) -> None:
    with_buyer = RestrictedResource("GET", "/orders/v0/orders/{orderId}/buyerInfo")
    fake.on("POST", RDT_PATH, issue(), issue())
    fake.on("GET", ADDRESS, *[json_response(200, example(ADDRESS_EXAMPLE))] * 3)
    await read_address(amazon)
    await read_address(amazon, ORDER_ADDRESS, with_buyer)
    await read_address(amazon, with_buyer, ORDER_ADDRESS)  # order does not matter
    first, second, third = address_tokens(fake)
    assert first != second == third
    bodies = [s.body for s in fake.seen if s.path == RDT_PATH]
    assert bodies[1] == {
        "restrictedResources": [
            {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"},
            {"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"},
        ]
    }


async def test_a_refused_token_is_replaced_once(
    fake: FakeAmazon, amazon: AmazonClient, example
) -> None:
    fake.on("POST", RDT_PATH, issue(), issue())
    fake.on(
        "GET",
        ADDRESS,
        json_response(403, DENIED),
        json_response(200, example(ADDRESS_EXAMPLE)),
    )
    await read_address(amazon)
    first, second = address_tokens(fake)
    assert first != second and amazon.rdt.issued == 2


async def test_an_app_without_the_role_gets_an_explained_auth_failure(
    fake: FakeAmazon, amazon: AmazonClient
) -> None:
    fake.on("POST", RDT_PATH, json_response(403, DENIED), json_response(403, DENIED))
    with pytest.raises(AmazonAccessDenied) as caught:
        await read_address(amazon)
    assert caught.value.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert "Direct-to-Consumer Shipping (Restricted)" in str(caught.value)
    assert not any(s.path == ADDRESS for s in fake.seen)


@pytest.mark.parametrize(
    "body", [{}, {"restrictedDataToken": ""}, {"restrictedDataToken": "Atz.sprdt|x"}]
)
async def test_an_answer_without_token_or_lifetime_is_a_bad_response(
    fake: FakeAmazon, amazon: AmazonClient, body: dict[str, object]
) -> None:
    fake.on("POST", RDT_PATH, json_response(200, body))
    with pytest.raises(AmazonBadResponse):
        await read_address(amazon)
