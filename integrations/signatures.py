"""HMAC-SHA256 webhook signatures of the form `t=<unix>,v1=<hex>` over "{t}.{raw body}".

GXO's pushes (X-GXO-Signature) and Centra's webhooks (X-Centra-Signature) both use it. The
timestamp is signed with the body so a captured request cannot be replayed after the tolerance
window; several v1 values may appear while a sender rotates secrets.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_TOLERANCE_SECONDS = 300


class SignatureProblem(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    STALE = "stale"
    MISMATCH = "mismatch"


class InvalidSignature(Exception):
    """The push must be refused (401); `problem` says why without echoing the secret."""

    def __init__(self, problem: SignatureProblem, message: str) -> None:
        super().__init__(f"{problem.value}: {message}")
        self.problem = problem


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    payload = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value GXO sends for `body` at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not value:
            raise InvalidSignature(SignatureProblem.MALFORMED, "expected key=value pairs")
        if key == "t":
            # ASCII digits of a plausible length only: "²" is a digit to str.isdigit but not
            # to int(), and a 5,000-digit number would make int() itself refuse.
            if not (value.isascii() and value.isdigit() and len(value) <= 12):
                raise InvalidSignature(SignatureProblem.MALFORMED, "timestamp is not an integer")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None:
        raise InvalidSignature(SignatureProblem.MALFORMED, "no t= timestamp")
    if not signatures:
        raise InvalidSignature(SignatureProblem.MALFORMED, "no v1= signature")
    return timestamp, signatures


@dataclass(frozen=True)
class Delivery:
    """A verified push: `delivery_id` names this signed request (a resend signed at another
    time is another delivery), `timestamp` is when the sender signed it."""

    delivery_id: str
    timestamp: int


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> Delivery:
    """Accept the push or raise InvalidSignature (missing, malformed, stale, mismatch)."""
    if not header or not header.strip():
        raise InvalidSignature(SignatureProblem.MISSING, "no signature header")
    timestamp, signatures = _parse(header)
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(
            SignatureProblem.STALE, f"timestamp is more than {tolerance} s from now"
        )
    expected = _digest(secret, body, timestamp)
    if not any(
        hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in signatures
    ):
        raise InvalidSignature(SignatureProblem.MISMATCH, "no signature matches the body")
    return Delivery(delivery_id=expected, timestamp=timestamp)
