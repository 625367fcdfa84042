"""Pushes consign's webhook receiver must not act on, each between two good pushes: the bad one
gets a clear answer (401 for a signature, 413 over a bound, 400 for a body Centra's plugin could
not have meant, 202 with the record set aside or kept unmatched when GXO signed it), and the
good ones before and after it reach their intake. What was kept can be found in the store;
what was refused was not half-kept (the sender pushes it again, and the pull feed, the events
queue and the sweep read it regardless)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from domain.limits import IntakeLimits
from domain.order import Channel, OrderRef
from domain.setaside import SetAsideReason
from integrations.gxo.webhook import SIGNATURE_HEADER
from starter.webhooks import CENTRA_PATH, GXO_PATH, CentraHook, create_webhook_app
from tests.activities.temporal_server import DevServer
from tests.activities.test_intake_set_aside import wire_event
from tests.corpus import kept
from tests.corpus.cases import NESTED_JSON, Case, Corpus, Observed, Outcome, rows
from tests.webhooks.centra_standin import centra_intake_worker
from tests.webhooks.conftest import SECRET
from tests.webhooks.test_centra_webhook import CENTRA_SECRET, form, notices_of, order_event
from tests.webhooks.test_centra_webhook import signed as centra_signed
from tests.webhooks.test_gxo_webhook import pushed_to, signed
from workflows.channel_intake import ChannelIntakeInput


class Replay:
    """The row's push is the first good push again, byte for byte: a captured request."""


REPLAYED = Outcome("HTTP 409", "replayed delivery: this signed request was already accepted")
LIMITS = IntakeLimits(webhook_max_bytes=64 * 1024, webhook_max_orders=3, max_parcels_per_dispatch=5)
Push = tuple[bytes, dict[str, str]]


