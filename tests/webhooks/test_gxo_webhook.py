"""The GXO webhook receiver: signature checks, body validation, the hand-off to the facility's
WarehouseIntake workflow (a stand-in that records `events_pushed`), and events for facilities
consign does not serve, kept in the store instead of starting an intake."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.client import Client

from codec.converter import configured_converter
from domain.limits import IntakeLimits
from domain.setaside import SetAsideReason
from integrations.gxo import wire
from integrations.gxo.webhook import SIGNATURE_HEADER, sign
from sandbox.gxo import wire as sandbox_wire
from sandbox.gxo.app import DEFAULT_API_KEY
from sandbox.gxo.app import create_app as create_gxo_app
from sandbox.gxo.catalogue import RM_TRACKED_48, UK_DAVENTRY
from sandbox.gxo.models import ProcessingSettings
from sandbox.gxo.warehouse import GxoWarehouse
from sandbox.server import ServerThread
from starter.webhooks import GXO_PATH, create_webhook_app
from store.set_aside import list_set_aside
from store.unmatched import list_unmatched
from tests.activities.temporal_server import (
    PARCELS_QUERY,
    RECEIVED_QUERY,
    SET_ASIDE_QUERY,
    DevServer,
    eventually,
)
from tests.webhooks.conftest import SECRET
from workflows.intakes import TASK_TIMEOUT
from workflows.warehouse_intake import workflow_id_for


def event(facility: str, sequence: int = 1) -> wire.Event:
    return wire.Event(
        event_id=f"EV-{facility}-{sequence:08d}",
        sequence=sequence,
        kind="CANCELLED",
        facility_id=facility,
        reference=f"AK7M-2040000000{sequence:07d}",
        channel_order_id=f"204-0000000-{sequence:07d}",
        channel="amazon",
        account="A1SANDBOXSELLER",
        warehouse_order_id=f"WO{sequence:08d}",
        order_status="CANCELLED",
        occurred_at=datetime.now(UTC).replace(microsecond=0),
    )


def body_of(pushed: wire.Event) -> bytes:
    return pushed.model_dump_json().encode()


def signed(body: bytes, secret: str = SECRET, age_seconds: int = 0) -> dict[str, str]:
    timestamp = int(time.time()) - age_seconds
    return {SIGNATURE_HEADER: sign(secret, body, timestamp), "Content-Type": "application/json"}


async def post(receiver: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await receiver.post(GXO_PATH, content=body, headers=headers)


async def set_aside_at(server: DevServer, facility: str, count: int) -> list[str]:
    handle = server.client.get_workflow_handle(workflow_id_for(facility))

    async def probe() -> list[str]:
        found: list[str] = await handle.query(SET_ASIDE_QUERY, result_type=list)
        return found

    return await eventually(probe, lambda found: len(found) >= count)


async def pushed_to(server: DevServer, facility: str, count: int) -> list[str]:
    handle = server.client.get_workflow_handle(workflow_id_for(facility))

    async def probe() -> list[str]:
        found: list[str] = await handle.query(RECEIVED_QUERY, result_type=list)
        return found

    return await eventually(probe, lambda found: len(found) >= count)


@pytest.fixture
def webhook_app(dev_server: DevServer, facility: str, store: Engine) -> FastAPI:
    """The receiver serving this test's facility and the sandbox's UK one."""
    return create_webhook_app(
        dev_server.client,
        SECRET,
        dev_server.task_queue,
        facilities={facility, UK_DAVENTRY},
        engine=store,
    )


async def test_a_signed_event_starts_the_facility_intake_with_it(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str
) -> None:
    pushed = event(facility)
    body = body_of(pushed)

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    assert response.json() == {"accepted": pushed.event_id}
    assert await pushed_to(dev_server, facility, 1) == [pushed.event_id]
    description = await dev_server.client.get_workflow_handle(workflow_id_for(facility)).describe()
    assert description.workflow_type == "WarehouseIntake"
    config = description.raw_description.execution_config
    assert config.default_workflow_task_timeout.ToTimedelta() == TASK_TIMEOUT


async def test_further_events_signal_the_running_intake(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str
) -> None:
    first, second = event(facility, 1), event(facility, 2)

    for pushed in (first, second):
        body = body_of(pushed)
        assert (await post(receiver, body, signed(body))).status_code == 202

    assert await pushed_to(dev_server, facility, 2) == [first.event_id, second.event_id]
    handle = dev_server.client.get_workflow_handle(workflow_id_for(facility))
    runs = await dev_server.client.count_workflows(f"WorkflowId = '{handle.id}'")
    assert runs.count <= 1  # visibility may lag; never two runs


async def test_a_push_signed_during_secret_rotation_is_accepted(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str
) -> None:
    """GXO sends one v1 per active secret while rotating; one matching is enough."""
    pushed = event(facility)
    body = body_of(pushed)
    timestamp = int(time.time())
    old = sign("old-secret", body, timestamp)
    new_digest = sign(SECRET, body, timestamp).partition("v1=")[2]

    response = await post(receiver, body, {SIGNATURE_HEADER: f"{old},v1={new_digest}"})

    assert response.status_code == 202
    assert await pushed_to(dev_server, facility, 1) == [pushed.event_id]


def refused_requests(facility: str) -> Iterator[tuple[str, bytes, dict[str, str], str]]:
    body = body_of(event(facility))
    other = body_of(event(facility, 99))
    yield "wrong secret", body, signed(body, secret="not-the-secret"), "mismatch"
    yield "missing header", body, {"Content-Type": "application/json"}, "missing"
    yield "blank header", body, {SIGNATURE_HEADER: "  "}, "missing"
    yield "garbage header", body, {SIGNATURE_HEADER: "sha256=abc"}, "malformed"
    yield "no timestamp", body, {SIGNATURE_HEADER: "v1=" + "0" * 64}, "malformed"
    yield "stale timestamp", body, signed(body, age_seconds=301 + 5), "stale"
    yield "future timestamp", body, signed(body, age_seconds=-(300 + 60)), "stale"
    yield "tampered body", other, signed(body), "mismatch"


REFUSALS = [case[0] for case in refused_requests("X")]

ODD_TIMESTAMPS = {"superscript digit": "\u00b2", "5000 digits": "9" * 5000}


@pytest.mark.parametrize("timestamp", list(ODD_TIMESTAMPS.values()), ids=list(ODD_TIMESTAMPS))
async def test_an_unparseable_timestamp_is_refused_as_malformed(
    webhook_app: FastAPI, dev_server: DevServer, facility: str, timestamp: str
) -> None:
    body = body_of(event(facility))
    header = f"t={timestamp},v1={sign(SECRET, body, int(time.time())).partition('v1=')[2]}"
    transport = httpx.ASGITransport(app=webhook_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        # bytes: httpx would refuse to encode a non-ASCII str header; the wire allows Latin-1
        response = await client.post(
            GXO_PATH, content=body, headers={SIGNATURE_HEADER.encode(): header.encode("latin-1")}
        )

    assert response.status_code == 401
    assert response.json()["error"].startswith("invalid signature: malformed")
    assert not await dev_server.exists(workflow_id_for(facility))


@pytest.mark.parametrize("case", REFUSALS)
async def test_an_unverifiable_push_is_refused_and_starts_nothing(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str, case: str
) -> None:
    _, body, headers, problem = next(c for c in refused_requests(facility) if c[0] == case)

    response = await post(receiver, body, headers)

    assert response.status_code == 401
    message = response.json()["error"]
    assert message.startswith(f"invalid signature: {problem}")
    assert "not-the-secret" not in message and SECRET not in message
    assert not await dev_server.exists(workflow_id_for(facility))


async def test_a_replayed_old_push_is_refused_and_not_signalled(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str
) -> None:
    """A push captured ten minutes ago, its signature intact, replayed to a running intake."""
    first, replayed, last = event(facility, 1), event(facility, 2), event(facility, 3)
    captured = signed(body_of(replayed), age_seconds=600)
    assert (await post(receiver, body_of(first), signed(body_of(first)))).status_code == 202

    response = await post(receiver, body_of(replayed), captured)
    assert (await post(receiver, body_of(last), signed(body_of(last)))).status_code == 202

    assert response.status_code == 401
    assert "stale" in response.json()["error"]
    # Signals arrive in order: once the last one is in, the replay would have been too.
    assert await pushed_to(dev_server, facility, 2) == [first.event_id, last.event_id]


def invalid_bodies(facility: str) -> Iterator[tuple[str, bytes, SetAsideReason, list[str], bool]]:
    """name, body, the reason it is set aside for, words its detail holds, and whether the
    body names the facility (so its intake can count it)."""
    valid: dict[str, Any] = json.loads(body_of(event(facility)))
    malformed = SetAsideReason.MALFORMED
    yield "not json", b'{"event_id": "EV-1", ', malformed, ["json"], False
    yield "json array", b"[]", malformed, ["dictionary"], False
    no_sequence = {k: v for k, v in valid.items() if k != "sequence"}
    yield "missing field", json.dumps(no_sequence).encode(), malformed, ["sequence"], True
    returned = json.dumps({**valid, "kind": "RETURNED"}).encode()
    yield "unknown kind", returned, SetAsideReason.UNKNOWN_KIND, ["kind", "returned"], True
    yield (
        "two problems",
        json.dumps({**no_sequence, "occurred_at": "yesterday"}).encode(),
        malformed,
        ["sequence", "occurred_at"],
        True,
    )


INVALID = [case[0] for case in invalid_bodies("X")]


@pytest.mark.parametrize("case", INVALID)
async def test_a_signed_body_that_is_not_an_event_is_set_aside_and_counted(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str, store: Engine, case: str
) -> None:
    """Signed, so GXO sent it: kept as received with the reason (202: GXO need not send it
    again), and the facility's intake, when the body names one, counts it."""
    _, body, reason, named, names_facility = next(
        c for c in invalid_bodies(facility) if c[0] == case
    )

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    answer = response.json()
    assert answer["set_aside"] == reason.value
    for word in named:
        assert word in answer["detail"].lower()
    [kept] = list_set_aside(store)
    assert (kept.raw, kept.reason, kept.record_id) == (body.decode(), reason, answer["record_id"])
    assert kept.scope == (facility if names_facility else "unknown")
    if names_facility:
        assert await set_aside_at(dev_server, facility, 1) == [f"{reason.value}:{kept.record_id}"]
    else:
        assert not await dev_server.exists(workflow_id_for(facility))


