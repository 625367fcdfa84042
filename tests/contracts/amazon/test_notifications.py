"""ORDER_CHANGE and the Notifications API against Amazon's vendored schema and model.

- The worker's pydantic model (integrations/amazon/notifications.py) agrees with the JSON
  schema on Amazon's example and on a mutation of every field the schema constrains (each
  required field removed, each typed field given a wrong type, each enum a wrong value).
- The sandbox's Notifications API, driven by consign's own client through a transport that
  validates every request and response against the vendored model, sets up once and reuses.
- What the sandbox publishes validates against the schema."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from integrations.amazon.errors import AmazonAccessDenied
from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.notifications import (
    ORDER_CHANGE,
    UnreadableNotification,
    read_order_change,
)
from sandbox.amazon.app import create_app
from sandbox.amazon.generator import OrderSpec
from sandbox.amazon.notifications import Publisher
from sandbox.amazon.records import OrderStatus
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import BASE, CheckedTransport, ManualClock, sandbox_settings
from tests.support.spapi_models import SPAPI_DIR

SCHEMA = json.loads(
    (SPAPI_DIR / "schemas/notifications/OrderChangeNotification.json").read_text("utf-8")
)
EXAMPLE = SCHEMA["examples"][0]
ARN = "arn:aws:sqs:eu-west-1:123456789012:consign-orders"
WRONG = {"string": 12345, "integer": "12", "boolean": "yes", "array": {}, "object": []}


def schema_accepts(message: object) -> bool:
    return jsonschema.Draft7Validator(SCHEMA).is_valid(message)


def model_accepts(message: object) -> bool:
    try:
        read_order_change(json.dumps(message))
    except UnreadableNotification:
        return False
    return True


def _walk(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(what, path) for every constraint: "required", "type:<t>", "enum" at each property."""
    items = node.get("items")
    for name in node.get("required", []):
        yield "required", (*path, name)
    for name, prop in node.get("properties", {}).items():
        here = (*path, name)
        kinds = prop.get("type")
        if isinstance(kinds, str):
            yield f"type:{kinds}", here
        if "enum" in prop or "enum" in prop.get("items", {}):
            yield "enum", here
        yield from _walk(prop, here)
    if isinstance(items, dict):
        yield from _walk(items, (*path, "0"))


def _mutate(message: dict[str, Any], what: str, path: tuple[str, ...]) -> dict[str, Any] | None:
    changed = copy.deepcopy(message)
    node: Any = changed
    for part in path[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            return None
    last = path[-1]
    if last not in node:
        return None
    if what == "required":
        del node[last]
    elif what.startswith("type:"):
        node[last] = WRONG[what.split(":", 1)[1]]
    else:
        node[last] = ["NotAValue"] if isinstance(node[last], list) else "NotAValue"
    return changed


CONSTRAINTS = sorted(set(_walk(SCHEMA, ())))


def _example_with_supply_source() -> dict[str, Any]:
    """Amazon's own example omits Summary.OrderItems[].SupplySourceId although its schema
    requires it (the item example beside it has it): the model follows the schema."""
    message = copy.deepcopy(EXAMPLE)
    for item in message["Payload"]["OrderChangeNotification"]["Summary"]["OrderItems"]:
        item.setdefault("SupplySourceId", None)
    return message


def test_the_example_is_read_by_both() -> None:
    message = _example_with_supply_source()
    assert schema_accepts(message) and model_accepts(message)
    assert read_order_change(json.dumps(message)).order_id == "903-8868176-2219830"


def test_there_are_constraints_to_check() -> None:
    assert len(CONSTRAINTS) > 40
    assert ("required", ("Payload", "OrderChangeNotification", "AmazonOrderId")) in CONSTRAINTS


@pytest.mark.parametrize(("what", "path"), CONSTRAINTS, ids=lambda v: str(v))
def test_model_and_schema_agree(what: str, path: tuple[str, ...]) -> None:
    mutated = _mutate(_example_with_supply_source(), what, path)
    assert mutated is not None, f"the example has no value at {path}: the rule goes unchecked"
    assert model_accepts(mutated) == schema_accepts(mutated), (what, path)
    if what == "required":
        assert not model_accepts(mutated)


def test_other_notification_types_and_non_json_are_unreadable() -> None:
    other = _example_with_supply_source() | {"NotificationType": "ANY_OFFER_CHANGED"}
    for body in ("not json", json.dumps(other), json.dumps([1, 2])):
        with pytest.raises(UnreadableNotification):
            read_order_change(body)


# --- the sandbox's Notifications API through consign's client --------------------------------


@pytest.fixture
async def world() -> AsyncIterator[tuple[AmazonSandbox, AmazonClient, CheckedTransport]]:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock)
    transport = CheckedTransport(create_app(sandbox))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield sandbox, build_amazon_client(sandbox_settings(), http=http), transport


async def test_setup_creates_once_and_reuses(world) -> None:
    sandbox, client, transport = world
    first = await client.notifications.setup(ARN)
    assert first.destination_created and first.subscription_created
    assert first.destination.arn == ARN
    again = await client.notifications.setup(ARN)
    assert not again.destination_created and not again.subscription_created
    assert again.subscription.subscription_id == first.subscription.subscription_id
    assert len(sandbox.notifications.destinations) == 1
    assert len(sandbox.notifications.subscriptions) == 1
    assert transport.checked == 6  # every call validated against the vendored model


async def test_destinations_need_the_grantless_token_and_subscriptions_the_sellers(world) -> None:
    _, client, _ = world
    seller_token = client.lwa  # a seller's token on a grantless operation is refused
    with pytest.raises(AmazonAccessDenied):
        await client.api.request(
            "getDestinations", "GET", "/notifications/v1/destinations", tokens=seller_token
        )
    grantless = client.notifications._grantless  # and the grantless one on a seller's
    with pytest.raises(AmazonAccessDenied):
        await client.api.request(
            "getSubscription",
            "GET",
            f"/notifications/v1/subscriptions/{ORDER_CHANGE}",
            tokens=grantless,
        )


async def test_published_order_changes_follow_the_schema(world) -> None:
    sandbox, client, _ = world
    sent: list[tuple[str, str]] = []
    publisher = Publisher(sandbox, lambda arn, body: sent.append((arn, body)))
    sandbox.create([OrderSpec(order_id="202-0000001-0000001")])  # before: not announced
    await client.notifications.setup(ARN)
    assert publisher.step(now=0.0) == 0
    (order,) = sandbox.create(
        [OrderSpec(order_id="202-0000002-0000002", status=OrderStatus.PENDING)]
    )
    assert publisher.step(now=0.1) == 0  # the modelled delivery time has not passed
    assert publisher.step(now=0.1 + sandbox.notifications.delivery_seconds) == 1
    sandbox.release(order.order_id)
    sandbox.clock.advance(1)  # type: ignore[attr-defined]
    sandbox.cancel(order.order_id, buyer_requested=True, request_only=True)
    publisher.step(now=10.0)
    assert publisher.step(now=11.0) == 1
    assert publisher.step(now=20.0) == 0  # nothing changed since
    bodies = [json.loads(body) for arn, body in sent if arn == ARN]
    assert len(bodies) == len(sent) >= 2
    for body in bodies:
        jsonschema.Draft7Validator(SCHEMA).validate(body)
        assert read_order_change(json.dumps(body)).order_id == order.order_id
    changes = [b["Payload"]["OrderChangeNotification"] for b in bodies]
    assert changes[0]["OrderChangeType"] == "OrderStatusChange"
    assert changes[-1]["OrderChangeType"] == "BuyerRequestedChange"
