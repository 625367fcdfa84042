"""GXO's pushed events: signed in the shared `t=<unix>,v1=<hex>` scheme, bodies in the wire
format (integrations/gxo/wire.py Event), read into the domain's WarehouseEvent. A verified body
consign cannot act on is set aside (integrations/gxo/records.py), never refused into the void."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord
from domain.warehouse import FeedEvent
from integrations.gxo import records
from integrations.signatures import (
    DEFAULT_TOLERANCE_SECONDS,
    InvalidSignature,
    SignatureProblem,
    sign,
    verify,
)

PATH = "/webhooks/gxo"  # where the webhook app serves it
SIGNATURE_HEADER = "X-GXO-Signature"
UNKNOWN_FACILITY = "unknown"  # the scope of a pushed record that names no facility


def pushed_facility(item: Any) -> str | None:
    facility = item.get("facility_id") if isinstance(item, dict) else None
    return facility if isinstance(facility, str) and facility.strip() else None


def read_push(
    body: bytes, max_parcels: int, channels: Collection[str] | None = None
) -> FeedEvent | SetAsideRecord:
    """The pushed event, or the record to set aside when the (verified) body is not an event
    consign can act on: not JSON, not the contract, a dispatch beyond `max_parcels`, or a
    channel not among `channels`."""
    raw = body.decode("utf-8", errors="replace")
    try:
        item = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        problem = records.Unreadable(SetAsideReason.MALFORMED, "the body is not JSON")
        return records.set_aside(
            SetAsideFeed.WAREHOUSE_EVENTS, UNKNOWN_FACILITY, None, raw, problem
        )
    try:
        return records.read_event(item, max_parcels, channels)
    except records.Unreadable as problem:
        scope = pushed_facility(item) or UNKNOWN_FACILITY
        return records.event_set_aside(item, raw, scope, problem)


__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "SIGNATURE_HEADER",
    "InvalidSignature",
    "SignatureProblem",
    "read_push",
    "sign",
    "verify",
]