async def test_pushes_around_one_that_cannot_be_read_flow_on(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str, store: Engine
) -> None:
    """Before: the RETURNED push was refused (400) and nothing kept it."""
    first, last = event(facility, 1), event(facility, 3)
    returned = json.dumps({**json.loads(body_of(event(facility, 2))), "kind": "RETURNED"})
    for body in (body_of(first), returned.encode(), body_of(last)):
        assert (await post(receiver, body, signed(body))).status_code == 202

    assert await pushed_to(dev_server, facility, 2) == [first.event_id, last.event_id]
    [kept] = list_set_aside(store)
    assert (kept.record_id, kept.reason) == (f"EV-{facility}-00000002", SetAsideReason.UNKNOWN_KIND)
    assert kept.raw == returned


async def test_without_a_store_a_body_that_is_not_an_event_is_a_400(
    dev_server: DevServer, facility: str
) -> None:
    app = create_webhook_app(
        dev_server.client, SECRET, dev_server.task_queue, facilities={facility}
    )
    body = json.dumps({**json.loads(body_of(event(facility))), "kind": "RETURNED"}).encode()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        response = await post(client, body, signed(body))

    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed event: kind 'RETURNED'")
    assert not await dev_server.exists(workflow_id_for(facility))


def dispatch(facility: str, parcels: int) -> wire.Event:
    """A signed dispatch of `parcels` parcels, one line each."""
    shipped = datetime.now(UTC).replace(microsecond=0)
    return event(facility).model_copy(
        update={
            "kind": "DISPATCH",
            "order_status": "SHIPPED",
            "parcels": [
                wire.Parcel(
                    parcel_id=f"WO1-P{n:05d}",
                    tracking_number=f"RU{n:09d}GB",
                    carrier_service_code=RM_TRACKED_48,
                    shipped_at=shipped,
                    lines=[
                        wire.ParcelLine(
                            line_number=1, item_code="GXO-1", channel_line_id="L1", quantity=1
                        )
                    ],
                )
                for n in range(parcels)
            ],
        }
    )


