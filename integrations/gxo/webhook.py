"""GXO's pushed events are signed in the shared `t=<unix>,v1=<hex>` scheme."""

from __future__ import annotations

from integrations.signatures import (
    DEFAULT_TOLERANCE_SECONDS,
    InvalidSignature,
    SignatureProblem,
    sign,
    verify,
)

SIGNATURE_HEADER = "X-GXO-Signature"

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "SIGNATURE_HEADER",
    "InvalidSignature",
    "SignatureProblem",
    "sign",
    "verify",
]
