"""Centra's webhook plugin: a form-encoded payload=<json> holding a batch of events; only order
events name orders. The signature scheme is checked against Centra's documented test vector."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from integrations.centra.webhook import (
    SIGNATURE_HEADER,
    InvalidSignature,
    parse_webhook,
    sign,
    verify,
)
from sandbox.reference import VENDORED


def body(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


DOCUMENTED = json.loads((VENDORED / "centra" / "examples" / "webhook-signature.json").read_text())


def test_the_documented_signature_test_vector_verifies() -> None:
    vector = DOCUMENTED["signatureTestVector"]
    name, _, header = vector["header"].partition(": ")
    assert name == SIGNATURE_HEADER
    raw = vector["rawBody"].encode()
    assert header == sign(vector["endpointSecret"], raw, int(vector["t"]))
    verify(vector["endpointSecret"], header, raw, now=float(vector["t"]))
    with pytest.raises(InvalidSignature):
        verify(vector["endpointSecret"], header, raw + b"x", now=float(vector["t"]))


def test_the_documented_batch_names_its_order() -> None:
    """The documented Integration API push: one order event among shipment events."""
    assert parse_webhook(body(DOCUMENTED["integrationApiWebhookPayload"])) == ["2735"]


def test_order_events_name_order_numbers() -> None:
    events = [
        {"type": "order", "action": "update", "date": "2025-03-10 10:00:00", "id": 1902},
        {"type": "shipment", "action": "insert", "date": "2025-03-10 10:00:01", "id": 77},
        {"type": "order", "action": "insert", "date": "2025-03-10 10:00:02", "id": "1903"},
        {"type": "order", "action": "update", "date": "2025-03-10 10:00:03", "id": 1902},
    ]
    assert parse_webhook(body({"events": events})) == ["1902", "1903"]


def test_no_order_events() -> None:
    assert parse_webhook(body({"events": []})) == []


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "exactly one payload"),
        (b"\xff\xfe", "form-encoded"),
        (b"other=1", "exactly one payload"),
        (b"payload=1&payload=2", "exactly one payload"),
        (urlencode({"payload": "{not json"}).encode(), "not JSON"),
        (body({"event": []}), "no events list"),
        (body(["order"]), "no events list"),
        (body({"events": ["order"]}), r"events\[0\] is not an object"),
        (body({"events": [{"type": "order", "id": None}]}), r"events\[0\].id"),
        (body({"events": [{"type": "order", "id": "12; DROP"}]}), r"events\[0\].id"),
        (body({"events": [{"type": "order", "id": True}]}), r"events\[0\].id"),
    ],
)
def test_malformed_bodies_say_what_is_wrong(raw: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_webhook(raw)


def test_signature_uses_the_shared_scheme() -> None:
    raw = body({"events": [{"type": "order", "action": "update", "id": 1902}]})
    header = sign("secret", raw, 1_700_000_000)
    verify("secret", header, raw, now=1_700_000_010)
    with pytest.raises(InvalidSignature):
        verify("other", header, raw, now=1_700_000_010)
    assert SIGNATURE_HEADER == "X-Centra-Signature"
