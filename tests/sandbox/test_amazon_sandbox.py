"""The Amazon sandbox speaks SP-API: every exchange here is checked against Amazon's official
models (requests and responses, strict), so the client built on it works against Amazon."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import SKUS, UK
from sandbox.amazon.generator import GenerateRequest, OrderSpec
from sandbox.amazon.lwa import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN
from sandbox.amazon.state import AmazonSandbox
from sandbox.faults import FaultConfig
from sandbox.server import ServerThread
from tests.support.spapi_models import (
    model_for_path,
    validate_request,
    validate_response,
    validate_response_headers,
)

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LONG_AGO = "2026-01-01T00:00:00Z"
UK_ID = UK.marketplace_id


class ManualClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Seller:
    """An SP-API caller whose every request and response (body and Amazon headers) is
    validated against the model."""

    def __init__(self, client: httpx.Client | TestClient, sandbox: AmazonSandbox) -> None:
        self.client = client
        self.sandbox = sandbox
        self.token = ""

    def login(self) -> str:
        response = self.client.post("/auth/o2/token", data=lwa_form())
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: object | None = None,
        token: str | None = None,
        check_request: bool = True,
    ) -> httpx.Response:
        model = model_for_path(path)
        if check_request:
            validate_request(model, method, path, params or {}, body, strict=True)
        headers = {"x-amz-access-token": self.token if token is None else token}
        response = self.client.request(method, path, params=params, json=body, headers=headers)
        payload = response.json() if response.content else None
        validate_response(model, method, path, response.status_code, payload, strict=True)
        validate_response_headers(model, method, path, response.status_code, response.headers)
        return response

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.call("GET", path, params)

    def ok(self, path: str, **params: str) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


def lwa_form(**overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": DEFAULT_REFRESH_TOKEN,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    form.update(overrides)
    return form


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    return AmazonSandbox(clock=clock)


@pytest.fixture
def seller(sandbox: AmazonSandbox) -> Iterator[Seller]:
    with TestClient(create_app(sandbox)) as client:
        session = Seller(client, sandbox)
        session.login()
        yield session


def one_order(sandbox: AmazonSandbox, **spec: Any) -> str:
    spec.setdefault("lines", [{"sku": "TSHIRT-BLK-M", "quantity": 2}, {"sku": "CAP-KHK-OS"}])
    return sandbox.create([OrderSpec(**spec)])[0].order_id


# --- LWA -----------------------------------------------------------------------------------


def test_lwa_grant_and_errors(seller: Seller, sandbox: AmazonSandbox) -> None:
    response = seller.client.post("/auth/o2/token", data=lwa_form())
    body = response.json()
    assert response.status_code == 200
    assert body["access_token"].startswith("Atza|")
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)
    assert body["refresh_token"] == DEFAULT_REFRESH_TOKEN
    bad_grant = seller.client.post("/auth/o2/token", data=lwa_form(refresh_token="Atzr|nope"))
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "invalid_grant"
    assert bad_grant.json()["error_description"]
    bad_client = seller.client.post("/auth/o2/token", data=lwa_form(client_secret="old"))
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")
    bad_type = seller.client.post("/auth/o2/token", data=lwa_form(grant_type="password"))
    assert (bad_type.status_code, bad_type.json()["error"]) == (400, "unsupported_grant_type")
    stats = seller.client.get("/_sandbox/stats").json()
    assert stats["token_grants"] == 2  # the fixture's login and the first grant here


def test_spapi_calls_need_a_valid_unexpired_token(
    seller: Seller, clock: ManualClock, sandbox: AmazonSandbox
) -> None:
    order_id = one_order(sandbox)
    path = f"/orders/v0/orders/{order_id}"
    assert seller.get(path).status_code == 200
    for token in ("", "Atza|forged"):
        denied = seller.call("GET", path, token=token)
        assert denied.status_code == 403
        assert denied.json() == {
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": "",
                }
            ]
        }
    clock.advance(seconds=3599)
    assert seller.get(path).status_code == 200
    clock.advance(seconds=1)
    assert seller.get(path).status_code == 403
    seller.login()
    assert seller.get(path).status_code == 200


def test_token_lifetime_and_secret_rotation_are_configurable(seller: Seller) -> None:
    put = seller.client.put("/_sandbox/lwa", json={"token_lifetime_seconds": 60})
    assert put.status_code == 200
    assert seller.client.post("/auth/o2/token", data=lwa_form()).json()["expires_in"] == 60
    seller.client.put("/_sandbox/lwa", json={"client_secret": "rotated", "revoke_tokens": True})
    assert seller.client.post("/auth/o2/token", data=lwa_form()).status_code == 401
    ok = seller.client.post("/auth/o2/token", data=lwa_form(client_secret="rotated"))
    assert ok.status_code == 200
    assert seller.get("/orders/v0/orders/202-0000000-0000000").status_code == 403


# --- reads ---------------------------------------------------------------------------------


def test_v2026_search_and_get_validate_and_show_recipient_only_on_request(
    seller: Seller, sandbox: AmazonSandbox
) -> None:
    sandbox.generate(GenerateRequest(count=25, seed=3))
    everything = "BUYER,RECIPIENT,PROCEEDS,CANCELLATION,FULFILLMENT,PACKAGES"
    found = seller.ok("/orders/2026-01-01/orders", createdAfter=LONG_AGO, includedData=everything)
    assert len(found["orders"]) == 25
    assert found["createdBefore"] == "2026-03-02T10:00:00Z"
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in found["orders"]}
    assert {"UNSHIPPED", "PENDING"} <= statuses
    fulfilled_by = {o["fulfillment"]["fulfilledBy"] for o in found["orders"]}
    assert fulfilled_by == {"MERCHANT", "AMAZON"}
    plain = seller.ok("/orders/2026-01-01/orders", createdAfter=LONG_AGO)
    assert all("recipient" not in o and "fulfillment" not in o for o in plain["orders"])
    unshipped = next(
        o for o in found["orders"] if o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    )
    path = f"/orders/2026-01-01/orders/{unshipped['orderId']}"
    bare = seller.ok(path)["order"]
    assert "recipient" not in bare
    full = seller.ok(path, includedData="RECIPIENT,FULFILLMENT")["order"]
    assert full["recipient"]["deliveryAddress"]["countryCode"]
    assert full["fulfillment"]["shipByWindow"]["latestDateTime"]
    assert full["orderItems"][0]["product"]["sellerSku"] in SKUS
    missing = seller.get("/orders/2026-01-01/orders/999-0000000-0000000")
    assert missing.status_code == 404


def test_v2026_search_filters_and_bad_input(seller: Seller, sandbox: AmazonSandbox) -> None:
    mfn = one_order(sandbox)
    one_order(sandbox, fulfillment_channel="AFN", status="Shipped")
    by_merchant = seller.ok(
        "/orders/2026-01-01/orders",
        lastUpdatedAfter=LONG_AGO,
        fulfilledBy="MERCHANT",
        fulfillmentStatuses="UNSHIPPED,PARTIALLY_SHIPPED",
        marketplaceIds=UK_ID,
    )
    assert [o["orderId"] for o in by_merchant["orders"]] == [mfn]
    assert "lastUpdatedBefore" in by_merchant
    for params in (
        {},  # neither createdAfter nor lastUpdatedAfter
        {"createdAfter": LONG_AGO, "lastUpdatedAfter": LONG_AGO},
        {"createdAfter": LONG_AGO, "maxResultsPerPage": "101"},
        {"createdAfter": LONG_AGO, "maxResultsPerPage": "0"},
        {"createdAfter": "2026-03-02T09:59:00Z", "createdBefore": "2026-03-02T09:59:30Z"},
    ):
        response = seller.call("GET", "/orders/2026-01-01/orders", params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["code"] == "InvalidInput"
    bad_enum = seller.call(
        "GET",
        "/orders/2026-01-01/orders",
        {"createdAfter": LONG_AGO, "fulfilledBy": "MFN"},
        check_request=False,
    )
    assert bad_enum.status_code == 400


def test_v0_reads_validate(seller: Seller, sandbox: AmazonSandbox) -> None:
    order_id = one_order(sandbox, is_prime=True, is_business=True)
    listed = seller.ok("/orders/v0/orders", CreatedAfter=LONG_AGO, MarketplaceIds=UK_ID)["payload"]
    assert [o["AmazonOrderId"] for o in listed["Orders"]] == [order_id]
    order = seller.ok(f"/orders/v0/orders/{order_id}")["payload"]
    assert order["OrderStatus"] == "Unshipped"
    assert order["FulfillmentChannel"] == "MFN"
    assert order["IsPrime"] is True and order["IsBusinessOrder"] is True
    assert order["MarketplaceId"] == UK_ID
    assert order["ShipServiceLevel"]
    assert order["LatestShipDate"] > order["PurchaseDate"]
    assert order["OrderTotal"] == {"CurrencyCode": "GBP", "Amount": "62.48"}
    items = seller.ok(f"/orders/v0/orders/{order_id}/orderItems")["payload"]["OrderItems"]
    assert [(i["SellerSKU"], i["QuantityOrdered"], i["QuantityShipped"]) for i in items] == [
        ("TSHIRT-BLK-M", 2, 0),
        ("CAP-KHK-OS", 1, 0),
    ]
    address = seller.ok(f"/orders/v0/orders/{order_id}/address")["payload"]
    assert address["ShippingAddress"]["CountryCode"] == "GB"  # the rest needs an RDT
    for suffix in ("", "/orderItems", "/address"):
        assert seller.get(f"/orders/v0/orders/999-0000000-0000000{suffix}").status_code == 404


def test_v0_get_orders_rules(seller: Seller, clock: ManualClock, sandbox: AmazonSandbox) -> None:
    one_order(sandbox)
    no_market = seller.call(
        "GET", "/orders/v0/orders", {"CreatedAfter": LONG_AGO}, check_request=False
    )
    assert no_market.status_code == 400
    assert no_market.json()["errors"][0]["code"] == "InvalidInput"
    both = seller.get(
        "/orders/v0/orders", MarketplaceIds=UK_ID, CreatedAfter=LONG_AGO, LastUpdatedAfter=LONG_AGO
    )
    assert both.status_code == 400
    neither = seller.get("/orders/v0/orders", MarketplaceIds=UK_ID)
    assert neither.status_code == 400
    too_recent = seller.get(
        "/orders/v0/orders",
        MarketplaceIds=UK_ID,
        LastUpdatedAfter=LONG_AGO,
        LastUpdatedBefore="2026-03-02T09:58:30Z",  # 90 s before "now"
    )
    assert too_recent.status_code == 400
    assert "2 minutes" in too_recent.json()["errors"][0]["message"]
    reversed_window = seller.get(
        "/orders/v0/orders",
        MarketplaceIds=UK_ID,
        LastUpdatedAfter="2026-03-01T00:00:00Z",
        LastUpdatedBefore="2026-02-01T00:00:00Z",
    )
    assert reversed_window.status_code == 400
    clock.advance(minutes=2)
    settled = seller.ok(
        "/orders/v0/orders",
        MarketplaceIds=UK_ID,
        LastUpdatedAfter=LONG_AGO,
        LastUpdatedBefore="2026-03-02T10:00:00Z",
    )["payload"]
    assert len(settled["Orders"]) == 1
    assert settled["LastUpdatedBefore"] == "2026-03-02T10:00:00Z"


@pytest.mark.parametrize("page_size", [1, 7, 100])
def test_pagination_returns_every_order_exactly_once(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock, page_size: int
) -> None:
    sandbox.generate(GenerateRequest(count=23, seed=11, spread_minutes=600))
    sandbox.usage.configure(rate_scale=1000.0)
    expected = set(sandbox.orders)
    seen_v0: list[str] = []
    params = {"MarketplaceIds": UK_ID, "LastUpdatedAfter": LONG_AGO}
    params["MaxResultsPerPage"] = str(page_size)
    while True:
        payload = seller.ok("/orders/v0/orders", **params)["payload"]
        seen_v0 += [o["AmazonOrderId"] for o in payload["Orders"]]
        if "NextToken" not in payload:
            break
        # Orders changing between pages must not make the walk repeat or skip any.
        pending = [o.order_id for o in sandbox.orders.values() if o.status.value == "Pending"]
        if pending:
            sandbox.release(pending[0])
        clock.advance(seconds=1)
        params = {"MarketplaceIds": UK_ID, "NextToken": payload["NextToken"]}
    assert sorted(seen_v0) == sorted(expected)
    assert len(seen_v0) == len(expected)
    seen_2026: list[str] = []
    query = {"createdAfter": LONG_AGO, "maxResultsPerPage": str(page_size)}
    while True:
        body = seller.ok("/orders/2026-01-01/orders", **query)
        seen_2026 += [o["orderId"] for o in body["orders"]]
        if "pagination" not in body:
            break
        clock.advance(seconds=1)
        query = {"paginationToken": body["pagination"]["nextToken"]}
    assert sorted(seen_2026) == sorted(expected) and len(seen_2026) == len(expected)
    stale = seller.get("/orders/v0/orders", MarketplaceIds=UK_ID, NextToken="not-a-token")
    assert stale.status_code == 400


def test_a_page_token_answers_the_same_page_when_retried_until_it_expires(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    """A caller whose response was lost sends the same token again: it must get the same page
    (and the same next token), not the one after it. Tokens last 24 hours (the v2026 model)."""
    sandbox.generate(GenerateRequest(count=5, seed=4, spread_minutes=60))
    first = seller.ok("/orders/2026-01-01/orders", createdAfter=LONG_AGO, maxResultsPerPage="2")
    token = first["pagination"]["nextToken"]
    pages = [seller.ok("/orders/2026-01-01/orders", paginationToken=token) for _ in range(3)]
    assert pages[0] == pages[1] == pages[2]
    assert [o["orderId"] for o in pages[0]["orders"]] != [o["orderId"] for o in first["orders"]]
    v0_first = seller.ok(
        "/orders/v0/orders", MarketplaceIds=UK_ID, CreatedAfter=LONG_AGO, MaxResultsPerPage="2"
    )["payload"]
    v0_token = v0_first["NextToken"]
    again = [
        seller.ok("/orders/v0/orders", MarketplaceIds=UK_ID, NextToken=v0_token)["payload"]
        for _ in range(2)
    ]
    assert again[0] == again[1] and again[0]["NextToken"] != v0_token
    clock.advance(hours=23, minutes=59)
    seller.login()  # the LWA token lasts an hour; the page token a day
    assert seller.get("/orders/2026-01-01/orders", paginationToken=token).status_code == 200
    clock.advance(minutes=1)
    expired = seller.get("/orders/2026-01-01/orders", paginationToken=token)
    assert expired.status_code == 400
    assert expired.json()["errors"][0]["code"] == "InvalidInput"


# --- restricted data -------------------------------------------------------------------------

RDT = "/tokens/2021-03-01/restrictedDataToken"
V0_RESTRICTED_ADDRESS = ("Name", "AddressLine1", "Phone", "AddressType")


def rdt_for(seller: Seller, *resources: dict[str, Any]) -> str:
    response = seller.call("POST", RDT, body={"restrictedResources": list(resources)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["restrictedDataToken"].startswith("Atz.sprdt|") and body["expiresIn"] == 3600
    token: str = body["restrictedDataToken"]
    return token


@pytest.mark.parametrize("status", [200, 400])
def test_amazons_token_examples_get_amazons_answers(
    seller: Seller, reference_dir: Any, status: int
) -> None:
    """Amazon's own sandbox requests for createRestrictedDataToken, answered in the shape of
    Amazon's own responses (the 400 one word for word)."""
    folder = reference_dir / "amazon-sp-api" / "sandbox-examples" / "tokens_2021-03-01"
    for path in sorted(folder.glob(f"createRestrictedDataToken_{status}_*.json")):
        example = json.loads(path.read_text())
        body = example["request"]["parameters"]["body"]["value"]
        response = seller.call("POST", RDT, body=body, check_request=status == 200)
        assert response.status_code == status, path.name
        expected = example["response"]
        if status == 200:
            assert set(response.json()) == set(expected)
            assert response.json()["expiresIn"] == expected["expiresIn"]
        else:
            assert response.json() == expected