async def test_a_dispatch_of_12000_parcels_is_set_aside_by_default_not_a_500(
    receiver: httpx.AsyncClient, dev_server: DevServer, facility: str, store: Engine
) -> None:
    """Before: HTTP 500 (the signal was over Temporal's payload limit). Now the dispatch is
    beyond GXO_MAX_PARCELS_PER_DISPATCH: kept whole with the reason, and the intake says so."""
    big = dispatch(facility, 12_000)
    body = body_of(big)

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    assert response.json()["set_aside"] == "TOO_LARGE"
    assert "12000 parcels" in response.json()["detail"]
    [kept] = list_set_aside(store)
    assert kept.record_id == big.event_id and len(json.loads(kept.raw)["parcels"]) == 12_000
    assert await set_aside_at(dev_server, facility, 1) == [f"TOO_LARGE:{big.event_id}"]
    after = event(facility, 2)  # the feed goes on
    assert (await post(receiver, body_of(after), signed(body_of(after)))).status_code == 202
    assert await pushed_to(dev_server, facility, 1) == [after.event_id]


async def test_a_dispatch_too_large_for_one_signal_goes_as_parts_with_every_parcel_once(
    dev_server: DevServer, facility: str, store: Engine
) -> None:
    """With the parcel limit raised, 12,000 parcels (about 4 MB) reach the intake in parts
    under the payload budget: every parcel exactly once."""
    limits = IntakeLimits(max_parcels_per_dispatch=20_000)
    app = create_webhook_app(
        dev_server.client,
        SECRET,
        dev_server.task_queue,
        facilities={facility},
        engine=store,
        limits=limits,
    )
    big = dispatch(facility, 12_000)
    body = body_of(big)
    assert len(body) > 2 * 1024 * 1024  # more than one Temporal payload may carry
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        response = await post(client, body, signed(body))

    assert response.status_code == 202
    parts = response.json()["parts"]
    assert parts > 1
    events = await pushed_to(dev_server, facility, parts)
    assert events == [f"{big.event_id}#{k}/{parts}" for k in range(1, parts + 1)]
    handle = dev_server.client.get_workflow_handle(workflow_id_for(facility))
    parcels: list[str] = await handle.query(PARCELS_QUERY, result_type=list)
    assert sorted(parcels) == sorted(p.parcel_id for p in big.parcels)
    assert list_set_aside(store) == []


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
async def test_a_body_over_the_limit_is_a_413_and_not_read(
    dev_server: DevServer, facility: str, declared: bool
) -> None:
    app = create_webhook_app(
        dev_server.client,
        SECRET,
        dev_server.task_queue,
        facilities={facility},
        limits=IntakeLimits(webhook_max_bytes=1024),
    )
    body = body_of(dispatch(facility, 20))
    assert len(body) > 1024

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 256):
            yield body[start : start + 256]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        content: bytes | AsyncIterator[bytes] = body if declared else chunks()
        response = await client.post(GXO_PATH, content=content, headers=signed(body))

    assert response.status_code == 413
    assert "1024 bytes" in response.json()["error"]
    assert not await dev_server.exists(workflow_id_for(facility))


