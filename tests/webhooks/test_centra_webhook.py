"""The Centra webhook receiver: signature checks, the form-encoded `payload=<json>` body, and
the hand-off to the account's ChannelIntake (a stand-in that records `orders_notified`)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from integrations.centra.module import CENTRA
from integrations.centra.webhook import PATH as CENTRA_PATH
from integrations.centra.webhook import SIGNATURE_HEADER, sign
from integrations.registry import Channel
from sandbox.centra.app import create_app as create_centra_app
from sandbox.centra.catalogue import SKUS
from sandbox.centra.state import CentraSandbox
from sandbox.server import ServerThread
from tests.activities.temporal_server import DevServer, eventually
from tests.webhooks.centra_standin import NOTICES_QUERY, STARTED_AS_QUERY, centra_intake_worker
from tests.webhooks.conftest import SECRET as GXO_SECRET
from webhooks import ChannelHook, create_webhook_app
from workflows.channel_intake import ChannelIntakeInput, intake_id
from workflows.intakes import TASK_TIMEOUT

CENTRA_SECRET = "test-centra-webhook-secret"
FORM = "application/x-www-form-urlencoded"


def order_event(number: int | str, action: str = "update") -> dict[str, Any]:
    return {"type": "order", "action": action, "date": "2025-03-10 10:00:00", "id": number}


def shipment_event(number: int) -> dict[str, Any]:
    return {"type": "shipment", "action": "insert", "date": "2025-03-10 10:00:01", "id": number}


def form(events: list[dict[str, Any]]) -> bytes:
    """The body Centra's webhook plugin sends: one `payload` field holding the JSON."""
    return urlencode({"payload": json.dumps({"events": events})}).encode()


def signed(body: bytes, secret: str = CENTRA_SECRET, age_seconds: int = 0) -> dict[str, str]:
    timestamp = int(time.time()) - age_seconds
    return {SIGNATURE_HEADER: sign(secret, body, timestamp), "Content-Type": FORM}


