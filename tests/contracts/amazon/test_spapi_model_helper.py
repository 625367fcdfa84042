"""The SP-API contract helper must accept Amazon's own examples and reject wrong traffic,
otherwise every contract test built on it proves nothing."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from tests.support.spapi_models import (
    EXAMPLES_DIR,
    ORDERS_V0,
    ORDERS_V2026,
    find_operation,
    load_example,
    load_model,
    validate_request,
    validate_response,
)

# Concrete request paths for each example operation (the examples carry the ids).
_PATHS = {
    "getOrders": "/orders/v0/orders",
    "getOrder": "/orders/v0/orders/{orderId}",
    "getOrderItems": "/orders/v0/orders/{orderId}/orderItems",
    "getOrderAddress": "/orders/v0/orders/{orderId}/address",
    "getOrderBuyerInfo": "/orders/v0/orders/{orderId}/buyerInfo",
    "getOrderItemsBuyerInfo": "/orders/v0/orders/{orderId}/orderItems/buyerInfo",
    "confirmShipment": "/orders/v0/orders/{orderId}/shipmentConfirmation",
    "updateShipmentStatus": "/orders/v0/orders/{orderId}/shipment",
}
_PATHS_2026 = {
    "searchOrders": "/orders/2026-01-01/orders",
    "getOrder": "/orders/2026-01-01/orders/{orderId}",
}
_METHODS = {"confirmShipment": "POST", "updateShipmentStatus": "POST"}


def _examples(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (EXAMPLES_DIR / folder).glob("*.json"))


def _concrete(template: str, example: dict[str, Any]) -> str:
    params = example["request"].get("parameters", {})
    order_id = params.get("orderId", {}).get("value", "902-0000000-0000000")
    return template.replace("{orderId}", order_id)


@pytest.mark.parametrize("name", _examples("ordersV0") + _examples("orders_2026-01-01"))
def test_amazon_examples_validate(name: str) -> None:
    folder, file = name.split("/")
    operation, status = file.split("_")[0], int(file.split("_")[1])
    model = load_model(ORDERS_V0 if folder == "ordersV0" else ORDERS_V2026)
    table = _PATHS if folder == "ordersV0" else _PATHS_2026
    example = load_example(name)
    path = _concrete(table[operation], example)
    method = _METHODS.get(operation, "GET")
    response = example["response"] or None
    validate_response(model, method, path, status, response, strict=True)


@pytest.mark.parametrize("name", [n for n in _examples("orders_2026-01-01") if "_200_" in n])
def test_amazon_2026_success_requests_validate(name: str) -> None:
    example = load_example(name)
    operation = name.split("/")[1].split("_")[0]
    params = example["request"]["parameters"]
    query = {
        key: ",".join(v["value"]) if isinstance(v["value"], list) else str(v["value"])
        for key, v in params.items()
        if key != "orderId"
    }
    path = _concrete(_PATHS_2026[operation], example)
    validate_request(load_model(ORDERS_V2026), "GET", path, query, None)


def test_confirm_shipment_example_request_validates_and_bad_date_is_rejected() -> None:
    model = load_model(ORDERS_V0)
    good = load_example("ordersV0/confirmShipment_204_static_1.json")["request"]["parameters"]
    bad = load_example("ordersV0/confirmShipment_400_static_1.json")["request"]["parameters"]
    path = f"/orders/v0/orders/{good['orderId']['value']}/shipmentConfirmation"
    validate_request(model, "POST", path, {}, good["body"]["value"], strict=True)
    with pytest.raises(jsonschema.ValidationError, match="date-time"):
        validate_request(model, "POST", path, {}, bad["body"]["value"])


def test_find_operation_prefers_literal_segments() -> None:
    model = load_model(ORDERS_V0)
    template, op = find_operation(model, "GET", "/orders/v0/orders/123-1234567-1234567/address")
    assert (template, op["operationId"]) == (
        "/orders/v0/orders/{orderId}/address",
        "getOrderAddress",
    )
    template, op = find_operation(
        model, "POST", "/orders/v0/orders/123-1234567-1234567/shipmentConfirmation"
    )
    assert op["operationId"] == "confirmShipment"
    with pytest.raises(AssertionError):
        find_operation(model, "DELETE", "/orders/v0/orders/123")


def test_wrong_response_bodies_are_rejected() -> None:
    model = load_model(ORDERS_V2026)
    good = load_example("orders_2026-01-01/getOrder_200_static_1.json")["response"]
    path = "/orders/2026-01-01/orders/250-1234567-8901234"
    missing = json.loads(json.dumps(good))
    del missing["order"]["orderId"]
    with pytest.raises(jsonschema.ValidationError, match="orderId"):
        validate_response(model, "GET", path, 200, missing)
    bad_date = json.loads(json.dumps(good))
    bad_date["order"]["createdTime"] = "2024-13-45 10:00"
    with pytest.raises(jsonschema.ValidationError, match="date-time"):
        validate_response(model, "GET", path, 200, bad_date)
    bad_enum = json.loads(json.dumps(good))
    bad_enum["order"]["fulfillment"] = {"fulfillmentStatus": "Unshipped"}
    with pytest.raises(jsonschema.ValidationError):
        validate_response(model, "GET", path, 200, bad_enum)
    typo = json.loads(json.dumps(good))
    typo["order"]["orderID"] = "x"
    validate_response(model, "GET", path, 200, typo)
    with pytest.raises(jsonschema.ValidationError, match="orderID"):
        validate_response(model, "GET", path, 200, typo, strict=True)
    with pytest.raises(jsonschema.ValidationError):
        validate_response(model, "GET", path, 400, {"errors": [{"code": "InvalidInput"}]})


def test_204_must_be_empty_and_undeclared_status_fails() -> None:
    model = load_model(ORDERS_V0)
    path = "/orders/v0/orders/123-1234567-1234567/shipmentConfirmation"
    validate_response(model, "POST", path, 204, None)
    with pytest.raises(AssertionError, match="empty"):
        validate_response(model, "POST", path, 204, {"errors": []})
    with pytest.raises(AssertionError, match="302"):
        validate_response(model, "POST", path, 302, None)


def test_wrong_requests_are_rejected() -> None:
    model = load_model(ORDERS_V2026)
    search = "/orders/2026-01-01/orders"
    validate_request(model, "GET", search, {"fulfilledBy": "MERCHANT,AMAZON"}, None)
    with pytest.raises(AssertionError, match="unknown"):
        validate_request(model, "GET", search, {"CreatedAfter": "2025-01-01T00:00:00Z"}, None)
    with pytest.raises(AssertionError, match="fulfilledBy"):
        validate_request(model, "GET", search, {"fulfilledBy": "MFN"}, None)
    with pytest.raises(AssertionError, match="integer"):
        validate_request(model, "GET", search, {"maxResultsPerPage": "ten"}, None)
    with pytest.raises(AssertionError, match="date-time"):
        validate_request(model, "GET", search, {"createdAfter": "yesterday"}, None)
    with pytest.raises(AssertionError, match="body"):
        validate_request(model, "GET", search, {}, {"x": 1})
    v0 = load_model(ORDERS_V0)
    with pytest.raises(AssertionError, match="MarketplaceIds"):
        validate_request(v0, "GET", "/orders/v0/orders", {"CreatedAfter": "x"}, None)
    too_many = ",".join(f"M{i}" for i in range(51))
    with pytest.raises(AssertionError, match="MarketplaceIds"):
        validate_request(v0, "GET", "/orders/v0/orders", {"MarketplaceIds": too_many}, None)
    confirm = "/orders/v0/orders/123-1234567-1234567/shipmentConfirmation"
    with pytest.raises(AssertionError, match="required body"):
        validate_request(v0, "POST", confirm, {}, None)
    with pytest.raises(jsonschema.ValidationError, match="packageDetail"):
        validate_request(v0, "POST", confirm, {}, {"marketplaceId": "A1F83G8C2ARO7P"})


_OTHER_MODELS = {
    "tokens_2021-03-01": "tokens-api-model/tokens_2021-03-01.json",
    "listingsItems_2021-08-01": "listings-items-api-model/listingsItems_2021-08-01.json",
    "feeds_2021-06-30": "feeds-api-model/feeds_2021-06-30.json",
}


def _operation(model: dict[str, Any], operation_id: str) -> tuple[str, str]:
    for template, item in model["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return template, method
    raise AssertionError(f"no operation {operation_id}")


@pytest.mark.parametrize("name", [name for folder in _OTHER_MODELS for name in _examples(folder)])
def test_amazon_token_listings_and_feeds_examples_validate(name: str) -> None:
    """The other models consign talks to (Tokens, Listings Items, Feeds): Amazon's own example
    answers pass the helper, strictly, so the sandbox checks built on it are fair."""
    folder, file = name.split("/")
    operation_id, status = file.split("_")[0], int(file.split("_")[1])
    model = load_model(_OTHER_MODELS[folder])
    template, method = _operation(model, operation_id)
    params = load_example(name)["request"].get("parameters", {})
    path = template
    for placeholder in ("sellerId", "sku", "feedId", "feedDocumentId"):
        value = params.get(placeholder, {}).get("value", "X")
        path = path.replace("{" + placeholder + "}", str(value))
    response = load_example(name).get("response") or None  # cancelFeed's 200 has no body
    validate_response(model, method, path, status, response, strict=True)