def test_v0_address_and_buyer_fields_only_with_a_restricted_data_token(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    order_id, other_id = one_order(sandbox), one_order(sandbox)
    address = f"/orders/v0/orders/{order_id}/address"
    bare = seller.ok(address)["payload"]["ShippingAddress"]
    assert not set(V0_RESTRICTED_ADDRESS) & set(bare)
    assert {"City", "PostalCode", "CountryCode"} <= set(bare)
    generic = rdt_for(seller, {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"})
    for some_order in (order_id, other_id):
        path = f"/orders/v0/orders/{some_order}/address"
        full = seller.call("GET", path, token=generic).json()["payload"]["ShippingAddress"]
        assert set(V0_RESTRICTED_ADDRESS) <= set(full)
    # An RDT covers only what it names: not another operation, not another order.
    assert seller.call("GET", f"/orders/v0/orders/{order_id}", token=generic).status_code == 403
    specific = rdt_for(seller, {"method": "GET", "path": address})
    assert seller.call("GET", address, token=specific).status_code == 200
    other = f"/orders/v0/orders/{other_id}/address"
    assert seller.call("GET", other, token=specific).status_code == 403
    assert (
        seller.call(
            "POST", RDT, body={"restrictedResources": []}, token=specific, check_request=False
        ).status_code
        == 403
    )
    clock.advance(seconds=3600)  # expiresIn
    assert seller.call("GET", address, token=generic).status_code == 403


def test_v0_get_order_and_buyer_info_release_what_the_data_elements_name(
    seller: Seller, sandbox: AmazonSandbox
) -> None:
    order_id = one_order(sandbox)
    path = f"/orders/v0/orders/{order_id}"
    plain = seller.ok(path)["payload"]
    assert "Name" not in plain["ShippingAddress"] and "BuyerName" not in plain["BuyerInfo"]
    missing = seller.call(
        "POST", RDT, body={"restrictedResources": [{"method": "GET", "path": path}]}
    )
    assert missing.status_code == 400  # getOrder needs dataElements
    address_only = rdt_for(
        seller, {"method": "GET", "path": path, "dataElements": ["shippingAddress"]}
    )
    order = seller.call("GET", path, token=address_only).json()["payload"]
    assert "Name" in order["ShippingAddress"] and "BuyerName" not in order["BuyerInfo"]
    buyer = rdt_for(seller, {"method": "GET", "path": path, "dataElements": ["buyerInfo"]})
    order = seller.call("GET", path, token=buyer).json()["payload"]
    assert "Name" not in order["ShippingAddress"] and order["BuyerInfo"]["BuyerName"]
    info = f"{path}/buyerInfo"
    assert "BuyerName" not in seller.ok(info)["payload"]
    info_rdt = rdt_for(seller, {"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"})
    assert seller.call("GET", info, token=info_rdt).json()["payload"]["BuyerName"]


def test_without_the_restricted_role_no_token_and_no_v2026_personal_fields(
    seller: Seller, sandbox: AmazonSandbox
) -> None:
    order_id = one_order(sandbox)
    path = f"/orders/2026-01-01/orders/{order_id}"
    with_role = seller.ok(path, includedData="RECIPIENT,BUYER")["order"]
    assert {"name", "addressLine1", "postalCode", "phone"} <= set(
        with_role["recipient"]["deliveryAddress"]
    )
    assert {"buyerName", "buyerEmail"} <= set(with_role["buyer"])
    assert seller.client.put("/_sandbox/app", json={"roles": []}).status_code == 200
    withheld = seller.ok(path, includedData="RECIPIENT,BUYER")["order"]
    address = withheld["recipient"]["deliveryAddress"]
    assert not {"name", "addressLine1", "addressLine2", "postalCode", "phone"} & set(address)
    assert address["countryCode"] == "GB" and address["city"]
    assert not {"buyerName", "buyerEmail"} & set(withheld.get("buyer", {}))
    resource = {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}
    refused = seller.call("POST", RDT, body={"restrictedResources": [resource]})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "Unauthorized"


# --- lifecycle -----------------------------------------------------------------------------


def test_release_and_buyer_cancel_bump_last_update(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    pending = one_order(sandbox, status="Pending")
    order = seller.ok(f"/orders/v0/orders/{pending}")["payload"]
    assert order["OrderStatus"] == "Pending"
    assert "OrderTotal" not in order and "ShippingAddress" not in order
    assert "ShippingAddress" not in seller.ok(f"/orders/v0/orders/{pending}/address")["payload"]
    clock.advance(minutes=5)
    released = seller.client.post(f"/_sandbox/orders/{pending}/release")
    assert released.status_code == 200
    order = seller.ok(f"/orders/v0/orders/{pending}")["payload"]
    assert order["OrderStatus"] == "Unshipped"
    assert order["LastUpdateDate"] == "2026-03-02T10:05:00Z"
    assert seller.client.post(f"/_sandbox/orders/{pending}/release").status_code == 409
    clock.advance(minutes=5)
    cancelled = seller.client.post(
        f"/_sandbox/orders/{pending}/cancel",
        json={"buyer_requested": True, "reason": "Ordered by mistake"},
    )
    assert cancelled.status_code == 200
    order = seller.ok(f"/orders/v0/orders/{pending}")["payload"]
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Canceled", "2026-03-02T10:10:00Z")
    items = seller.ok(f"/orders/v0/orders/{pending}/orderItems")["payload"]["OrderItems"]
    assert items[0]["BuyerRequestedCancel"] == {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "Ordered by mistake",
    }
    v2026 = seller.ok(
        f"/orders/2026-01-01/orders/{pending}", includedData="CANCELLATION,FULFILLMENT"
    )["order"]
    assert v2026["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert v2026["lastUpdatedTime"] == "2026-03-02T10:10:00Z"
    cancellation = v2026["orderItems"][0]["cancellation"]
    assert cancellation["cancellationRequest"]["requester"] == "BUYER"
    assert cancellation["cancellationExecution"]["cancelledBy"] == "BUYER"
    assert seller.client.post(f"/_sandbox/orders/{pending}/cancel").status_code == 409
    changed = seller.ok(
        "/orders/v0/orders", MarketplaceIds=UK_ID, LastUpdatedAfter="2026-03-02T10:06:00Z"
    )["payload"]["Orders"]
    assert [o["AmazonOrderId"] for o in changed] == [pending]


def test_buyer_cancel_request_leaves_mfn_order_open(seller: Seller, sandbox: AmazonSandbox) -> None:
    order_id = one_order(sandbox)
    response = seller.client.post(
        f"/_sandbox/orders/{order_id}/cancel",
        json={"buyer_requested": True, "request_only": True, "reason": "Found cheaper"},
    )
    assert response.status_code == 200
    assert seller.ok(f"/orders/v0/orders/{order_id}")["payload"]["OrderStatus"] == "Unshipped"
    item = seller.ok(f"/orders/v0/orders/{order_id}/orderItems")["payload"]["OrderItems"][0]
    assert item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] == "true"
    v2026 = seller.ok(f"/orders/2026-01-01/orders/{order_id}", includedData="CANCELLATION")
    assert "cancellationExecution" not in v2026["order"]["orderItems"][0]["cancellation"]


def test_auto_release_after_configured_delay(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    order_id = one_order(sandbox, status="Pending")
    seller.client.put("/_sandbox/auto-release", json={"seconds": 30})
    clock.advance(seconds=29)
    assert seller.ok(f"/orders/v0/orders/{order_id}")["payload"]["OrderStatus"] == "Pending"
    clock.advance(seconds=1)
    order = seller.ok(f"/orders/v0/orders/{order_id}")["payload"]
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Unshipped", "2026-03-02T10:00:30Z")


def test_auto_release_reaches_orders_made_later_and_spares_cancelled_ones(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    """Only orders waiting for release are looked at on each call (not every order)."""
    seller.client.put("/_sandbox/auto-release", json={"seconds": 30})
    later = one_order(sandbox, status="Pending")
    cancelled = one_order(sandbox, status="Pending")
    sandbox.cancel(cancelled, buyer_requested=True)
    clock.advance(seconds=30)
    statuses = {
        order_id: seller.ok(f"/orders/v0/orders/{order_id}")["payload"]["OrderStatus"]
        for order_id in (later, cancelled)
    }
    assert statuses == {later: "Unshipped", cancelled: "Canceled"}


def test_afn_orders_are_shipped_by_amazon(seller: Seller, sandbox: AmazonSandbox) -> None:
    shipped = one_order(sandbox, fulfillment_channel="AFN", status="Shipped")
    pending = one_order(sandbox, fulfillment_channel="AFN", status="Pending")
    sandbox.release(pending)
    for order_id in (shipped, pending):
        order = seller.ok(f"/orders/v0/orders/{order_id}")["payload"]
        assert (order["FulfillmentChannel"], order["OrderStatus"]) == ("AFN", "Shipped")
        assert order["NumberOfItemsUnshipped"] == 0
    rejected = seller.client.post(
        "/_sandbox/orders", json={"orders": [{"status": "Shipped", "fulfillment_channel": "MFN"}]}
    )
    assert rejected.status_code == 422


def test_generator_mix_is_realistic_and_seeded(seller: Seller) -> None:
    body = {"count": 200, "seed": 42, "international_share": 0.3}
    orders = seller.client.post("/_sandbox/orders", json=body).json()["orders"]
    assert len({o["order_id"] for o in orders}) == 200
    countries = {o["address"]["country_code"] for o in orders}
    assert {"GB", "DE", "FR", "US", "IE"} <= countries
    assert {o["fulfillment_channel"] for o in orders} == {"MFN", "AFN"}
    assert {o["status"] for o in orders} == {"Pending", "Unshipped", "Shipped"}
    assert any(o["is_prime"] for o in orders) and any(o["is_business"] for o in orders)
    lines = [i for o in orders for i in o["items"]]
    assert {len(o["items"]) for o in orders} == {1, 2, 3}
    assert {i["quantity_ordered"] for i in lines} == {1, 2, 3}
    assert {i["sku"] for i in lines} <= set(SKUS)
    for o in orders:
        lead = datetime.fromisoformat(o["latest_ship_date"]) - datetime.fromisoformat(
            o["purchase_date"]
        )
        assert timedelta(days=1) <= lead <= timedelta(days=4)
    again = AmazonSandbox(clock=ManualClock())
    replay = again.generate(GenerateRequest(**body))
    assert [o.order_id for o in replay] == [o["order_id"] for o in orders]


# --- throttling and faults -----------------------------------------------------------------


def test_usage_plan_throttles_with_quota_exceeded(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    order_id = one_order(sandbox)
    path = f"/orders/v0/orders/{order_id}"
    for _ in range(30):  # getOrder v0 burst
        response = seller.get(path)
        assert response.status_code == 200
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.5"
    throttled = seller.get(path)
    assert throttled.status_code == 429
    # The model declares only x-amzn-RequestId on a 429 (checked for every call by Seller).
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    assert throttled.headers["x-amzn-RequestId"]
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    clock.advance(seconds=2)  # 0.5 requests/s refills one token
    assert seller.get(path).status_code == 200
    assert seller.get(path).status_code == 429
    stats = seller.client.get("/_sandbox/stats").json()
    assert stats["throttled"]["getOrder:v0"] == 2
    assert stats["calls"]["getOrder:v0"] == 33


def test_rate_scale_speeds_up_refill(
    seller: Seller, sandbox: AmazonSandbox, clock: ManualClock
) -> None:
    response = seller.client.put("/_sandbox/usage-plans", json={"rate_scale": 10})
    assert response.json()["rate_scale"] == 10
    query = {"createdAfter": LONG_AGO}
    for _ in range(20):  # searchOrders burst
        assert seller.get("/orders/2026-01-01/orders", **query).status_code == 200
    assert seller.get("/orders/2026-01-01/orders", **query).status_code == 429
    clock.advance(seconds=18)  # 0.0056 * 10 * 18 = 1.008 tokens
    ok = seller.get("/orders/2026-01-01/orders", **query)
    assert ok.status_code == 200
    assert ok.headers["x-amzn-RateLimit-Limit"] == "0.056"


def test_fault_injection_uses_amazon_error_bodies(sandbox: AmazonSandbox) -> None:
    with TestClient(create_app(sandbox, FaultConfig(error_rate=1.0))) as client:
        seller = Seller(client, sandbox)
        token = client.post("/auth/o2/token", data=lwa_form())
        assert token.status_code == 503
        sandbox_token = sandbox.tokens.grant(lwa_form())["access_token"]
        seller.token = str(sandbox_token)
        unavailable = seller.get("/orders/2026-01-01/orders", createdAfter=LONG_AGO)
        assert unavailable.status_code == 503
        assert unavailable.json()["errors"][0]["code"] == "ServiceUnavailable"
        assert client.get("/_sandbox/stats").status_code == 200  # admin is never faulted
        client.put("/_sandbox/faults", json={"throttle_rate": 1.0})
        throttled = seller.get("/orders/2026-01-01/orders", createdAfter=LONG_AGO)
        assert throttled.status_code == 429
        assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        client.put("/_sandbox/faults", json={})
        assert seller.get("/orders/2026-01-01/orders", createdAfter=LONG_AGO).status_code == 200


def test_over_real_http(sandbox: AmazonSandbox) -> None:
    """The same flow through uvicorn on loopback, as the demo and the worker use it."""
    one_order(sandbox)
    with ServerThread(create_app(sandbox)) as server, httpx.Client(base_url=server.url) as client:
        seller = Seller(client, sandbox)
        seller.login()
        found = seller.ok("/orders/2026-01-01/orders", createdAfter=LONG_AGO)
        assert len(found["orders"]) == 1