async def test_the_gxo_sandbox_push_arrives_and_verifies(
    receiver_url: str, dev_server: DevServer
) -> None:
    """The sandbox's own signer and pusher, end to end: inject, cycle, flush."""
    warehouse = GxoWarehouse(settings=ProcessingSettings(cycle_seconds=0))
    order = {
        "facility_id": UK_DAVENTRY,
        "reference": "204-3000001-0000001",
        "channel": "amazon",
        "account": "A1SANDBOXSELLER",
        "carrier_service_code": RM_TRACKED_48,
        "ship_to": {
            "name": "Test Buyer",
            "line1": "1 Test Street",
            "city": "Bristol",
            "postal_code": "BS1 4ST",
            "country_code": "GB",
        },
        "lines": [
            {"line_number": 1, "item_code": "GXO-100002", "quantity": 1, "channel_line_id": "L1"}
        ],
    }
    with ServerThread(create_gxo_app(warehouse)) as gxo:
        async with httpx.AsyncClient(base_url=gxo.url) as sandbox:
            target = {"url": receiver_url + GXO_PATH, "secret": SECRET}
            (await sandbox.put("/_sandbox/webhook", json=target)).raise_for_status()
            auth = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
            (await sandbox.post("/v1/orders", json=order, headers=auth)).raise_for_status()
            [emitted] = (await sandbox.post("/_sandbox/cycle")).json()
            flushed = await sandbox.post("/_sandbox/webhook/flush")
            status = flushed.json()

    assert emitted["kind"] == "DISPATCH"
    assert (status["pending"], status["delivered"], status["failed_attempts"]) == (0, 1, 0)
    assert await pushed_to(dev_server, UK_DAVENTRY, 1) == [emitted["event_id"]]


