"""The sandbox serves listings' `attributes` as the official Listings Items model's own example
shapes them: every exchange validated strictly against the model, and each package attribute
consign reads (weight, dimensions) keyed and typed exactly as in the example. The date filters
of searchListingsItems are inclusive, as the model describes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS, UK
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire
from tests.sandbox.test_amazon_sandbox import ManualClock
from tests.sandbox.test_amazon_sandbox_stock import Caller
from tests.support.spapi_models import LISTINGS, load_model

SEARCH = f"/listings/2021-08-01/items/{DEFAULT_SELLER_ID}"
VERIFIED = ("item_package_weight", "item_package_dimensions")


def example_attributes() -> dict[str, Any]:
    model = load_model(LISTINGS)
    operation = model["paths"]["/listings/2021-08-01/items/{sellerId}"]["get"]
    attributes: dict[str, Any] = operation["responses"]["200"]["examples"]["application/json"][
        "items"
    ][0]["attributes"]
    return attributes


def shape(value: Any) -> Any:
    """Keys and value types, recursively (numbers as one type: the example has both)."""
    if isinstance(value, dict):
        return {key: shape(inner) for key, inner in sorted(value.items())}
    if isinstance(value, list):
        return [shape(inner) for inner in value[:1]]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def caller(clock: ManualClock) -> Iterator[Caller]:
    with TestClient(create_app(AmazonSandbox(clock=clock, listing_quantity=1))) as client:
        yield Caller(client)


def search(caller: Caller, **params: str) -> dict[str, Any]:
    query = {"marketplaceIds": UK.marketplace_id, "includedData": "summaries,attributes"}
    response = caller.call("GET", SEARCH, {**query, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_package_attributes_have_the_examples_shape(caller: Caller) -> None:
    example = example_attributes()
    example_units = {e["unit"] for n in ("item_weight", "item_package_weight") for e in example[n]}
    items = search(caller, pageSize="20")["items"]
    assert len(items) == len(SKUS)
    seen_units: set[str] = set()
    for item in items:
        attributes = item["attributes"]
        for name in VERIFIED:
            if name not in attributes:
                continue
            assert shape(attributes[name]) == shape(example[name]), (item["sku"], name)
            assert all(e["marketplace_id"] == UK.marketplace_id for e in attributes[name])
        for entry in attributes.get("item_package_weight", []):
            seen_units.add(entry["unit"])
    # The example's own units (pounds, kilograms) appear, and grams and ounces besides.
    assert example_units == {"pounds", "kilograms"}
    assert seen_units == example_units | {"grams", "ounces"}
    by_sku = {item["sku"]: item["attributes"] for item in items}
    assert "item_package_weight" not in by_sku["TOTE-NAT-OS"]  # the listing without a weight
    assert by_sku["JACKET-OLV-M"]["item_package_dimensions"][0]["length"]["unit"] == "inches"


def test_get_listings_item_serves_the_same_attributes(caller: Caller) -> None:
    params = {"marketplaceIds": UK.marketplace_id, "includedData": "summaries,attributes"}
    response = caller.call("GET", f"{SEARCH}/JACKET-OLV-M", params)
    assert response.status_code == 200
    attributes = response.json()["attributes"]
    assert attributes["item_package_weight"] == [
        {"unit": "pounds", "value": 2.4, "marketplace_id": UK.marketplace_id}
    ]


def test_an_admin_listing_is_found_by_last_updated_after_inclusively(
    caller: Caller, clock: ManualClock
) -> None:
    catalogue_listed = to_wire(clock())
    clock.advance(seconds=120)
    since = to_wire(clock())
    created = caller.client.post(
        "/_sandbox/listings",
        json={
            "sku": "AMZ-ONLY-CAP",
            "product_type": "HAT",
            "title": "Amazon-only Cap",
            "attributes": {"item_package_weight": [{"unit": "ounces", "value": 3}]},
        },
    )
    assert created.status_code == 201
    found = search(caller, lastUpdatedAfter=since, sortBy="lastUpdatedDate", sortOrder="ASC")
    assert [item["sku"] for item in found["items"]] == ["AMZ-ONLY-CAP"]
    item = found["items"][0]
    assert item["summaries"][0]["itemName"] == "Amazon-only Cap"
    assert item["attributes"]["item_package_weight"] == [
        {"unit": "ounces", "value": 3, "marketplace_id": UK.marketplace_id}
    ]
    before = search(caller, lastUpdatedBefore=catalogue_listed, pageSize="20")
    assert "AMZ-ONLY-CAP" not in {item["sku"] for item in before["items"]}
    assert len(before["items"]) == len(SKUS)
    at_once = search(caller, lastUpdatedBefore=since, pageSize="20")  # at or before: inclusive
    assert "AMZ-ONLY-CAP" in {item["sku"] for item in at_once["items"]}


def test_a_date_filter_that_is_not_iso_8601_is_400(caller: Caller) -> None:
    response = caller.call(
        "GET",
        SEARCH,
        {"marketplaceIds": UK.marketplace_id, "lastUpdatedAfter": "yesterday"},
        check=False,
    )
    assert response.status_code == 400
