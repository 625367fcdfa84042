"""What a shipment's capture entries in Centra's payment history say. Pure functions.

Documented: a synchronous provider writes CAPTURE with status SUCCESS; Adyen and Klarna write
CAPTURE_REQUEST with status PENDING and settle it later; a failed capture of
createShipment(capture: true) is only a userWarning with isCaptured false. Not documented: how
the settlement shows (the request's own status changing, or a new CAPTURE / CAPTURE_FAILED
entry) and what isCaptured shows while a request is pending. consign reads either form of
settlement and never trusts isCaptured while a request of the shipment is still pending."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.capture import CaptureState
from integrations.centra.wire import Json, Wire

REQUEST = "CAPTURE_REQUEST"
RESULTS = frozenset({"CAPTURE", "CAPTURE_FAILED"})


@dataclass(frozen=True)
class Entry:
    id: int
    entry_type: str
    status: str
    reference: str | None
    value: Decimal | None


def entries(wire: Wire, raw: list[Json]) -> list[Entry]:
    return sorted(
        (
            Entry(
                id=wire.integer(e, "id"),
                entry_type=wire.required_text(e, "entryType"),
                status=wire.required_text(e, "status"),
                reference=wire.text(e, "externalReference"),
                value=wire.decimal(wire.obj(e, "value"), "value"),
            )
            for e in raw
        ),
        key=lambda e: e.id,
    )


def outcomes(history: list[Entry]) -> dict[int, str]:
    """Each entry's outcome (SUCCESS / PENDING / FAILED). A request still PENDING is settled by
    the first later, unclaimed CAPTURE or CAPTURE_FAILED entry with the same externalReference
    and value, should Centra record the provider's answer that way."""
    results = [e for e in history if e.entry_type in RESULTS]
    claimed: set[int] = set()
    out: dict[int, str] = {}
    for entry in history:
        if entry.entry_type != REQUEST:
            continue
        answer = next(
            (
                r
                for r in results
                if r.id > entry.id
                and r.id not in claimed
                and r.reference == entry.reference
                and r.value == entry.value
            ),
            None,
        )
        status = entry.status
        if answer is not None:
            claimed.add(answer.id)
            if status == "PENDING":
                failed = answer.entry_type == "CAPTURE_FAILED" or answer.status == "FAILED"
                status = "FAILED" if failed else "SUCCESS"
        out[entry.id] = status
    for entry in results:
        if entry.id not in claimed:
            out[entry.id] = entry.status
    return out


def judge(
    wire: Wire, shipment: Json, history: list[Entry], ours: set[int]
) -> tuple[CaptureState, list[int]]:
    """The shipment's capture state from its own entries (`ours`, ids) and the order's whole
    capture history; also the ids of its requests still pending."""
    status = outcomes(history)
    mine = {i: status[i] for i in ours if i in status}
    requests = {e.id for e in history if e.entry_type == REQUEST}
    pending = sorted(i for i, s in mine.items() if s == "PENDING" and i in requests)
    if pending:
        return CaptureState.PENDING, pending
    if wire.flag(shipment, "isCaptured") or wire.flag(shipment, "isPaid"):
        return CaptureState.CAPTURED, []
    if mine and all(s == "SUCCESS" for s in mine.values()):
        return CaptureState.CAPTURED, []
    return CaptureState.FAILED, []


def pending_requests(history: list[Entry]) -> list[int]:
    status = outcomes(history)
    return [e.id for e in history if e.entry_type == REQUEST and status[e.id] == "PENDING"]
