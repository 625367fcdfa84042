"""Change notification in the Centra sandbox: the events queue as documented (listeners only
add change types, unset also deletes queued events, oldest unconfirmed first until confirmed,
objectReference an Int64 holding the order NUMBER, `object` the current state) and the webhook
plugin's signed, form-encoded batches of events with Centra's retry-then-drop delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI, Request

from integrations.signatures import InvalidSignature, verify
from sandbox.centra.webhooks import MAX_RETRIES
from sandbox.server import ServerThread
from tests.sandbox.test_centra_sandbox_support import START, Centra, lines

LISTEN = """mutation Listen($input: [EventListenerSetInput!]!) {
  setEventListeners(input: $input) { eventListeners { objectType changeTypes }
    userErrors { message } userWarnings { message } } }"""
UNLISTEN = """mutation Unlisten($input: [EventListenerUnsetInput!]!) {
  unsetEventListeners(input: $input) { eventListeners { objectType changeTypes }
    userErrors { message } } }"""
EVENTS = """query Events($where: EventFilter, $limit: Int) {
  events(where: $where, limit: $limit) { id objectType changeType objectReference createdAt
    object { ... on Order { number status } ... on Shipment { id shipmentNumber: number } } } }"""
CONFIRM = """mutation Confirm($ids: [Int!]!) {
  confirmEvents(input: {eventsIds: $ids}) { events { id }
    userErrors { message } userWarnings { message } } }"""
CREATE = """mutation($n: Int!, $lines: [ShipmentLineInput!]!) {
  createShipment(input: {order: {number: $n}, lines: $lines}) {
    shipment { id } userErrors { message } } }"""
COMPLETE = "mutation($id: Int!) { completeShipment(id: $id) { userErrors { message } } }"


def events(
    centra: Centra, where: dict[str, Any] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = centra.data(EVENTS, {"where": where, "limit": limit})["events"]
    return found


def kinds(found: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(e["objectType"], e["changeType"], e["objectReference"]) for e in found]


def listen(centra: Centra, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    payload = centra.mutate(LISTEN, {"input": list(entries)}, "setEventListeners")
    assert payload["userErrors"] == []
    found: list[dict[str, Any]] = payload["eventListeners"]
    return found


def test_only_registered_listeners_get_events() -> None:
    centra = Centra()
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})  # before any listener
    listen(centra, {"objectType": "Order", "changeTypes": ["CREATED"]}, {"objectType": "Shipment"})
    [order] = centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    centra.data(CREATE, {"n": order["number"], "lines": lines((order["lines"][0]["id"], 1))})
    found = events(centra)
    assert kinds(found) == [("Order", "CREATED", 10002), ("Shipment", "CREATED", 1)]
    assert isinstance(found[0]["objectReference"], int)  # Int64: the order NUMBER, not its id
    assert found[0]["object"] == {"number": 10002, "status": "PROCESSING"}  # current state
    assert found[1]["object"] == {"id": 1, "shipmentNumber": "10002-1"}
    assert found[0]["createdAt"] == "2026-03-02T11:00:00+01:00"


def test_set_listeners_only_adds_change_types_and_unset_deletes_queued_events() -> None:
    centra = Centra()
    listen(centra, {"objectType": "Order", "changeTypes": ["CREATED"]})
    [order] = listen(centra, {"objectType": "Order", "changeTypes": ["COMPLETED"]})
    assert sorted(order["changeTypes"]) == ["COMPLETED", "CREATED"]
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    assert len(events(centra)) == 1
    payload = centra.mutate(
        UNLISTEN,
        {"input": [{"objectType": "Order", "changeTypes": ["CREATED"]}]},
        "unsetEventListeners",
    )
    assert payload["eventListeners"] == [{"objectType": "Order", "changeTypes": ["COMPLETED"]}]
    assert events(centra) == []  # the queued CREATED event went with its listener


def test_unconfirmed_events_stay_queued_until_confirmed() -> None:
    centra = Centra()
    listen(centra, {"objectType": "Order"})
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]}, {"lines": [{"SKU": "TEE200WHTM"}]})
    first = events(centra, limit=1)
    assert events(centra, limit=1) == first  # the same oldest event again
    assert kinds(events(centra, where={"changeType": "CREATED"})) == [
        ("Order", "CREATED", 10001),
        ("Order", "CREATED", 10002),
    ]
    confirmed = centra.mutate(CONFIRM, {"ids": [first[0]["id"], 999]}, "confirmEvents")
    assert confirmed["userErrors"] == [] and confirmed["events"] == [{"id": first[0]["id"]}]
    assert confirmed["userWarnings"] == [{"message": "Event 999 is not in the queue"}]
    assert kinds(events(centra)) == [("Order", "CREATED", 10002)]
    assert events(centra, where={"objectType": ["Shipment"]}) == []
    assert centra.sandbox.stats()["events_confirmed"] == 1


def test_order_completed_event_when_everything_ships_and_is_paid() -> None:
    centra = Centra()
    listen(centra, {"objectType": "Order", "changeTypes": ["COMPLETED"]})
    [order] = centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    create = """mutation($n: Int!, $lines: [ShipmentLineInput!]!) { createShipment(input:
      {order: {number: $n}, lines: $lines, capture: true}) {
        shipment { id } userErrors { message } } }"""
    shipment = centra.data(
        create, {"n": order["number"], "lines": lines((order["lines"][0]["id"], 1))}
    )
    assert events(centra) == []
    centra.data(COMPLETE, {"id": shipment["createShipment"]["shipment"]["id"]})
    assert kinds(events(centra)) == [("Order", "COMPLETED", order["number"])]


def test_fault_injector_duplicates_events() -> None:
    centra = Centra()
    listen(centra, {"objectType": "Order"})
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    assert (
        centra.client.put("/_sandbox/faults", json={"duplicate_event_rate": 1.0}).status_code == 200
    )
    found = events(centra)
    assert len(found) == 2 and found[0] == found[1]


class Receiver:
    """A webhook endpoint (httpx.MockTransport) that fails its first `failures` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            return httpx.Response(500)
        return httpx.Response(200)


