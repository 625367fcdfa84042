"""Every Centra failure becomes the right typed error, and none of them leaks the token."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from domain.exceptions import ExceptionKind
from integrations.centra import documents
from integrations.centra.client import CentraClient
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
from tests.centra.fakes import TOKEN, URL


def client_for(respond: Any) -> CentraClient:
    return CentraClient(
        URL, SecretStr(TOKEN), httpx.AsyncClient(transport=httpx.MockTransport(respond))
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


async def test_429_is_transient_with_retry_after() -> None:
    error = await fails_with(lambda r: httpx.Response(429, headers={"Retry-After": "7"}))
    assert isinstance(error, CentraThrottled)
    assert error.transient and error.retry_after == 7.0 and error.exception_kind is None


async def test_429_without_a_usable_retry_after() -> None:
    error = await fails_with(lambda r: httpx.Response(429, headers={"Retry-After": "soon"}))
    assert isinstance(error, CentraThrottled) and error.retry_after is None


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
