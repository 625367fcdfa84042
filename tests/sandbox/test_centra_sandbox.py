"""The Centra sandbox's transport and orders: bearer or cookie auth, per-field permissions with
Centra's names, the documented rate-limit buckets with a Retry-After timestamp, GraphQL error
handling, and the orders query's documented semantics (held and waiting-for-payment orders
hidden unless filtered for, DateTimeTz filters, quantities without cancelled units)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sandbox.centra.catalogue import (
    CATALOGUE,
    CLICK_AND_COLLECT,
    EU_COUNTRIES,
    SKUS,
    STANDARD_UK,
    UNMAPPED_SHIPPING_OPTIONS,
    WAREHOUSE,
)
from sandbox.centra.ratelimits import PUBLISHED_QUOTAS, Quota, published_quotas
from sandbox.centra.tokens import DEFAULT_TOKEN, EVENT_READ, ORDER_READ
from tests.sandbox.test_centra_sandbox_support import START, Centra

ORDERS = "query { orders { number status } }"
RATE_LIMITS = "query { rateLimits { type intervalSeconds quota usedQuota remainingQuota } }"
FIND = """query Find($w: OrderFilter, $limit: Int, $page: Int) {
  orders(where: $w, limit: $limit, page: $page) { number } }"""
CANCEL_LINES = """mutation Cancel($n: Int!, $lines: [OrderLineCancelInput!]) {
  updateDirectToConsumerOrder(order: {number: $n}, input: {cancelLines: $lines}) {
    order { number } userErrors { message path } userWarnings { message } } }"""


@pytest.fixture
def centra() -> Centra:
    return Centra()


def find(centra: Centra, where: dict[str, Any] | None = None, **paging: int) -> list[int]:
    found = centra.data(FIND, {"w": where, **paging})["orders"]
    return [o["number"] for o in found]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "x"}])
def test_missing_or_wrong_token_is_401(centra: Centra, headers: dict[str, str]) -> None:
    response = centra.client.post("/graphql", json={"query": ORDERS}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Unauthorized"}]}
    assert centra.sandbox.stats()["unauthorized"] == 1


def test_the_graphql_access_cookie_authenticates_too(centra: Centra) -> None:
    centra.client.cookies.set("graphql-access", DEFAULT_TOKEN)
    assert centra.client.post("/graphql", json={"query": ORDERS}).status_code == 200


def test_missing_permission_fails_the_field_with_category_authorization(centra: Centra) -> None:
    centra.client.put(
        "/_sandbox/tokens", json={"token": "events-only", "permissions": [EVENT_READ]}
    )
    body = centra.gql(ORDERS, token="events-only")
    assert body["data"] is None  # orders is non-null, so the null propagates to data
    [error] = body["errors"]
    assert error["message"].startswith("You need Order:read permission")
    assert error["extensions"] == {"category": "authorization"}
    assert error["path"] == ["orders"]
    assert body["extensions"]["permissionsUsed"] == []


def test_nested_permissions_are_named_after_the_field(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    centra.client.put("/_sandbox/tokens", json={"token": "orders", "permissions": [ORDER_READ]})
    body = centra.gql("{ orders { number shippingAddress { city } } }", token="orders")
    [error] = body["errors"]
    assert error["message"].startswith("You need Order.shippingAddress:read permission")
    assert body["data"]["orders"] == [{"number": 10001, "shippingAddress": None}]


def test_rate_limits_need_no_permission_and_permissions_used_are_reported(centra: Centra) -> None:
    centra.client.put("/_sandbox/tokens", json={"token": "bare", "permissions": []})
    assert centra.gql(RATE_LIMITS, token="bare")["extensions"]["permissionsUsed"] == []
    body = centra.gql("query Both { orders { number } events { id } }")
    assert body["extensions"]["permissionsUsed"] == ["Event:read", "Order:read"]


def test_unknown_permission_is_refused_by_admin(centra: Centra) -> None:
    response = centra.client.put("/_sandbox/tokens", json={"token": "t", "permissions": ["X:y"]})
    assert response.status_code == 422


def test_the_published_quotas_are_the_default() -> None:
    centra = Centra(quotas=None)
    limits = centra.data(RATE_LIMITS)["rateLimits"]
    assert [(r["type"], r["intervalSeconds"], r["quota"]) for r in limits] == [
        (q.type, q.interval, q.quota) for q in PUBLISHED_QUOTAS
    ]
    assert limits[0]["usedQuota"] == 1  # this request itself


def test_twenty_requests_per_ten_seconds_then_429_with_a_retry_after_timestamp() -> None:
    centra = Centra(quotas=None)
    for _ in range(20):
        assert centra.post(ORDERS).status_code == 200
        centra.clock.advance(seconds=0.25)  # 20 requests in 5 s
    response = centra.post(ORDERS)
    assert response.status_code == 429
    # The first request (t=0) leaves the window at t=10: the timestamp says so.
    assert response.headers["Retry-After"] == str(int((START + timedelta(seconds=10)).timestamp()))
    assert response.json()["errors"][0]["message"].startswith("Too Many Requests")
    centra.clock.advance(seconds=5)
    assert centra.post(ORDERS).status_code == 200
    assert centra.sandbox.stats()["throttled"] == 1


def test_complexity_and_mutation_buckets() -> None:
    centra = Centra(
        quotas=[
            Quota(type="QUERY_COMPLEXITY", interval="TEN_SECONDS", quota=7),
            Quota(type="MUTATION_COUNT", interval="ONE_HOUR", quota=1),
        ]
    )
    assert centra.post("query { orders { number status } }").status_code == 200  # 3 fields
    assert centra.post("query { orders { id number status isOnHold } }").status_code == 429
    confirm = "mutation { confirmEvents(input: {eventsIds: []}) { userErrors { message } } }"
    assert centra.post(confirm).status_code == 200
    centra.clock.advance(seconds=60)  # the complexity window has passed, the hourly one not
    response = centra.post(confirm)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(int((START + timedelta(hours=1)).timestamp()))


def test_two_mutations_in_one_request_count_twice() -> None:
    centra = Centra(quotas=[Quota(type="MUTATION_COUNT", interval="TEN_SECONDS", quota=1)])
    both = """mutation { a: confirmEvents(input: {eventsIds: []}) { userErrors { message } }
                         b: confirmEvents(input: {eventsIds: []}) { userErrors { message } } }"""
    assert centra.post(both).status_code == 429


def test_rate_limits_query_reports_usage_per_bucket(centra: Centra) -> None:
    centra.gql(ORDERS)
    limits = centra.data(RATE_LIMITS)["rateLimits"]
    by_key = {(r["type"], r["intervalSeconds"]): r for r in limits}
    assert by_key[("REQUEST_COUNT", "TEN_SECONDS")]["usedQuota"] == 2  # orders and this one
    assert by_key[("QUERY_COMPLEXITY", "TEN_SECONDS")]["usedQuota"] == 3 + 6
    assert by_key[("MUTATION_COUNT", "ONE_HOUR")]["usedQuota"] == 0
    requests = by_key[("REQUEST_COUNT", "TEN_SECONDS")]
    assert requests["remainingQuota"] == requests["quota"] - 2
    filtered = centra.data("{ rateLimits(where: {type: [MUTATION_COUNT]}) { type } }")
    assert [r["type"] for r in filtered["rateLimits"]] == ["MUTATION_COUNT"] * 2


def test_admin_rate_limits_replace_quotas(centra: Centra) -> None:
    quotas = [{"type": "REQUEST_COUNT", "interval": "TEN_SECONDS", "quota": 1}]
    assert centra.client.put("/_sandbox/rate-limits", json={"quotas": quotas}).status_code == 200
    assert centra.post(ORDERS).status_code == 200
    assert centra.post(ORDERS).status_code == 429


def test_syntax_and_validation_errors_are_200_with_errors(centra: Centra) -> None:
    for query in ("{ orders ", "{ orders { nope } }", "{ orders { currency } }"):
        response = centra.post(query)
        assert response.status_code == 200
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"]
    assert centra.client.post("/graphql", content=b"not json").status_code == 400


def test_a_documented_field_the_sandbox_does_not_simulate_says_so(centra: Centra) -> None:
    body = centra.gql("{ orderConnection(first: 1) { totalCount } }")
    assert "not simulated by the sandbox" in body["errors"][0]["message"]


def test_orders_filter_by_number_status_dates_and_paginate(centra: Centra) -> None:
    for day in range(5):
        centra.create_orders(
            {
                "lines": [{"SKU": SKUS[day], "quantity": 1}],
                "created_at": (START + timedelta(days=day)).isoformat(),
                "status": "PENDING" if day == 4 else "CONFIRMED",
            }
        )
    assert find(centra) == [10001, 10002, 10003, 10004, 10005]
    assert find(centra, {"number": [10002, 10004]}) == [10002, 10004]
    assert find(centra, {"number": 10003}) == [10003]  # a single Int, as Centra's example
    assert find(centra, {"status": ["PENDING"]}) == [10005]
    offset = {"from": "2026-03-03T01:00:00+01:00", "to": "2026-03-04T23:59:59Z"}
    assert find(centra, {"createdAt": offset}) == [10002, 10003]
    local = {"from": "2026-03-05 00:00:00"}  # no offset: the instance's time (Stockholm)
    assert find(centra, {"createdAt": local}) == [10004, 10005]
    assert find(centra, limit=2, page=2) == [10003, 10004]
    assert find(centra, limit=2, page=3) == [10005]
    assert find(centra, limit=2, page=4) == []


def test_updated_at_moves_with_every_change_and_filters(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]}, {"lines": [{"SKU": "TEE200WHTM"}]})
    centra.clock.advance(hours=2)
    centra.client.post("/_sandbox/orders/10002/cancel")
    since = {"updatedAt": {"from": (START + timedelta(hours=1)).isoformat()}}
    assert find(centra, since) == [10002]
    assert centra.order(10002)["updatedAt"] == "2026-03-02T13:00:00+01:00"


def test_held_and_unpaid_orders_are_hidden_unless_filtered_for(centra: Centra) -> None:
    centra.create_orders(
        {"lines": [{"SKU": "CAP600BLKOS"}]},
        {"lines": [{"SKU": "CAP600BLKOS"}], "on_hold": True},
        {"lines": [{"SKU": "CAP600BLKOS"}], "waiting_for_payment": True},
        {"lines": [{"SKU": "CAP600BLKOS"}], "on_hold": True, "waiting_for_payment": True},
    )
    assert find(centra) == [10001]
    assert find(centra, {"number": [10002, 10003, 10004]}) == []
    assert find(centra, {"isOnHold": True}) == [10002]
    assert find(centra, {"isWaitingForPayment": True}) == [10003]
    assert find(centra, {"isOnHold": True, "isWaitingForPayment": True}) == [10004]
    assert find(centra, {"isOnHold": False}) == [10001]
    assert centra.order(10003, isWaitingForPayment=True)["orderHoldReason"] == "WAITING_FOR_PAYMENT"


def test_order_shape_money_and_documented_fields(centra: Centra) -> None:
    [created] = centra.create_orders(
        {"lines": [{"SKU": "JKT100BLKM", "quantity": 2}], "country": "GB"}
    )
    order = centra.order(created["number"])
    assert order["status"] == "CONFIRMED" and order["isOnHold"] is False
    assert len(order["id"]) == 32 and order["number"] == 10001  # hash id vs number
    assert order["grandTotal"]["currency"] == {"code": "GBP"}  # no Order.currency field
    assert order["shippingPriceGroup"]["shippingOption"] == {"id": 3, "name": STANDARD_UK.name}
    assert order["shippingAddress"]["country"] == {"code": "GB"}
    assert order["createdAt"] == "2026-03-02T11:00:00+01:00"  # Y-m-d\TH:i:sP, instance zone
    [line] = order["lines"]
    assert line["productSize"]["SKU"] == "JKT100BLKM" and line["productSize"]["sizeNumber"] == "M"
    assert len(line["productSize"]["EAN"]) == 13
    assert line["productNumber"] == "JKT100" and line["quantity"] == 2
    assert line["unitPrice"]["currency"] == {"code": "GBP"}
    assert line["unitPrice"]["formattedValue"].endswith(" GBP")
    [auth] = order["paymentHistory"]
    assert (auth["entryType"], auth["status"]) == ("AUTH", "SUCCESS")


def test_a_date_field_prints_with_its_format_argument(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}]})
    query = """{ orders { a: createdAt b: createdAt(format: "Y-m-d\\\\TH:i:sO")
                          c: createdAt(format: "U") } }"""
    [order] = centra.data(query)["orders"]
    assert order == {
        "a": "2026-03-02T11:00:00+01:00",
        "b": "2026-03-02T11:00:00+0100",
        "c": str(int(START.timestamp())),
    }


def test_quantity_excludes_cancelled_units_and_fully_cancelled_lines_are_hidden(
    centra: Centra,
) -> None:
    [created] = centra.create_orders(
        {"lines": [{"SKU": "TEE200WHTM", "quantity": 10}, {"SKU": "CAP600BLKOS", "quantity": 1}]}
    )
    first, second = (line["id"] for line in created["lines"])
    cancel = [
        {
            "line": {"id": first},
            "quantity": 1,
            "stockActionPolicy": {"releaseItemsBackToWarehouse": True},
        }
    ]
    cancel.append(
        {
            "line": {"id": second},
            "quantity": 1,
            "stockActionPolicy": {"releaseItemsBackToWarehouse": True},
        }
    )
    payload = centra.mutate(
        CANCEL_LINES, {"n": 10001, "lines": cancel}, "updateDirectToConsumerOrder"
    )
    assert payload["userErrors"] == []
    order = centra.order(10001)
    assert [(ln["id"], ln["quantity"], ln["cancelledQuantity"]) for ln in order["lines"]] == [
        (first, 9, 1),
        (second, 0, 1),
    ]
    assert order["totals"] == {
        "quantity": 9,
        "originalQuantity": 11,
        "cancelledQuantity": 2,
        "unexpeditedQuantity": 9,
    }
    default = centra.data("{ orders { lines { id quantity } } }")["orders"][0]["lines"]
    assert default == [{"id": first, "quantity": 9}]  # the fully cancelled line is left out
    too_many = [
        {
            "line": {"id": first},
            "quantity": 10,
            "stockActionPolicy": {"releaseItemsBackToWarehouse": True},
        }
    ]
    refused = centra.mutate(
        CANCEL_LINES, {"n": 10001, "lines": too_many}, "updateDirectToConsumerOrder"
    )
    assert refused["order"] is None and refused["userErrors"][0]["path"][-1] == "quantity"


def test_cancelling_a_whole_order_leaves_line_quantities(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "TEE200WHTM", "quantity": 3}]})
    centra.client.post("/_sandbox/orders/10001/cancel")
    order = centra.order(10001)
    assert order["status"] == "CANCELLED"
    assert [(ln["quantity"], ln["cancelledQuantity"]) for ln in order["lines"]] == [(3, 0)]


def test_a_cell_phone_only_address(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": "CAP600BLKOS"}], "phone": "cellPhoneNumber"})
    address = centra.order(10001)["shippingAddress"]
    assert address["phoneNumber"] is None and address["cellPhoneNumber"].startswith("+46")


def test_catalogue_skus_are_product_variant_size_with_valid_eans() -> None:
    assert len(CATALOGUE) == 15 and WAREHOUSE.id == 1
    for size in CATALOGUE:
        assert size.sku == size.product_number + size.variant_number + size.size_number
        digits = [int(d) for d in size.gtin]
        assert len(digits) == 13
        assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    assert "JKT100BLKM" in SKUS
    assert UNMAPPED_SHIPPING_OPTIONS == (CLICK_AND_COLLECT,)


def test_products_variants_and_sizes_are_read_as_documented(centra: Centra) -> None:
    query = """{ products(limit: 2) { id productNumber variants { variantNumber
                 productSizes { id SKU EAN sizeNumber description } } } }"""
    jacket = centra.data(query)["products"][0]
    assert jacket["productNumber"] == "JKT100"
    assert [v["variantNumber"] for v in jacket["variants"]] == ["BLK", "NVY"]
    size = jacket["variants"][0]["productSizes"][1]
    assert size["SKU"] == "JKT100BLKM" and size["description"] == "M"
    one = centra.data('{ productSizes(where: {SKU: {contains: "JKT100BLKM"}}) { id SKU } }')
    assert one["productSizes"] == [{"id": size["id"], "SKU": "JKT100BLKM"}]


def test_generated_orders_follow_the_mix(centra: Centra) -> None:
    request = {"count": 40, "seed": 3, "held_share": 0.3, "include_unmapped_shipping": True}
    response = centra.client.post("/_sandbox/orders", json=request)
    assert response.status_code == 201
    orders = response.json()["orders"]
    assert len(orders) == 40
    assert any(o["is_on_hold"] for o in orders)
    assert orders[0]["shipping_option"]["name"] == CLICK_AND_COLLECT.name
    countries = {o["address"]["country_code"] for o in orders}
    assert countries & set(EU_COUNTRIES) and countries - set(EU_COUNTRIES) - {"GB"}
    assert any(len(o["lines"]) > 1 for o in orders)
    again = Centra().client.post("/_sandbox/orders", json=request)
    assert again.json()["orders"] == orders  # deterministic per seed


def test_injected_errors_use_centra_error_bodies_and_spare_admin(centra: Centra) -> None:
    assert centra.client.put("/_sandbox/faults", json={"error_rate": 1.0}).status_code == 200
    response = centra.post(ORDERS)
    assert response.status_code == 503
    assert response.json() == {"errors": [{"message": "Service Unavailable"}]}
    assert centra.client.get("/_sandbox/stats").json()["calls"] == 0


def test_an_injected_throttle_also_carries_a_timestamp(centra: Centra) -> None:
    centra.client.put("/_sandbox/faults", json={"throttle_rate": 1.0})
    response = centra.post(ORDERS)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 1_000_000_000


def test_a_quota_scaled_past_32_bits_is_reported_at_the_int_bound() -> None:
    """The demo scales Centra's quotas millions of times: rateLimits must still be valid GraphQL
    (Int is 32-bit), or the worker's credential check reads an error (before: 'Int cannot
    represent non 32-bit signed integer value: 3999999997')."""
    centra = Centra(quotas=published_quotas(4_000_000))
    limits = centra.data(RATE_LIMITS)["rateLimits"]
    assert max(r["quota"] for r in limits) == 2**31 - 1
    assert all(0 <= r["remainingQuota"] <= 2**31 - 1 for r in limits)
