"""The sandbox's Listings Items and Feeds APIs behave as Amazon documents them; every SP-API
exchange here is validated (strictly) against the official models, and processing reports
against the published processing-report schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator

from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import BY_SKU, SKUS, UK, product_type
from sandbox.amazon.lwa import DEFAULT_SELLER_ID
from sandbox.amazon.state import AmazonSandbox
from tests.sandbox.test_amazon_sandbox import ManualClock, lwa_form
from tests.support.spapi_models import (
    REFERENCE_DIR,
    model_for_path,
    validate_request,
    validate_response,
    validate_response_headers,
)

ITEM = f"/listings/2021-08-01/items/{DEFAULT_SELLER_ID}"
MARKET = {"marketplaceIds": UK.marketplace_id}
JSON_CT = "application/json; charset=UTF-8"
REPORT_SCHEMA = (
    REFERENCE_DIR / "amazon-sp-api/schemas/feeds/listings-feed-processing-report-schema-v2.json"
)


class Caller:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = client.post("/auth/o2/token", data=lwa_form()).json()["access_token"]

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        check: bool = True,
    ) -> Any:
        model = model_for_path(path)
        if check:
            validate_request(model, method, path, params or {}, body, strict=True)
        response = self.client.request(
            method, path, params=params, json=body, headers={"x-amz-access-token": self.token}
        )
        payload = response.json() if response.content else None
        validate_response(model, method, path, response.status_code, payload, strict=True)
        validate_response_headers(model, method, path, response.status_code, response.headers)
        return response


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    return AmazonSandbox(clock=clock, listing_quantity=3, feed_processing_seconds=10)


@pytest.fixture
def caller(sandbox: AmazonSandbox) -> Iterator[Caller]:
    with TestClient(create_app(sandbox)) as client:
        yield Caller(client)


def patch_body(op: str, value: list[dict[str, Any]], kind: str = "SHIRT") -> dict[str, Any]:
    """A patch of fulfillment_availability; `kind` is the product type (SKUS[:6] are SHIRTs)."""
    return {
        "productType": kind,
        "patches": [{"op": op, "path": "/attributes/fulfillment_availability", "value": value}],
    }


def fulfillment(caller: Caller, sku: str) -> dict[str, Any]:
    params = {**MARKET, "includedData": "attributes,fulfillmentAvailability"}
    response = caller.call("GET", f"{ITEM}/{sku}", params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_merge_keeps_lead_time_and_replace_wipes_it(caller: Caller) -> None:
    sku = SKUS[0]
    merged = caller.call(
        "PATCH",
        f"{ITEM}/{sku}",
        MARKET,
        patch_body("merge", [{"fulfillment_channel_code": "DEFAULT", "quantity": 9}]),
    )
    assert merged.json()["status"] == "ACCEPTED"
    item = fulfillment(caller, sku)
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 9}]
    assert item["attributes"]["fulfillment_availability"][0]["lead_time_to_ship_max_days"] == 2
    caller.call(
        "PATCH",
        f"{ITEM}/{sku}",
        MARKET,
        patch_body("replace", [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}]),
    )
    assert fulfillment(caller, sku)["attributes"]["fulfillment_availability"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 4}
    ]
    assert caller.client.get("/_sandbox/listings").json()["listings"][sku] == 4
    assert caller.client.get("/_sandbox/stats").json()["calls"]["patchListingsItem"] == 2


def test_unknown_sku_and_negative_quantity_are_invalid_and_change_nothing(
    caller: Caller, sandbox: AmazonSandbox
) -> None:
    unknown = caller.call(
        "PATCH",
        f"{ITEM}/NOPE",
        MARKET,
        patch_body("merge", [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]),
    )
    assert unknown.json()["status"] == "INVALID"
    assert "NOPE" in unknown.json()["issues"][0]["message"]
    negative = caller.call(
        "PATCH",
        f"{ITEM}/{SKUS[1]}",
        MARKET,
        patch_body("merge", [{"fulfillment_channel_code": "DEFAULT", "quantity": -2}]),
    )
    assert negative.json()["status"] == "INVALID"
    assert negative.json()["issues"][0]["severity"] == "ERROR"
    assert sandbox.listings.quantity(SKUS[1], UK.marketplace_id) == 3
    assert caller.call("GET", f"{ITEM}/NOPE", MARKET).status_code == 404


def test_listings_show_their_product_type_and_a_patch_under_another_is_invalid(
    caller: Caller, sandbox: AmazonSandbox
) -> None:
    hoodie = next(sku for sku in SKUS if sku.startswith("HOODIE"))
    item = caller.call("GET", f"{ITEM}/{hoodie}", MARKET)  # includedData defaults to summaries
    [summary] = item.json()["summaries"]
    assert (summary["marketplaceId"], summary["productType"]) == (UK.marketplace_id, "SWEATSHIRT")
    assert summary["asin"] == BY_SKU[hoodie].asin
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": 8}]
    wrong = caller.call("PATCH", f"{ITEM}/{hoodie}", MARKET, patch_body("merge", value, "SHIRT"))
    assert wrong.json()["status"] == "INVALID"
    [issue] = wrong.json()["issues"]
    assert issue["severity"] == "ERROR" and "SWEATSHIRT" in issue["message"]
    assert sandbox.listings.quantity(hoodie, UK.marketplace_id) == 3
    right = caller.call(
        "PATCH", f"{ITEM}/{hoodie}", MARKET, patch_body("merge", value, "SWEATSHIRT")
    )
    assert right.json()["status"] == "ACCEPTED"
    assert sandbox.listings.quantity(hoodie, UK.marketplace_id) == 8


def test_malformed_patch_body_is_400(caller: Caller) -> None:
    body = {"productType": "SHIRT", "patches": [{"op": "move", "path": "/attributes/x"}]}
    response = caller.call("PATCH", f"{ITEM}/{SKUS[0]}", MARKET, body, check=False)
    assert response.status_code == 400


def test_patch_burst_is_throttled_then_refills(caller: Caller, clock: ManualClock) -> None:
    body = patch_body("merge", [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}])
    codes = [caller.call("PATCH", f"{ITEM}/{SKUS[0]}", MARKET, body).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    clock.advance(seconds=1)
    assert caller.call("PATCH", f"{ITEM}/{SKUS[0]}", MARKET, body).status_code == 200


def test_search_by_sku_finds_listed_skus_with_quantity_and_product_type(caller: Caller) -> None:
    params = {
        **MARKET,
        "identifiers": f"{SKUS[0]},NOT-LISTED,{SKUS[7]}",
        "identifiersType": "SKU",
        "includedData": "summaries,fulfillmentAvailability",
        "pageSize": "20",
    }
    response = caller.call("GET", ITEM, params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberOfResults"] == 2 and "pagination" not in body
    assert [item["sku"] for item in body["items"]] == [SKUS[0], SKUS[7]]
    first = body["items"][0]
    assert first["summaries"][0]["productType"] == product_type(SKUS[0])
    assert first["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 3}
    ]


@pytest.mark.parametrize(
    ("params", "why"),
    [
        ({"identifiers": ",".join([*SKUS, "ONE-MORE"]), "identifiersType": "SKU"}, "at most 20"),
        ({"identifiers": SKUS[0]}, "go together"),
        ({"identifiers": "B0TEST", "identifiersType": "ASIN"}, "by SKU only"),
        ({"pageSize": "21"}, "pageSize"),
    ],
)
def test_search_refuses_what_the_model_does_not_allow(
    caller: Caller, params: dict[str, str], why: str
) -> None:
    response = caller.call("GET", ITEM, {**MARKET, **params}, check=False)
    assert response.status_code == 400 and why in response.text


def test_search_without_identifiers_pages_through_every_listing_sorted(caller: Caller) -> None:
    seen: list[str] = []
    params = {**MARKET, "sortBy": "sku", "sortOrder": "ASC", "pageSize": "7"}
    while True:
        body = caller.call("GET", ITEM, params).json()
        assert body["numberOfResults"] == len(SKUS)
        seen += [item["sku"] for item in body["items"]]
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            break
        params = {**params, "pageToken": token}
    assert seen == sorted(SKUS)


def submit(caller: Caller, content: bytes, content_type: str = JSON_CT) -> str:
    created = caller.call("POST", "/feeds/2021-06-30/documents", body={"contentType": content_type})
    assert created.status_code == 201
    url = created.json()["url"]
    assert (
        caller.client.put(url, content=content, headers={"content-type": content_type}).status_code
        == 200
    )
    spec = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [UK.marketplace_id],
        "inputFeedDocumentId": created.json()["feedDocumentId"],
    }
    response = caller.call("POST", "/feeds/2021-06-30/feeds", body=spec)
    assert response.status_code == 202, response.text
    feed_id: str = response.json()["feedId"]
    return feed_id


def feed_document(messages: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {"header": {"sellerId": DEFAULT_SELLER_ID, "version": "2.0"}, "messages": messages}
    ).encode()


def message(number: int, sku: str, quantity: Any, kind: str | None = None) -> dict[str, Any]:
    kind = kind or (product_type(sku) if sku in BY_SKU else "SHIRT")
    value = [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}]
    return {
        "messageId": number,
        "sku": sku,
        "operationType": "PATCH",
        **patch_body("merge", value, kind),
    }


def test_feed_lifecycle_and_per_message_errors_in_the_report(
    caller: Caller, clock: ManualClock, sandbox: AmazonSandbox
) -> None:
    bad_patch = {
        **message(4, SKUS[2], 1),
        "patches": [{"op": "merge", "path": "/nowhere", "value": [{}]}],
    }
    wrong_type = message(5, SKUS[3], 6, kind="HAT")
    feed_id = submit(
        caller,
        feed_document(
            [
                message(1, SKUS[0], 12),
                message(2, "GHOST", 1),
                message(3, SKUS[1], -5),
                bad_patch,
                wrong_type,
            ]
        ),
    )
    path = f"/feeds/2021-06-30/feeds/{feed_id}"
    assert caller.call("GET", path).json()["processingStatus"] == "IN_QUEUE"
    clock.advance(seconds=5)
    assert caller.call("GET", path).json()["processingStatus"] == "IN_PROGRESS"
    clock.advance(seconds=5)
    done = caller.call("GET", path).json()
    assert done["processingStatus"] == "DONE"
    document = caller.call(
        "GET", f"/feeds/2021-06-30/documents/{done['resultFeedDocumentId']}"
    ).json()
    report = caller.client.get(document["url"]).json()
    Draft7Validator(json.loads(REPORT_SCHEMA.read_text())).validate(report)
    assert report["summary"]["messagesAccepted"] == 1
    assert sorted(issue["messageId"] for issue in report["issues"]) == [2, 3, 4, 5]
    assert sandbox.listings.quantity(SKUS[0], UK.marketplace_id) == 12
    assert sandbox.listings.quantity(SKUS[1], UK.marketplace_id) == 3
    assert sandbox.listings.quantity(SKUS[3], UK.marketplace_id) == 3
    listed = caller.client.get("/_sandbox/feeds").json()["feeds"]
    assert [(f["feedId"], f["messages"]) for f in listed] == [(feed_id, 5)]


def test_feeds_can_be_made_slow_through_the_admin_api(caller: Caller, clock: ManualClock) -> None:
    """Amazon says a feed takes minutes to hours: a feed created after the change takes the new
    time, one already queued keeps its own."""
    quick = submit(caller, feed_document([message(1, SKUS[0], 4)]))
    slow_setting = caller.client.put("/_sandbox/feeds/processing", json={"seconds": 1800})
    assert slow_setting.json() == {"seconds": 1800}
    assert caller.client.get("/_sandbox/feeds/processing").json() == {"seconds": 1800}
    slow = submit(caller, feed_document([message(1, SKUS[1], 5)]))

    def status(feed_id: str) -> str:
        answer = caller.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
        return str(answer["processingStatus"])

    clock.advance(seconds=10)
    assert (status(quick), status(slow)) == ("DONE", "IN_QUEUE")
    clock.advance(seconds=1800 - 11)  # within the access token's hour
    assert status(slow) == "IN_PROGRESS"
    clock.advance(seconds=1)
    assert status(slow) == "DONE"
    assert caller.client.put("/_sandbox/feeds/processing", json={"seconds": -1}).status_code == 422


def report_of(caller: Caller, feed_id: str) -> dict[str, Any]:
    feed = caller.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
    document = caller.call(
        "GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}"
    ).json()
    report: dict[str, Any] = caller.client.get(document["url"]).json()
    return report


def test_a_feed_level_error_names_no_message_and_applies_nothing(
    caller: Caller, sandbox: AmazonSandbox
) -> None:
    armed = caller.client.post("/_sandbox/feeds/feed-level-error", json={"code": "4000001"})
    assert armed.status_code == 200
    feed_id = submit(caller, feed_document([message(1, SKUS[0], 12), message(2, SKUS[1], 4)]))
    caller.client.post("/_sandbox/feeds/process")
    report = report_of(caller, feed_id)
    Draft7Validator(json.loads(REPORT_SCHEMA.read_text())).validate(report)
    [issue] = report["issues"]
    assert "messageId" not in issue and "sku" not in issue and issue["severity"] == "ERROR"
    assert (report["summary"]["messagesAccepted"], report["summary"]["messagesInvalid"]) == (0, 2)
    assert {sandbox.listings.quantity(s, UK.marketplace_id) for s in SKUS[:2]} == {3}
    again = submit(caller, feed_document([message(1, SKUS[0], 12)]))  # the knob fires once
    caller.client.post("/_sandbox/feeds/process")
    assert report_of(caller, again)["issues"] == []


def test_invalid_json_or_envelope_is_fatal_and_admin_processes_now(caller: Caller) -> None:
    not_json = submit(caller, b"{oops")
    too_few = submit(caller, feed_document([]))
    processed = caller.client.post("/_sandbox/feeds/process").json()["processed"]
    assert processed == [not_json, too_few]
    for feed_id in processed:
        feed = caller.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}").json()
        assert feed["processingStatus"] == "FATAL"
        assert "resultFeedDocumentId" not in feed


def test_upload_must_use_the_documents_content_type(caller: Caller) -> None:
    created = caller.call(
        "POST", "/feeds/2021-06-30/documents", body={"contentType": JSON_CT}
    ).json()
    assert (
        caller.client.put(
            created["url"], content=b"{}", headers={"content-type": "text/plain"}
        ).status_code
        == 403
    )


def test_sixth_listings_feed_in_five_minutes_is_quota_exceeded(
    caller: Caller, clock: ManualClock
) -> None:
    for _ in range(5):
        submit(caller, feed_document([message(1, SKUS[0], 1)]))
    created = caller.call(
        "POST", "/feeds/2021-06-30/documents", body={"contentType": JSON_CT}
    ).json()
    spec = {
        "feedType": "JSON_LISTINGS_FEED",
        "marketplaceIds": [UK.marketplace_id],
        "inputFeedDocumentId": created["feedDocumentId"],
    }
    refused = caller.call("POST", "/feeds/2021-06-30/feeds", body=spec)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "QuotaExceeded"
    clock.advance(seconds=301)
    assert caller.call("POST", "/feeds/2021-06-30/feeds", body=spec).status_code == 202