def outcome(response: httpx.Response) -> Observed:
    """The receiver's answer as a named outcome."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return Observed(f"HTTP {response.status_code}", response.text[:100])
    body: dict[str, Any] = response.json()
    name = f"HTTP {response.status_code}"
    if "set_aside" in body:
        return Observed(f"{name} set aside {body['set_aside']}", body.get("detail", ""))
    if "unmatched" in body:
        return Observed(f"{name} unmatched {body['unmatched']}", str(body.get("accepted")))
    if "accepted" in body:
        return Observed(f"{name} accepted", str(body["accepted"]))
    return Observed(name, str(body.get("error", body)))


# ---- GXO pushes ----------------------------------------------------------------------------

GXO = "GXO webhook push"


def event(
    facility: str, sequence: int, kind: str = "CANCELLED", parcels: int = 0
) -> dict[str, Any]:
    ref = OrderRef(channel=Channel.AMAZON, account="A1CORPUS", order_id=f"202-{sequence:07d}-1")
    return wire_event(facility, sequence, ref, kind, parcels)


def signed_json(document: Any) -> Push:
    body = json.dumps(document).encode()
    return body, signed(body)


def without(document: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != field}


def negative_quantity(facility: str) -> Push:
    dispatch = event(facility, 2, "DISPATCH", parcels=1)
    dispatch["parcels"][0]["lines"][0]["quantity"] = -1
    return signed_json(dispatch)


def oversized(facility: str) -> Push:
    padded = {**event(facility, 2), "note": "x" * (LIMITS.webhook_max_bytes + 1)}
    return signed_json(padded)


def signature(facility: str, header: str | None = None, **options: Any) -> Push:
    body = json.dumps(event(facility, 2)).encode()
    headers = signed(body, **options)
    if header is not None:
        headers[SIGNATURE_HEADER] = header
    return body, {k: v for k, v in headers.items() if v}


def text_plain(facility: str) -> Push:
    body, headers = signed_json(event(facility, 2))
    return body, {**headers, "Content-Type": "text/plain"}


def bad_push(
    kind: str, bad_input: str, expect: Outcome, make: Callable[[str], Push] | Replay
) -> tuple[Case, Callable[[str], Push] | Replay]:
    return Case(kind, GXO, bad_input, expect), make


def set_aside(reason: SetAsideReason, says: str) -> Outcome:
    return Outcome(f"HTTP 202 set aside {reason.value}", says)


GXO_PUSHES = [
    bad_push(
        "gxo-push-signature-mismatch",
        "signed with another secret",
        Outcome("HTTP 401", "invalid signature: mismatch"),
        lambda f: signature(f, secret="not-the-secret"),
    ),
    bad_push(
        "gxo-push-signature-missing",
        "no X-GXO-Signature",
        Outcome("HTTP 401", "invalid signature: missing"),
        lambda f: signature(f, header=""),
    ),
    bad_push(
        "gxo-push-signature-stale",
        "signed an hour ago (a replay)",
        Outcome("HTTP 401", "invalid signature: stale"),
        lambda f: signature(f, age_seconds=3600),
    ),
    bad_push(
        "gxo-push-replayed",
        "the same signed request again, inside its 5-minute window",
        REPLAYED,
        Replay(),
    ),
    bad_push(
        "gxo-push-signature-malformed",
        "X-GXO-Signature: sha256=abc",
        Outcome("HTTP 401", "invalid signature: malformed"),
        lambda f: signature(f, header="sha256=abc"),
    ),
    bad_push(
        "gxo-push-not-json",
        "a signed body that is not JSON",
        set_aside(SetAsideReason.MALFORMED, "the body is not JSON"),
        lambda f: (b"<event>not json</event>", signed(b"<event>not json</event>")),
    ),
    bad_push(
        "gxo-push-deeply-nested",
        "a signed body of 10,000 nested brackets",
        set_aside(SetAsideReason.MALFORMED, "the body is not JSON"),
        lambda f: (NESTED_JSON, signed(NESTED_JSON)),
    ),
    bad_push(
        "gxo-push-json-array",
        "a JSON list, not an event",
        set_aside(SetAsideReason.MALFORMED, "Input should be a valid dictionary"),
        lambda f: signed_json([event(f, 2)]),
    ),
    bad_push(
        "gxo-push-unknown-kind",
        "kind RETURNED",
        set_aside(SetAsideReason.UNKNOWN_KIND, "kind 'RETURNED' is not one consign knows"),
        lambda f: signed_json(event(f, 2, "RETURNED")),
    ),
    bad_push(
        "gxo-push-unknown-status",
        "order_status LOST",
        set_aside(SetAsideReason.UNKNOWN_STATUS, "order_status 'LOST' is not one consign knows"),
        lambda f: signed_json({**event(f, 2), "order_status": "LOST"}),
    ),
    bad_push(
        "gxo-push-missing-event-id",
        "no event_id",
        set_aside(SetAsideReason.MALFORMED, "event_id: Field required"),
        lambda f: signed_json(without(event(f, 2), "event_id")),
    ),
    bad_push(
        "gxo-push-negative-quantity",
        "a parcel line of -1 units",
        set_aside(SetAsideReason.INVALID_VALUE, "parcels.0.lines.0.quantity"),
        negative_quantity,
    ),
    bad_push(
        "gxo-push-too-many-parcels",
        "6 parcels, limit 5",
        set_aside(SetAsideReason.TOO_LARGE, "GXO_MAX_PARCELS_PER_DISPATCH"),
        lambda f: signed_json(event(f, 2, "DISPATCH", parcels=6)),
    ),
    bad_push(
        "gxo-push-oversized-body",
        "a 64 KiB+ body, limit 64 KiB",
        Outcome("HTTP 413", "CONSIGN_WEBHOOK_MAX_BYTES"),
        oversized,
    ),
    bad_push(
        "gxo-push-unserved-facility",
        "an event for a facility consign does not serve",
        Outcome("HTTP 202 unmatched UNSERVED_FACILITY"),
        lambda f: signed_json(event("GXO-NOT-OURS", 2)),
    ),
    bad_push(
        "gxo-push-text-plain",
        "Content-Type text/plain on a good event",
        Outcome("HTTP 202 accepted", "EV-"),
        text_plain,
    ),
]


def in_process(app: FastAPI) -> httpx.AsyncClient:
    """The receiver on this test's event loop; an exception in it answers 500, as uvicorn's."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://consign.test")


@rows("make", GXO_PUSHES)
async def test_a_gxo_push_consign_cannot_act_on(
    case: Case,
    make: Callable[[str], Push] | Replay,
    dev_server: DevServer,
    engine: Engine,
    unique: Callable[[str], str],
    corpus: Corpus,
) -> None:
    facility = unique("GXO-C-")
    app = create_webhook_app(
        dev_server.client,
        SECRET,
        dev_server.task_queue,
        facilities={facility},
        engine=engine,
        limits=LIMITS,
    )
    first, last = (signed_json(event(facility, n)) for n in (1, 3))
    body, headers = first if isinstance(make, Replay) else make(facility)
    async with in_process(app) as receiver:
        assert (await receiver.post(GXO_PATH, content=first[0], headers=first[1])).is_success
        response = await receiver.post(GXO_PATH, content=body, headers=headers)
        assert (await receiver.post(GXO_PATH, content=last[0], headers=last[1])).is_success

    observed = outcome(response)
    accepted = observed.name == "HTTP 202 accepted"
    good = [f"EV-{facility}-{n}" for n in ((1, 2, 3) if accepted else (1, 3))]
    received = await pushed_to(dev_server, facility, len(good))
    observed.lost += [] if received == good else [f"good pushes: expected {good}, got {received}"]
    raw = body.decode("utf-8", errors="replace")
    if " set aside " in observed.name:
        observed.lost += kept.set_aside(
            engine, SetAsideReason(observed.name.rpartition(" ")[2]), raw
        )
    elif " unmatched " in observed.name:
        observed.lost += kept.unmatched(engine, "UNSERVED_FACILITY", raw)
    else:
        observed.lost += kept.nothing_stored(engine)
    corpus.check(case, observed)


