"""Every Centra failure becomes the right typed error, and none of them leaks the token. A 429's
Retry-After is a timestamp; long paged calls wait it out instead of starting over."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from domain.exceptions import ExceptionKind
from integrations.centra import documents
from integrations.centra.client import PATIENT_TRIES, CentraClient, retry_after_seconds
from integrations.centra.errors import (
    CentraBadResponse,
    CentraError,
    CentraPermissionDenied,
    CentraRequestError,
    CentraThrottled,
    CentraUnauthorized,
    CentraUnavailable,
    CentraUserErrors,
)
from tests.centra.support import TOKEN, URL

NOW = 1_772_445_600.0  # 2026-03-02T10:00:00Z


def client_for(respond: Any, sleeps: list[float] | None = None) -> CentraClient:
    async def sleep(seconds: float) -> None:
        assert sleeps is not None, "this call was not meant to wait"
        sleeps.append(seconds)

    return CentraClient(
        URL,
        SecretStr(TOKEN),
        httpx.AsyncClient(transport=httpx.MockTransport(respond)),
        clock=lambda: NOW,
        sleep=sleep,
    )


async def fails_with(respond: Any) -> CentraError:
    client = client_for(respond)
    with pytest.raises(CentraError) as caught:
        await client.execute(documents.ORDER_EVENTS, {"limit": 5}, "OrderEvents")
    assert TOKEN not in str(caught.value)
    assert caught.value.system == "CENTRA"
    return caught.value


async def test_posts_query_and_variables_with_bearer_auth() -> None:
    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"events": []}})

    data = await client_for(respond).execute(documents.ORDER_EVENTS, {"limit": 5}, "OrderEvents")
    assert data == {"events": []}
    (request,) = seen
    assert str(request.url) == URL and request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert httpx.Response(200, content=request.content).json() == {
        "query": documents.ORDER_EVENTS,
        "variables": {"limit": 5},
    }


async def test_401_is_an_expired_or_invalid_token() -> None:
    error = await fails_with(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    assert isinstance(error, CentraUnauthorized)
    assert not error.transient and error.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert "expired" in str(error)


async def test_429_is_transient_and_its_retry_after_timestamp_becomes_a_wait() -> None:
    retry_at = str(int(NOW) + 7)
    error = await fails_with(lambda r: httpx.Response(429, headers={"Retry-After": retry_at}))
    assert isinstance(error, CentraThrottled)
    assert error.transient and error.retry_after == 7.0 and error.exception_kind is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (str(int(NOW) + 42), 42.0),  # unix seconds: Centra's documented timestamp
        ("Mon, 02 Mar 2026 10:00:30 GMT", 30.0),  # an HTTP date
        ("2026-03-02T11:00:05+01:00", 5.0),  # ISO 8601
        (str(int(NOW) - 5), 0.0),  # already past: at once
        ("12", 12.0),  # a small number is seconds (RFC 9110's other form)
        ("soon", None),
        ("2026-03-02T10:00:05", None),  # a moment without a zone is unusable
        ("", None),
        ("nan", None),
    ],
)
def test_retry_after_forms(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header, NOW) == seconds


async def test_429_without_a_usable_retry_after() -> None:
    error = await fails_with(lambda r: httpx.Response(429, headers={"Retry-After": "soon"}))
    assert isinstance(error, CentraThrottled) and error.retry_after is None


async def test_a_patient_call_waits_out_a_near_429_and_is_sent_again() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": str(int(NOW) + 3)})] * 2
    answers.append(httpx.Response(200, json={"data": {"events": []}}))
    sleeps: list[float] = []
    client = client_for(lambda r: answers.pop(0), sleeps)
    data = await client.execute(documents.ORDER_EVENTS, {}, "OrderEvents", patient=True)
    assert data == {"events": []} and sleeps == [3.0, 3.0]


async def test_a_patient_call_gives_up_on_a_far_429_and_after_its_tries() -> None:
    far = httpx.Response(429, headers={"Retry-After": str(int(NOW) + 3600)})
    with pytest.raises(CentraThrottled):
        await client_for(lambda r: far, []).execute(documents.ORDER_EVENTS, {}, "E", patient=True)
    near = httpx.Response(429, headers={"Retry-After": str(int(NOW) + 1)})
    sleeps: list[float] = []
    with pytest.raises(CentraThrottled):
        await client_for(lambda r: near, sleeps).execute(
            documents.ORDER_EVENTS, {}, "E", patient=True
        )
    assert len(sleeps) == PATIENT_TRIES - 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_transient(status: int) -> None:
    error = await fails_with(lambda r: httpx.Response(status, text="<html>down</html>"))
    assert isinstance(error, CentraUnavailable) and error.transient and error.status == status


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
    ids=["timeout", "connect"],
)
async def test_transport_failures_are_transient(failure: Exception) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        raise failure

    error = await fails_with(respond)
    assert isinstance(error, CentraUnavailable) and error.transient
    assert type(failure).__name__ in str(error)


async def test_authorization_category_names_the_missing_permission() -> None:
    body = {
        "data": None,
        "errors": [
            {
                "message": "You need Order:read permission to access this field",
                "extensions": {"category": "authorization"},
            }
        ],
    }
    error = await fails_with(lambda r: httpx.Response(200, json=body))
    assert isinstance(error, CentraPermissionDenied)
    assert not error.transient and error.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert error.permission == "Order:read"
    assert "the Centra API token lacks Order:read" in str(error)


async def test_authorization_wins_over_other_errors() -> None:
    body = {
        "errors": [
            {"message": "Field x is deprecated"},
            {
                "message": "You need Event:read permission",
                "extensions": {"category": "authorization"},
            },
        ]
    }
    error = await fails_with(lambda r: httpx.Response(200, json=body))
    assert isinstance(error, CentraPermissionDenied) and error.permission == "Event:read"


async def test_other_graphql_errors_are_permanent_rejections() -> None:
    body = {"errors": [{"message": 'Cannot query field "foo" on type "Order".'}]}
    error = await fails_with(lambda r: httpx.Response(400, json=body))
    assert isinstance(error, CentraRequestError)
    assert not error.transient and error.exception_kind is ExceptionKind.CHANNEL_REJECTED
    assert "foo" in str(error)


async def test_403_without_errors_is_an_auth_failure() -> None:
    error = await fails_with(lambda r: httpx.Response(403, text="Forbidden"))
    assert error.exception_kind is ExceptionKind.CHANNEL_AUTH_FAILED


@pytest.mark.parametrize(
    "response",
    [httpx.Response(200, text="<html>ok</html>"), httpx.Response(200, json={"data": None})],
    ids=["not-json", "no-data"],
)
async def test_unreadable_bodies(response: httpx.Response) -> None:
    error = await fails_with(lambda r: response)
    assert isinstance(error, CentraBadResponse) and not error.transient


MUTATIONS = [
    ("SetOrderListeners", "setEventListeners"),
    ("ConfirmEvents", "confirmEvents"),
    ("CreateShipment", "createShipment"),
    ("CaptureShipment", "captureShipment"),
    ("MarkShipmentPaid", "updateShipment"),
    ("CompleteShipment", "completeShipment"),
]


@pytest.mark.parametrize(("operation", "field"), MUTATIONS)
async def test_user_errors_on_every_mutation_are_permanent(operation: str, field: str) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        errors = [{"message": "Order line 11 cannot be shipped", "path": ["input", "lines"]}]
        payload = {"userErrors": errors, "userWarnings": []}
        return httpx.Response(200, json={"data": {field: payload}})

    with pytest.raises(CentraUserErrors) as caught:
        await client_for(respond).mutate(documents.ALL_DOCUMENTS[operation], {}, operation, field)
    error = caught.value
    assert error.exception_kind is ExceptionKind.CHANNEL_REJECTED and not error.transient
    assert error.messages == ["Order line 11 cannot be shipped"]
    assert error.paths == [["input", "lines"]]


async def test_user_warnings_are_logged_without_their_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        warnings = [{"message": "astrid@example.com bounced", "path": ["input", "sendEmail"]}]
        payload = {"userErrors": [], "userWarnings": warnings}
        return httpx.Response(200, json={"data": {"confirmEvents": payload}})

    with caplog.at_level(logging.WARNING, logger="integrations.centra.client"):
        payload = await client_for(respond).mutate(
            documents.CONFIRM_EVENTS, {"ids": [1]}, "ConfirmEvents", "confirmEvents"
        )
    assert payload["userErrors"] == []
    assert "input.sendEmail" in caplog.text and "astrid" not in caplog.text


async def test_a_mutation_without_its_payload_is_a_bad_response() -> None:
    client = client_for(lambda r: httpx.Response(200, json={"data": {"other": {}}}))
    with pytest.raises(CentraBadResponse):
        await client.mutate(
            documents.CONFIRM_EVENTS, {"ids": [1]}, "ConfirmEvents", "confirmEvents"
        )
