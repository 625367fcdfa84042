"""What someone with access to the namespace (Web UI, `temporal workflow show`) reads in an order's
history: with the codec, none of a seeded buyer's personal data; without it (the control that
proves the scan can find it), the name, street, postcode and phone in plain JSON."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from codec.converter import configured_converter
from domain.order import ShipTo
from tests.workflows.fakes import make_order
from tests.workflows.order_harness import running_harness

BUYER = ShipTo(
    name="Wilhelmina Quarterstaff",
    line1="42 Lindqvist Crescent",
    city="Leeds",
    postal_code="LS1 4QX",
    phone="+44 7700 900461",
    country_code="GB",
)
CARRIED = [BUYER.name, BUYER.line1, BUYER.postal_code, BUYER.phone]
# The channels' buyer email never reaches Temporal (normalisers drop it); scanned all the same.
EMAIL = "wilhelmina.quarterstaff@example.org"


def readable(history_json: str) -> str:
    """The history's text plus every base64 value in it decoded: payload data and metadata are
    base64 in the JSON, and the Web UI shows them decoded."""
    parts = [history_json]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            with contextlib.suppress(binascii.Error, ValueError):
                parts.append(base64.b64decode(node, validate=True).decode(errors="replace"))

    walk(json.loads(history_json))
    return "\n".join(parts)


async def injected_order_history(env: WorkflowEnvironment, converter: DataConverter) -> str:
    """Run an order for BUYER to INJECTED (read, planned, sent to GXO) with the worker and the
    client on `converter`; its history as stored, in `temporal workflow show`'s JSON."""
    config = env.client.config()
    config["data_converter"] = converter
    client = Client(**config)
    async with running_harness(env, client=client) as harness:
        handle = await harness.inject(make_order().model_copy(update={"ship_to": BUYER}))
        history = await handle.fetch_history()
    return history.to_json()


async def test_an_encrypted_history_holds_none_of_the_buyers_data(
    time_env: WorkflowEnvironment,
) -> None:
    text = readable(await injected_order_history(time_env, configured_converter()))
    assert "binary/encrypted" in text
    found = [value for value in [*CARRIED, EMAIL] if value and value in text]
    assert found == []


async def test_without_the_codec_the_same_scan_finds_the_buyer(
    time_env: WorkflowEnvironment,
) -> None:
    text = readable(await injected_order_history(time_env, pydantic_data_converter))
    assert "binary/encrypted" not in text
    assert [value for value in CARRIED if value and value in text] == CARRIED