# ---- Centra webhook plugin -----------------------------------------------------------------

CENTRA = "Centra webhook"
FORM = "application/x-www-form-urlencoded"


def centra_body(payload: str) -> Push:
    body = urlencode({"payload": payload}).encode()
    return body, centra_signed(body)


def json_instead_of_form() -> Push:
    body = json.dumps({"events": [order_event(1002)]}).encode()
    return body, {**centra_signed(body), "Content-Type": "application/json"}


def centra_push(
    kind: str, bad_input: str, expect: Outcome, make: Callable[[], Push] | Replay
) -> tuple[Case, Callable[[], Push] | Replay]:
    return Case(kind, CENTRA, bad_input, expect), make


CENTRA_PUSHES = [
    centra_push(
        "centra-hook-signature-mismatch",
        "signed with another secret",
        Outcome("HTTP 401", "invalid signature: mismatch"),
        lambda: (form([order_event(1002)]), centra_signed(form([order_event(1002)]), secret="x")),
    ),
    centra_push(
        "centra-hook-signature-stale",
        "signed an hour ago (a replay)",
        Outcome("HTTP 401", "invalid signature: stale"),
        lambda: (
            form([order_event(1002)]),
            centra_signed(form([order_event(1002)]), age_seconds=3600),
        ),
    ),
    centra_push(
        "centra-hook-replayed",
        "the same signed request again, inside its 5-minute window",
        REPLAYED,
        Replay(),
    ),
    centra_push(
        "centra-hook-json-not-form",
        "JSON body, Content-Type application/json",
        Outcome("HTTP 400", "malformed webhook: body is not a form-encoded payload=<json>"),
        json_instead_of_form,
    ),
    centra_push(
        "centra-hook-payload-not-json",
        "payload=not json",
        Outcome("HTTP 400", "malformed webhook: payload is not JSON"),
        lambda: centra_body("{not json"),
    ),
    centra_push(
        "centra-hook-deeply-nested",
        "payload of 10,000 nested brackets",
        Outcome("HTTP 400", "malformed webhook: payload is not JSON"),
        lambda: centra_body(NESTED_JSON.decode()),
    ),
    centra_push(
        "centra-hook-no-events",
        'payload={"orders": [...]}',
        Outcome("HTTP 400", "payload has no events list"),
        lambda: centra_body(json.dumps({"orders": [1002]})),
    ),
    centra_push(
        "centra-hook-bad-order-number",
        "an order event with id '10O2'",
        Outcome("HTTP 400", "events[0].id is not an order number"),
        lambda: centra_body(json.dumps({"events": [order_event("10O2")]})),
    ),
    centra_push(
        "centra-hook-too-many-orders",
        "4 orders in one push, limit 3",
        Outcome("HTTP 413", "CONSIGN_WEBHOOK_MAX_ORDERS"),
        lambda: centra_body(json.dumps({"events": [order_event(n) for n in range(1002, 1006)]})),
    ),
    centra_push(
        "centra-hook-oversized-body",
        "a 64 KiB+ body, limit 64 KiB",
        Outcome("HTTP 413", "CONSIGN_WEBHOOK_MAX_BYTES"),
        lambda: centra_body(json.dumps({"events": [order_event(1002)], "x": "y" * 70_000})),
    ),
]


@pytest.fixture(scope="session")
async def centra_queue(dev_server: DevServer) -> AsyncIterator[str]:
    async with centra_intake_worker(dev_server.client) as queue:
        yield queue


@rows("make", CENTRA_PUSHES)
async def test_a_centra_push_consign_cannot_act_on(
    case: Case,
    make: Callable[[], Push] | Replay,
    dev_server: DevServer,
    centra_queue: str,
    engine: Engine,
    unique: Callable[[str], str],
    corpus: Corpus,
) -> None:
    account = unique("centra-c-")
    hook = CentraHook(
        secret=CENTRA_SECRET, intake=ChannelIntakeInput(channel=Channel.CENTRA, account=account)
    )
    app = create_webhook_app(dev_server.client, SECRET, centra_queue, centra=hook, limits=LIMITS)
    first, last = form([order_event(1001)]), form([order_event(1003)])
    first_headers = centra_signed(first)
    body, headers = (first, first_headers) if isinstance(make, Replay) else make()
    async with in_process(app) as receiver:
        assert (await receiver.post(CENTRA_PATH, content=first, headers=first_headers)).is_success
        response = await receiver.post(CENTRA_PATH, content=body, headers=headers)
        assert (
            await receiver.post(CENTRA_PATH, content=last, headers=centra_signed(last))
        ).is_success

    observed = outcome(response)
    notices = await notices_of(dev_server, account, 2)
    good = [["1001"], ["1003"]]
    observed.lost += [] if notices == good else [f"good pushes: expected {good}, got {notices}"]
    observed.lost += kept.nothing_stored(engine)
    corpus.check(case, observed)
