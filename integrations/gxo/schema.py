"""The committed JSON Schema of the GXO wire format, generated from integrations/gxo/wire.py.

`python -m integrations.gxo.schema` rewrites docs/gxo-wire-schema.json; `--check` exits 1 when
the committed file differs from the code. tests/contracts/gxo checks the client (this schema)
and the GXO sandbox (its traffic) against the committed file, never against each other.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from integrations.gxo import wire

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "gxo-wire-schema.json"
REGENERATE = "python -m integrations.gxo.schema"

BODIES: list[type[BaseModel]] = [
    wire.OrderRequest,
    wire.OrderAccepted,
    wire.ErrorBody,
    wire.CancelResult,
    wire.OrderState,
    wire.Event,
    wire.EventPage,
    wire.InventorySnapshot,
    wire.StockChangePage,
    wire.ItemRequest,
    wire.ItemState,
    wire.ReturnNoticeRequest,
    wire.ReturnNoticeAccepted,
    wire.ReturnEvent,
]

_FACILITY = "/v1/facilities/{facility_id}"
# method and path -> the body sent, and the body answered per status ("default": error body)
OPERATIONS: dict[str, dict[str, Any]] = {
    "POST /v1/orders": {
        "request": "OrderRequest",
        "responses": {"201": "OrderAccepted", "200": "OrderAccepted", "default": "ErrorBody"},
    },
    f"POST {_FACILITY}/orders/{{reference}}/cancel": {
        "responses": {
            "200": "CancelResult",
            "409": "CancelResult",
            "404": "CancelResult | ErrorBody",
            "default": "ErrorBody",
        },
    },
    f"GET {_FACILITY}/orders/{{reference}}": {
        "responses": {"200": "OrderState", "default": "ErrorBody"},
    },
    f"GET {_FACILITY}/events": {"responses": {"200": "EventPage", "default": "ErrorBody"}},
    f"GET {_FACILITY}/inventory": {
        "responses": {"200": "InventorySnapshot", "default": "ErrorBody"}
    },
    f"GET {_FACILITY}/stock-changes": {
        "responses": {"200": "StockChangePage", "default": "ErrorBody"}
    },
    f"PUT {_FACILITY}/items/{{item_code}}": {
        "request": "ItemRequest",
        "responses": {"202": "ItemState", "200": "ItemState", "default": "ErrorBody"},
    },
    f"GET {_FACILITY}/items/{{item_code}}": {
        "responses": {"200": "ItemState", "default": "ErrorBody"},
    },
    "POST /v1/returns": {
        "request": "ReturnNoticeRequest",
        "responses": {
            "201": "ReturnNoticeAccepted",
            "200": "ReturnNoticeAccepted",
            "default": "ErrorBody",
        },
    },
    "POST <webhook url>": {"request": "Event | ReturnEvent"},
}


def wire_schema() -> dict[str, Any]:
    """One JSON Schema document: every body under $defs, the operations that carry them."""
    _, schema = models_json_schema(
        [(model, "validation") for model in BODIES], ref_template="#/$defs/{model}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "GXO REST/JSON wire format, as consign implements it",
        "description": (
            "Generated from integrations/gxo/wire.py by `" + REGENERATE + "`; "
            "docs/gxo-interface.md explains every field. Do not edit by hand."
        ),
        "x-operations": OPERATIONS,
        "$defs": schema["$defs"],
    }


def render() -> str:
    return json.dumps(wire_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check docs/gxo-wire-schema.json.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SCHEMA_PATH.read_text() if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_text(text)
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
