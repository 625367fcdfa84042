"""Restricted data as Amazon's models mark it: the Orders v0 fields the model's notes call
restricted are exactly what the sandbox withholds without a Restricted Data Token, and the
RDT consign asks for is the request of Amazon's own Tokens example (the generic getOrderAddress
path, no dataElements), valid against the Tokens model."""

from __future__ import annotations

import re

from integrations.amazon.rdt import ORDER_ADDRESS
from sandbox.amazon import render_v0
from sandbox.amazon.generator import OrderSpec
from sandbox.amazon.state import AmazonSandbox
from tests.support.spapi_models import ORDERS_V0, TOKENS, load_example, load_model, validate_request

RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"


def restricted_fields(description: str) -> set[str]:
    """The fields a model note names after 'restricted data ... For example,'."""
    note = description.split("For example,", 1)[1]
    return set(re.findall(r"`(\w+)`", note))


def test_the_v0_address_fields_the_model_restricts_are_withheld_without_a_token() -> None:
    order = load_model(ORDERS_V0)["definitions"]["Order"]["properties"]
    restricted = restricted_fields(order["ShippingAddress"]["description"])
    assert {"Name", "AddressLine1", "AddressLine2", "AddressLine3", "Phone"} <= restricted
    sandbox = AmazonSandbox()
    [placed] = sandbox.create([OrderSpec(lines=[{"sku": "CAP-KHK-OS"}], is_business=True)])
    withheld = render_v0.address(placed.address, full=False)
    full = render_v0.address(placed.address, full=True)
    assert not restricted & set(withheld)
    assert {"Name", "AddressLine1", "Phone"} <= set(full)
    assert {"City", "PostalCode", "CountryCode"} <= set(withheld)  # not restricted


def test_the_v0_buyer_fields_the_model_restricts_are_withheld_without_a_token() -> None:
    order = load_model(ORDERS_V0)["definitions"]["Order"]["properties"]
    restricted = restricted_fields(order["BuyerInfo"]["description"])
    assert "BuyerName" in restricted
    sandbox = AmazonSandbox()
    [placed] = sandbox.create([OrderSpec(lines=[{"sku": "CAP-KHK-OS"}])])
    assert not restricted & set(render_v0.order(placed)["BuyerInfo"])
    assert not restricted & set(render_v0.order_buyer_info(placed, full=False))
    assert "BuyerName" in render_v0.order_buyer_info(placed, full=True)


def test_consign_asks_for_the_address_token_as_amazons_example_does() -> None:
    example = load_example("tokens_2021-03-01/createRestrictedDataToken_200_static_1.json")
    [resource] = example["request"]["parameters"]["body"]["value"]["restrictedResources"]
    assert ORDER_ADDRESS.wire() == resource
    body = {"restrictedResources": [ORDER_ADDRESS.wire()]}
    validate_request(load_model(TOKENS), "POST", RDT_PATH, {}, body, strict=True)