async def post(receiver: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await receiver.post(CENTRA_PATH, content=body, headers=headers)


@pytest.fixture(scope="session")
async def centra_queue(dev_server: DevServer) -> AsyncIterator[str]:
    async with centra_intake_worker(dev_server.client) as queue:
        yield queue


@pytest.fixture
def account(unique: Callable[[str], str]) -> str:
    """A Centra account of this test's own, so its intake's workflow id is unique too."""
    return unique("centra-t-")


@pytest.fixture
def webhook_app(dev_server: DevServer, centra_queue: str, account: str) -> FastAPI:
    """Overrides conftest's: the receiver with the Centra route, on the stand-in's queue."""
    hook = ChannelHook.of(
        CENTRA, CENTRA_SECRET, ChannelIntakeInput(channel=Channel.CENTRA, account=account)
    )
    return create_webhook_app(dev_server.client, GXO_SECRET, centra_queue, channels=[hook])


def workflow_id(account: str) -> str:
    return intake_id(Channel.CENTRA, account)


async def notices_of(server: DevServer, account: str, count: int) -> list[list[str]]:
    handle = server.client.get_workflow_handle(workflow_id(account))

    async def probe() -> list[list[str]]:
        found: list[list[str]] = await handle.query(NOTICES_QUERY, result_type=list)
        return found

    return await eventually(probe, lambda found: len(found) >= count)


async def test_a_signed_push_naming_two_orders_starts_the_intake_with_one_notice(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str
) -> None:
    body = form([order_event(1902), shipment_event(77), order_event("1903"), order_event(1902)])

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    assert response.json() == {"accepted": ["1902", "1903"]}
    assert await notices_of(dev_server, account, 1) == [["1902", "1903"]]
    handle = dev_server.client.get_workflow_handle(workflow_id(account))
    description = await handle.describe()
    assert description.workflow_type == "ChannelIntake"
    # A workflow task lost with a killed worker is retried after 5 s, not Temporal's 10 s.
    config = description.raw_description.execution_config
    assert config.default_workflow_task_timeout.ToTimedelta() == TASK_TIMEOUT
    started_as = await handle.query(STARTED_AS_QUERY, result_type=dict)
    assert started_as == {"channel": "centra", "account": account}

    # A later push reaches the same run; signals arrive in order, so had the first push been
    # signalled twice the second notice would not come next.
    later = form([order_event(1904)])
    assert (await post(receiver, later, signed(later))).status_code == 202
    assert await notices_of(dev_server, account, 2) == [["1902", "1903"], ["1904"]]


async def test_a_push_without_order_events_is_accepted_and_starts_nothing(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str
) -> None:
    body = form([shipment_event(77), {"type": "product", "action": "update", "id": 5}])

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    assert response.json() == {"accepted": []}
    assert not await dev_server.exists(workflow_id(account))


async def test_a_push_without_order_events_does_not_signal_a_running_intake(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str
) -> None:
    first, shipments = form([order_event(1)]), form([shipment_event(9)])
    last = form([order_event(3)])

    for body in (first, shipments, last):
        assert (await post(receiver, body, signed(body))).status_code == 202

    assert await notices_of(dev_server, account, 2) == [["1"], ["3"]]


def refused_requests() -> Iterator[tuple[str, bytes, dict[str, str], str]]:
    body = form([order_event(1902), order_event(1903)])
    other = form([order_event(1902), order_event(1999)])
    yield "wrong secret", body, signed(body, secret="not-the-secret"), "mismatch"
    yield "gxo's secret", body, signed(body, secret=GXO_SECRET), "mismatch"
    yield "missing header", body, {"Content-Type": FORM}, "missing"
    yield "blank header", body, {SIGNATURE_HEADER: "  ", "Content-Type": FORM}, "missing"
    yield "garbage header", body, {SIGNATURE_HEADER: "sha256=abc"}, "malformed"
    yield "no timestamp", body, {SIGNATURE_HEADER: "v1=" + "0" * 64}, "malformed"
    yield "no v1", body, {SIGNATURE_HEADER: f"t={int(time.time())}"}, "malformed"
    yield "stale timestamp", body, signed(body, age_seconds=300 + 6), "stale"
    yield "future timestamp", body, signed(body, age_seconds=-(300 + 60)), "stale"
    yield "tampered body", other, signed(body), "mismatch"


REFUSALS = [case[0] for case in refused_requests()]


@pytest.mark.parametrize("case", REFUSALS)
async def test_an_unverifiable_push_is_refused_and_starts_nothing(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str, case: str
) -> None:
    _, body, headers, problem = next(c for c in refused_requests() if c[0] == case)

    response = await post(receiver, body, headers)

    assert response.status_code == 401
    message = response.json()["error"]
    assert message.startswith(f"invalid signature: {problem}")
    for secret in ("not-the-secret", GXO_SECRET, CENTRA_SECRET):
        assert secret not in message
    assert not await dev_server.exists(workflow_id(account))


async def test_a_replayed_or_tampered_push_does_not_signal_a_running_intake(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str
) -> None:
    """A push captured ten minutes ago, its signature intact, replayed to a running intake;
    then a fresh signature with the body changed after signing."""
    first, replayed, last = form([order_event(1)]), form([order_event(2)]), form([order_event(3)])
    captured = signed(replayed, age_seconds=600)
    tampered = form([order_event(4)])
    assert (await post(receiver, first, signed(first))).status_code == 202

    replay = await post(receiver, replayed, captured)
    altered = await post(receiver, tampered, signed(first))
    assert (await post(receiver, last, signed(last))).status_code == 202

    assert (replay.status_code, altered.status_code) == (401, 401)
    assert replay.json()["error"].startswith("invalid signature: stale")
    assert altered.json()["error"].startswith("invalid signature: mismatch")
    # Signals arrive in order: once the last one is in, the refused ones would have been too.
    assert await notices_of(dev_server, account, 2) == [["1"], ["3"]]


def malformed_bodies() -> Iterator[tuple[str, bytes, str]]:
    yield "json, not a form", json.dumps({"events": [order_event(1)]}).encode(), "form-encoded"
    yield "not utf-8", b"payload=\xff\xfe", "form-encoded"
    yield "empty body", b"", "payload field"
    yield "no payload field", urlencode({"data": json.dumps({"events": []})}).encode(), "payload"
    yield "two payload fields", form([]) + b"&" + form([]), "exactly one payload field"
    yield "payload not json", urlencode({"payload": '{"events": ['}).encode(), "not json"
    yield "events not a list", urlencode({"payload": '{"events": {"id": 1}}'}).encode(), "events"
    yield "payload an array", urlencode({"payload": "[]"}).encode(), "events"
    not_an_object: list[Any] = [order_event(1), "order"]
    yield "event not an object", form(not_an_object), "events[1]"
    yield "order id not a number", form([order_event("12a")]), "events[0].id"


MALFORMED = [case[0] for case in malformed_bodies()]


@pytest.mark.parametrize("case", MALFORMED)
async def test_a_signed_malformed_push_is_a_400_naming_the_problem(
    receiver: httpx.AsyncClient, dev_server: DevServer, account: str, case: str
) -> None:
    _, body, named = next(c for c in malformed_bodies() if c[0] == case)

    response = await post(receiver, body, signed(body))

    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith("malformed webhook: ")
    assert named.lower() in message.lower()
    assert not await dev_server.exists(workflow_id(account))


async def test_a_deeply_nested_payload_is_a_400_not_a_crash(
    webhook_app: FastAPI, dev_server: DevServer, account: str
) -> None:
    body = urlencode({"payload": '{"events": ' + "[" * 100_000}).encode()
    transport = httpx.ASGITransport(app=webhook_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        response = await post(client, body, signed(body))

    assert not await dev_server.exists(workflow_id(account))
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed webhook: ")


def order_spec() -> dict[str, Any]:
    return {"orders": [{"lines": [{"SKU": SKUS[0], "quantity": 1}]}]}


async def test_the_centra_sandbox_push_arrives_and_verifies(
    receiver_url: str, dev_server: DevServer, account: str
) -> None:
    """The sandbox's own signer and pusher, end to end: creating an order pushes it."""
    centra = CentraSandbox(
        webhook_url=receiver_url + CENTRA_PATH,
        webhook_secret=CENTRA_SECRET,
        webhook_retry_delay_seconds=0,
    )
    with ServerThread(create_centra_app(centra)) as server:
        async with httpx.AsyncClient(base_url=server.url) as sandbox:
            created = await sandbox.post("/_sandbox/orders", json=order_spec())
            created.raise_for_status()
            [order] = created.json()["orders"]
            status = (await sandbox.post("/_sandbox/webhook/flush")).json()

    assert (status["pending"], status["delivered"], status["dropped"]) == (0, 1, 0)
    assert [p.attempts for p in centra.webhooks.delivered] == [1]
    assert await notices_of(dev_server, account, 1) == [[str(order["number"])]]


async def test_a_sandbox_push_signed_with_another_secret_is_refused_and_dropped(
    receiver_url: str, dev_server: DevServer, account: str
) -> None:
    """Centra configured with the wrong secret: every attempt is a 401, then Centra gives up."""
    with ServerThread(create_centra_app(CentraSandbox())) as server:
        async with httpx.AsyncClient(base_url=server.url) as sandbox:
            target = {
                "url": receiver_url + CENTRA_PATH,
                "secret": "rotated-away",
                "retry_delay_seconds": 0,
            }
            (await sandbox.put("/_sandbox/webhook", json=target)).raise_for_status()
            (await sandbox.post("/_sandbox/orders", json=order_spec())).raise_for_status()
            status = (await sandbox.post("/_sandbox/webhook/flush")).json()

    assert (status["pending"], status["delivered"], status["dropped"]) == (0, 0, 1)
    assert status["drops"][0]["error"] == "HTTP 401"
    assert not await dev_server.exists(workflow_id(account))
