"""The SP-API transport classifies every failure: transient ones Temporal retries, permanent
ones a person fixes; none of them carries a token or a secret."""

from __future__ import annotations

import httpx
import pytest

from domain.exceptions import ExceptionKind
from integrations.amazon.client import SpApiClient, encode_query, resolve_endpoint
from integrations.amazon.errors import (
    AmazonAccessDenied,
    AmazonBadResponse,
    AmazonRequestRejected,
    AmazonThrottled,
    AmazonUnavailable,
)
from integrations.amazon.usage_plans import Operation
from tests.amazon.fakes import ACCESS_TOKEN_PREFIX, ENDPOINT, Clock, FakeAmazon, json_response

ORDER_PATH = "/orders/2026-01-01/orders/202-1234567-1234567"
GET_ORDER_EXAMPLE = "orders_2026-01-01/getOrder_200_static_3.json"
QUOTA = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota."}]}


async def get_order(client: SpApiClient) -> object:
    return await client.request(
        Operation.GET_ORDER, "GET", ORDER_PATH, params={"includedData": ["FULFILLMENT"]}
    )


async def fails_with(fake: FakeAmazon, amazon, handler) -> Exception:
    fake.on("GET", ORDER_PATH, handler)
    with pytest.raises(Exception) as caught:
        await get_order(amazon.api)
    return caught.value


async def test_sends_the_access_token_user_agent_and_csv_arrays(fake, amazon, example):
    fake.on("GET", ORDER_PATH, json_response(200, example(GET_ORDER_EXAMPLE)))
    await amazon.api.request(
        Operation.GET_ORDER,
        "GET",
        ORDER_PATH,
        params={"includedData": ["RECIPIENT", "FULFILLMENT"], "unused": None},
    )
    [seen] = fake.seen
    assert seen.headers["x-amz-access-token"] == f"{ACCESS_TOKEN_PREFIX}1"
    assert seen.headers["user-agent"].startswith("consign/")
    assert seen.query == {"includedData": "RECIPIENT,FULFILLMENT"}


async def test_429_is_transient_and_carries_retry_after(fake, amazon):
    error = await fails_with(fake, amazon, json_response(429, QUOTA, {"Retry-After": "7"}))
    assert isinstance(error, AmazonThrottled)
    assert error.transient is True and error.retry_after == 7.0
    assert error.exception_kind is None


async def test_429_backoff_never_reads_a_rate_limit_header(fake, amazon):
    """The models declare no x-amzn-RateLimit-Limit on 429: should one come anyway, it must not
    become the retry delay (that is Temporal's backoff's job)."""
    headers = {"x-amzn-RateLimit-Limit": "0.5"}
    error = await fails_with(fake, amazon, json_response(429, QUOTA, headers))
    assert isinstance(error, AmazonThrottled) and error.retry_after is None


async def test_429_without_headers_has_no_retry_hint(fake, amazon):
    error = await fails_with(fake, amazon, json_response(429, QUOTA))
    assert isinstance(error, AmazonThrottled) and error.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_transient(fake, amazon, status):
    error = await fails_with(fake, amazon, json_response(status, {"errors": []}))
    assert isinstance(error, AmazonUnavailable)
    assert error.transient is True and error.status == status


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
async def test_timeouts_and_connection_errors_are_transient(fake, amazon, failure):
    def broken(request: httpx.Request) -> httpx.Response:
        raise failure

    error = await fails_with(fake, amazon, broken)
    assert isinstance(error, AmazonUnavailable) and error.transient is True


async def test_400_is_permanent_with_amazons_code(fake, amazon, example):
    body = example("orders_2026-01-01/getOrder_400_static_1.json")
    error = await fails_with(fake, amazon, json_response(400, body))
    assert isinstance(error, AmazonRequestRejected)
    assert error.transient is False
    assert (error.status, error.code) == (400, "InvalidInput")
    assert "Invalid Input" in str(error)
    assert error.exception_kind is ExceptionKind.CHANNEL_REJECTED


async def test_404_means_the_order_is_not_found(fake, amazon):
    body = {"errors": [{"code": "NotFound", "message": "Order not found", "details": "x"}]}
    error = await fails_with(fake, amazon, json_response(404, body))
    assert isinstance(error, AmazonRequestRejected) and error.transient is False
    assert error.exception_kind is ExceptionKind.ORDER_NOT_FOUND


async def test_403_is_retried_once_with_a_fresh_token_then_permanent(fake, amazon):
    denied = json_response(
        403,
        {
            "errors": [
                {"code": "Unauthorized", "message": "Access to requested resource is denied."}
            ]
        },
    )
    fake.on("GET", ORDER_PATH, denied)
    error = await fails_with(fake, amazon, denied)
    assert isinstance(error, AmazonAccessDenied)
    assert error.transient is False
    assert error.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert [seen.headers["x-amz-access-token"] for seen in fake.seen] == [
        f"{ACCESS_TOKEN_PREFIX}1",
        f"{ACCESS_TOKEN_PREFIX}2",
    ]
    assert ACCESS_TOKEN_PREFIX not in str(error)


async def test_a_revoked_cached_token_recovers_after_one_403(fake, amazon, example):
    body = example(GET_ORDER_EXAMPLE)
    fake.on(
        "GET",
        ORDER_PATH,
        json_response(403, {"errors": [{"code": "Unauthorized", "message": "expired"}]}),
        json_response(200, body),
    )
    assert await get_order(amazon.api) == body


async def test_a_non_json_success_body_is_a_bad_response(fake, amazon):
    error = await fails_with(fake, amazon, lambda request: httpx.Response(200, text="<html>"))
    assert isinstance(error, AmazonBadResponse) and error.transient is False


async def test_an_html_error_page_is_still_classified(fake, amazon):
    error = await fails_with(fake, amazon, lambda request: httpx.Response(502, text="<html>"))
    assert isinstance(error, AmazonUnavailable)


def test_regions_and_endpoint_override():
    assert resolve_endpoint("eu") == "https://sellingpartnerapi-eu.amazon.com"
    assert resolve_endpoint("NA") == "https://sellingpartnerapi-na.amazon.com"
    assert resolve_endpoint("fe") == "https://sellingpartnerapi-fe.amazon.com"
    assert resolve_endpoint("http://127.0.0.1:8701/") == "http://127.0.0.1:8701"
    assert resolve_endpoint(ENDPOINT) == ENDPOINT
    with pytest.raises(ValueError, match="endpoint"):
        resolve_endpoint("europe")


def test_query_encoding_follows_swagger_csv():
    assert encode_query(
        {"a": ["X", "Y"], "b": 5, "c": None, "d": True, "e": "2026-01-01T00:00:00Z"}
    ) == {"a": "X,Y", "b": "5", "d": "true", "e": "2026-01-01T00:00:00Z"}


async def test_request_goes_to_the_sandbox_endpoint_when_overridden(clock: Clock):
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"ok": True})

    class StaticToken:
        async def access_token(self) -> str:
            return "token"

        def invalidate(self) -> None:
            raise AssertionError("not expected")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = SpApiClient("http://127.0.0.1:8701", StaticToken(), http)
        assert await get_order(client) == {"ok": True}
    assert urls == [f"http://127.0.0.1:8701{ORDER_PATH}?includedData=FULFILLMENT"]
