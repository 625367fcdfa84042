"""Centra's webhook plugin (Integration API flavour): a form-encoded `payload=<urlencoded JSON>`
holding a batch of events, {"events": [{type, action, date, id}, ...]}, signed with the shared
`t=<unix>,v1=<hex>` scheme in X-Centra-Signature (Centra's documented test vector is checked in
tests/centra/test_webhook.py). Only order events matter here: intake reads the named orders
(and the events queue and the sweep cover pushes Centra dropped)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from integrations.signatures import (
    DEFAULT_TOLERANCE_SECONDS,
    InvalidSignature,
    SignatureProblem,
    sign,
    verify,
)

PATH = "/webhooks/centra"  # where the webhook app serves it
SIGNATURE_HEADER = "X-Centra-Signature"


def parse_webhook(body: bytes) -> list[str]:
    """The order numbers (as str, deduplicated, in order) of the push's order events; raises
    ValueError naming what is malformed."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise ValueError("body is not a form-encoded payload=<json>") from None
    values = form.get("payload")
    if not values or len(values) != 1:
        raise ValueError("body must carry exactly one payload field")
    try:
        payload = json.loads(values[0])
    except (ValueError, RecursionError):  # absurdly deep nesting is not JSON we accept
        raise ValueError("payload is not JSON") from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise ValueError("payload has no events list")
    numbers: list[str] = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise ValueError(f"events[{index}] is not an object")
        if event.get("type") != "order":
            continue
        number = event.get("id")
        if isinstance(number, bool) or not isinstance(number, int | str):
            raise ValueError(f"events[{index}].id is not an order number")
        text = str(number).strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"events[{index}].id is not an order number")
        if text not in numbers:
            numbers.append(text)
    return numbers


__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "SIGNATURE_HEADER",
    "InvalidSignature",
    "SignatureProblem",
    "parse_webhook",
    "sign",
    "verify",
]
