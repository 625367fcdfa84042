"""GXO's pushed events: signed in the shared `t=<unix>,v1=<hex>` scheme, bodies in the wire
format (integrations/gxo/wire.py Event), read into the domain's WarehouseEvent."""

from __future__ import annotations

from pydantic import ValidationError

from domain.warehouse import WarehouseEvent
from integrations.gxo import mapping, wire
from integrations.signatures import (
    DEFAULT_TOLERANCE_SECONDS,
    InvalidSignature,
    SignatureProblem,
    sign,
    verify,
)

SIGNATURE_HEADER = "X-GXO-Signature"


class MalformedEvent(ValueError):
    """A verified body that is not an event of the contract; the message names fields only."""


def parse_event(body: bytes) -> WarehouseEvent:
    try:
        return mapping.event(wire.Event.model_validate_json(body))
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()[:5]
        )
        raise MalformedEvent(problems) from err
    except mapping.ContractError as err:
        raise MalformedEvent(str(err)) from err


__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "SIGNATURE_HEADER",
    "InvalidSignature",
    "MalformedEvent",
    "SignatureProblem",
    "parse_event",
    "sign",
    "verify",
]