async def test_a_push_signed_with_another_secret_is_retried_not_accepted(
    receiver_url: str, dev_server: DevServer, facility: str
) -> None:
    """GXO configured with the wrong secret: every push is refused and stays pending."""
    warehouse = GxoWarehouse(settings=ProcessingSettings(cycle_seconds=0))
    with ServerThread(create_gxo_app(warehouse)) as gxo:
        async with httpx.AsyncClient(base_url=gxo.url) as sandbox:
            target = {"url": receiver_url + GXO_PATH, "secret": "rotated-away"}
            (await sandbox.put("/_sandbox/webhook", json=target)).raise_for_status()
            pushed = sandbox_wire.WarehouseEvent.model_validate_json(body_of(event(facility)))
            warehouse.listeners[0](pushed)  # the pusher's enqueue, as the warehouse calls it
            status = (await sandbox.post("/_sandbox/webhook/flush")).json()

    assert (status["pending"], status["delivered"]) == (1, 0)
    assert status["failed_attempts"] >= 1
    assert not await dev_server.exists(workflow_id_for(facility))


async def test_an_event_for_an_unserved_facility_is_kept_and_starts_no_intake(
    receiver: httpx.AsyncClient, dev_server: DevServer, store: Engine, unique: Callable[[str], str]
) -> None:
    """A signed, well-formed event naming a facility consign does not serve: kept verbatim
    with the reason, acknowledged (GXO need not push it again), and no poller is born."""
    elsewhere = unique("GXO-XX-")
    pushed = event(elsewhere)
    body = body_of(pushed)

    response = await post(receiver, body, signed(body))

    assert response.status_code == 202
    assert response.json() == {"accepted": pushed.event_id, "unmatched": "UNSERVED_FACILITY"}
    [kept] = list_unmatched(store)
    assert (kept.event_id, kept.facility_id, kept.reference) == (
        pushed.event_id,
        elsewhere,
        pushed.reference,
    )
    assert kept.raw_json == body.decode()
    assert kept.reason is not None and kept.reason.startswith("UNSERVED_FACILITY")
    assert not await dev_server.exists(workflow_id_for(elsewhere))


async def test_without_a_store_an_unserved_facility_is_refused_for_a_later_push(
    dev_server: DevServer, unique: Callable[[str], str]
) -> None:
    app = create_webhook_app(dev_server.client, SECRET, dev_server.task_queue)
    elsewhere = unique("GXO-XX-")
    body = body_of(event(elsewhere))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        response = await post(client, body, signed(body))

    assert response.status_code == 503
    assert not await dev_server.exists(workflow_id_for(elsewhere))


async def test_a_notice_temporal_does_not_take_is_a_503_not_a_500(
    dev_server: DevServer, facility: str
) -> None:
    """Temporal refusing the signal (here: a namespace it does not have) asks GXO to push
    again; before, the exception escaped as HTTP 500."""
    elsewhere = await Client.connect(
        dev_server.client.service_client.config.target_host,
        namespace="no-such-namespace",
        data_converter=configured_converter(),
    )
    app = create_webhook_app(elsewhere, SECRET, dev_server.task_queue, facilities={facility})
    body = body_of(event(facility))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://consign.test") as client:
        response = await post(client, body, signed(body))

    assert response.status_code == 503
    assert response.json()["error"].startswith("Temporal did not take the notice (NOT_FOUND)")
