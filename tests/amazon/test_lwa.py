"""LWA: one exchange per token lifetime, refreshed before expiry, shared by concurrent callers,
and every refusal explained without leaking a secret."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from integrations.amazon.errors import AmazonAuthError, AmazonThrottled, AmazonUnavailable
from integrations.amazon.lwa import LwaCredentials, LwaTokenProvider
from tests.amazon.fakes import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    TOKEN_URL,
    Clock,
    FakeAmazon,
    json_response,
    settings,
)


def provider(http: httpx.AsyncClient, clock: Clock) -> LwaTokenProvider:
    config = settings()
    credentials = LwaCredentials(
        token_url=TOKEN_URL,
        client_id=config.client_id,
        client_secret=config.client_secret,
        refresh_token=config.refresh_token,
    )
    return LwaTokenProvider(credentials, http, clock=clock.monotonic)


async def test_exchanges_the_refresh_token_once_and_caches(fake: FakeAmazon, clock: Clock):
    async with fake.http() as http:
        lwa = provider(http, clock)
        first = await lwa.access_token()
        clock.advance(1800)
        assert await lwa.access_token() == first
    assert lwa.refresh_count == 1
    assert fake.token_forms == [
        {
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": "amzn1.application-oa2-client.test",
            "client_secret": CLIENT_SECRET,
        }
    ]


async def test_refreshes_a_minute_before_expiry(fake: FakeAmazon, clock: Clock):
    async with fake.http() as http:
        lwa = provider(http, clock)
        first = await lwa.access_token()
        clock.advance(3600 - 61)
        assert await lwa.access_token() == first
        clock.advance(2)  # now 59 s before expiry: inside the margin
        second = await lwa.access_token()
    assert second != first
    assert lwa.refresh_count == 2


async def test_concurrent_callers_share_one_refresh(fake: FakeAmazon, clock: Clock):
    fake.token_delay = 0.01
    async with fake.http() as http:
        lwa = provider(http, clock)
        tokens = await asyncio.gather(*(lwa.access_token() for _ in range(20)))
    assert len(set(tokens)) == 1
    assert len(fake.token_forms) == 1


async def test_invalidate_forces_a_new_exchange(fake: FakeAmazon, clock: Clock):
    async with fake.http() as http:
        lwa = provider(http, clock)
        first = await lwa.access_token()
        lwa.invalidate()
        assert await lwa.access_token() != first


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("invalid_grant", "re-authorise the app"),
        ("invalid_client", "180 days"),
        ("unauthorized_client", "AMAZON_LWA_CLIENT_ID"),
        ("invalid_request", "check the LWA credentials"),
    ],
)
async def test_refusals_are_permanent_and_explained(
    fake: FakeAmazon, clock: Clock, error: str, advice: str
):
    body = {"error": error, "error_description": f"bad {REFRESH_TOKEN} {CLIENT_SECRET}"}
    fake.token_handlers.append(json_response(400 if error != "invalid_client" else 401, body))
    async with fake.http() as http:
        with pytest.raises(AmazonAuthError) as caught:
            await provider(http, clock).access_token()
    failure = caught.value
    assert failure.transient is False
    assert failure.error_code == error
    assert advice in str(failure)
    assert REFRESH_TOKEN not in str(failure) and CLIENT_SECRET not in str(failure)
    assert failure.exception_kind is not None and failure.exception_kind.value == (
        "CHANNEL_AUTH_FAILED"
    )


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (json_response(500, {"error": "server_error"}), AmazonUnavailable),
        (json_response(503), AmazonUnavailable),
        (json_response(429, None, {"Retry-After": "3"}), AmazonThrottled),
    ],
)
async def test_token_endpoint_outages_are_transient(fake, clock, handler, expected):
    fake.token_handlers.append(handler)
    async with fake.http() as http:
        lwa = provider(http, clock)
        with pytest.raises(expected) as caught:
            await lwa.access_token()
        assert caught.value.transient is True
        # A failed refresh leaves nothing cached: the next call tries again and succeeds.
        assert (await lwa.access_token()).startswith("Atza|")


async def test_token_endpoint_timeout_is_transient(clock: Clock):
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(timeout)) as http:
        with pytest.raises(AmazonUnavailable) as caught:
            await provider(http, clock).access_token()
    assert caught.value.transient is True
    assert "timed out" in str(caught.value)