def pushed_events(request: httpx.Request) -> list[dict[str, Any]]:
    form = parse_qs(request.content.decode(), strict_parsing=True)
    assert list(form) == ["payload"]
    payload = json.loads(form["payload"][0])
    assert list(payload) == ["events"]
    found: list[dict[str, Any]] = payload["events"]
    return found


def webhook_centra(receiver: Receiver, sleeps: list[float]) -> Centra:
    return Centra(
        webhook_url="https://consign.example/webhooks/centra",
        webhook_secret="shh",
        webhook_transport=httpx.MockTransport(receiver),
        webhook_sleep=sleeps.append,
    )


def test_webhook_push_is_a_signed_form_encoded_batch_of_events() -> None:
    receiver, sleeps = Receiver(), list[float]()
    centra = webhook_centra(receiver, sleeps)
    [order] = centra.create_orders(
        {"lines": [{"SKU": "CAP600BLKOS"}]}, {"lines": [{"SKU": "TEE200WHTM"}]}
    )[:1]
    [request] = receiver.requests  # both orders in one push
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    verify("shh", request.headers["X-Centra-Signature"], request.content, START.timestamp())
    assert pushed_events(request) == [
        {"type": "order", "action": "create", "date": "2026-03-02 11:00:00.000000", "id": 10001},
        {"type": "order", "action": "create", "date": "2026-03-02 11:00:00.000000", "id": 10002},
    ]
    with pytest.raises(InvalidSignature, match="mismatch"):
        verify("other", request.headers["X-Centra-Signature"], request.content, START.timestamp())
    centra.data(CREATE, {"n": order["number"], "lines": lines((order["lines"][0]["id"], 1))})
    [(types)] = [[e["type"] for e in pushed_events(r)] for r in receiver.requests[1:]]
    assert types == ["shipment", "order"]  # one request's changes, one batch
    assert sleeps == []


def test_webhook_retries_three_times_then_drops() -> None:
    receiver, sleeps = Receiver(failures=4), list[float]()
    centra = webhook_centra(receiver, sleeps)
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    assert len(receiver.requests) == 1 + MAX_RETRIES
    assert len(sleeps) == MAX_RETRIES
    stats = centra.client.get("/_sandbox/webhook").json()
    assert (stats["delivered"], stats["dropped"]) == (0, 1)
    assert stats["drops"][0]["error"] == "HTTP 500"
    centra.client.post("/_sandbox/orders/10001/hold", json={"on_hold": True})
    assert len(receiver.requests) == 1 + MAX_RETRIES + 1  # the next push succeeds at once
    assert centra.client.get("/_sandbox/webhook").json()["delivered"] == 1


def test_webhook_configured_by_admin_reaches_a_real_server() -> None:
    received: list[tuple[bytes, str]] = []
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        received.append((await request.body(), request.headers["x-centra-signature"]))
        return {}

    centra = Centra()
    with ServerThread(app) as server:
        body = {"url": server.url + "/hook", "secret": "admin-secret"}
        assert centra.client.put("/_sandbox/webhook", json=body).status_code == 200
        centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
        centra.client.post("/_sandbox/webhook/flush")
    [(raw, header)] = received
    verify("admin-secret", header, raw, datetime(2026, 3, 2, 10, 0, tzinfo=UTC).timestamp())
    assert raw.startswith(b"payload=")
