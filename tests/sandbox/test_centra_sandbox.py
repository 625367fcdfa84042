"""The Centra sandbox's transport: bearer auth, per-field permissions, the three rate-limit
buckets with Retry-After, GraphQL error handling, and the orders query."""

from __future__ import annotations

from datetime import timedelta

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
from sandbox.centra.ratelimits import Quota
from sandbox.centra.tokens import EVENT_READ
from tests.sandbox.test_centra_sandbox_support import ORDER_QUERY, START, Centra

ORDERS = "query { orders { number status } }"
RATE_LIMITS = "query { rateLimits { type intervalSeconds quota usedQuota remainingQuota } }"


@pytest.fixture
def centra() -> Centra:
    return Centra()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "x"}])
def test_missing_or_wrong_token_is_401(centra: Centra, headers: dict[str, str]) -> None:
    response = centra.client.post("/graphql", json={"query": ORDERS}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Unauthorized"}]}
    assert centra.sandbox.stats()["unauthorized"] == 1


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


def test_rate_limits_need_no_permission_and_permissions_used_are_reported(centra: Centra) -> None:
    centra.client.put("/_sandbox/tokens", json={"token": "bare", "permissions": []})
    assert centra.gql(RATE_LIMITS, token="bare")["extensions"]["permissionsUsed"] == []
    body = centra.gql("query Both { orders { number } events { id } }")
    assert body["extensions"]["permissionsUsed"] == ["Event:read", "Order:read"]


def test_unknown_permission_is_refused_by_admin(centra: Centra) -> None:
    response = centra.client.put("/_sandbox/tokens", json={"token": "t", "permissions": ["X:y"]})
    assert response.status_code == 422


def test_requests_bucket_gives_429_with_retry_after_until_the_window_slides() -> None:
    centra = Centra(quotas=[Quota(type="requests", interval_seconds=10, quota=3)])
    for _ in range(3):
        centra.gql(RATE_LIMITS)
        centra.clock.advance(seconds=2)
    response = centra.post(RATE_LIMITS)  # t=6: the first call (t=0) expires at t=10
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "4"
    assert response.json()["errors"][0]["message"].startswith("Too Many Requests")
    centra.clock.advance(seconds=4)
    assert centra.post(RATE_LIMITS).status_code == 200
    assert centra.sandbox.stats()["throttled"] == 1


def test_complexity_and_mutation_buckets() -> None:
    centra = Centra(
        quotas=[
            Quota(type="complexity", interval_seconds=10, quota=7),
            Quota(type="mutations", interval_seconds=3600, quota=1),
        ]
    )
    assert centra.post("query { orders { number status } }").status_code == 200  # 3 fields
    assert centra.post("query { orders { id number status currency } }").status_code == 429
    confirm = "mutation { confirmEvents(input: {eventsIds: []}) { userErrors { message } } }"
    assert centra.post(confirm).status_code == 200
    centra.clock.advance(seconds=60)  # the complexity window has passed, the hourly one not
    response = centra.post(confirm)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3540"


def test_rate_limits_query_reports_usage_per_bucket() -> None:
    centra = Centra()
    centra.gql(ORDERS)
    limits = centra.data(RATE_LIMITS)["rateLimits"]
    by_key = {(r["type"], r["intervalSeconds"]): r for r in limits}
    assert set(by_key) == {
        (kind, seconds)
        for kind in ("requests", "complexity", "mutations")
        for seconds in (10, 3600)
    }
    assert by_key[("requests", 10)]["usedQuota"] == 2  # the orders call and this one
    assert by_key[("complexity", 10)]["usedQuota"] == 3 + 6
    assert by_key[("mutations", 10)]["usedQuota"] == 0
    requests = by_key[("requests", 10)]
    assert requests["remainingQuota"] == requests["quota"] - 2


def test_admin_rate_limits_replace_quotas(centra: Centra) -> None:
    quotas = [{"type": "requests", "interval_seconds": 10, "quota": 1}]
    assert centra.client.put("/_sandbox/rate-limits", json={"quotas": quotas}).status_code == 200
    assert centra.post(ORDERS).status_code == 200
    assert centra.post(ORDERS).status_code == 429


def test_syntax_and_validation_errors_are_200_with_errors(centra: Centra) -> None:
    for query in ("{ orders ", "{ orders { nope } }"):
        response = centra.post(query)
        assert response.status_code == 200
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"]
    assert centra.client.post("/graphql", content=b"not json").status_code == 400


def test_orders_filter_by_number_status_created_at_and_paginate(centra: Centra) -> None:
    for day in range(5):
        centra.create_orders(
            {
                "lines": [{"SKU": SKUS[day], "quantity": 1}],
                "created_at": (START + timedelta(days=day)).isoformat(),
                "status": "PENDING" if day == 4 else "CONFIRMED",
            }
        )
    numbers = [o["number"] for o in centra.data(ORDERS)["orders"]]
    assert numbers == [10001, 10002, 10003, 10004, 10005]

    query = """query Find($w: OrderFilter, $limit: Int, $page: Int) {
      orders(where: $w, limit: $limit, page: $page) { number status createdAt } }"""

    def find(where: dict | None = None, limit: int = 20, page: int = 1) -> list[int]:
        found = centra.data(query, {"w": where, "limit": limit, "page": page})["orders"]
        return [o["number"] for o in found]

    assert find({"number": [10002, 10004]}) == [10002, 10004]
    assert find({"status": ["PENDING"]}) == [10005]
    window = {"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T23:59:59Z"}
    assert find({"createdAt": window}) == [10002, 10003]
    assert find(limit=2, page=2) == [10003, 10004]
    assert find(limit=2, page=3) == [10005]
    assert find(limit=2, page=4) == []


def test_order_shape_lines_and_address(centra: Centra) -> None:
    [created] = centra.create_orders(
        {"lines": [{"SKU": "JKT100BLKM", "quantity": 2}], "country": "GB", "on_hold": True}
    )
    order = centra.order(created["number"])
    assert order["status"] == "CONFIRMED" and order["isOnHold"] is True
    assert order["currency"] == "GBP"
    assert order["shippingPriceGroup"]["shippingOption"] == {"id": 3, "name": STANDARD_UK.name}
    assert order["shippingAddress"]["country"]["code"] == "GB"
    [line] = order["lines"]
    assert line["productSize"] == {
        "SKU": "JKT100BLKM",
        "GTIN": line["productSize"]["GTIN"],
        "sizeNumber": "M",
    }
    assert line["productNumber"] == "JKT100" and line["quantity"] == 2
    assert line["unitPrice"]["currency"] == "GBP"


def test_catalogue_skus_are_product_variant_size_with_valid_gtins() -> None:
    assert len(CATALOGUE) == 15 and WAREHOUSE.id == 1
    for size in CATALOGUE:
        assert size.sku == size.product_number + size.variant_number + size.size_number
        digits = [int(d) for d in size.gtin]
        assert len(digits) == 13
        assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
    assert "JKT100BLKM" in SKUS
    assert UNMAPPED_SHIPPING_OPTIONS == (CLICK_AND_COLLECT,)


def test_generated_orders_follow_the_mix(centra: Centra) -> None:
    response = centra.client.post(
        "/_sandbox/orders",
        json={"count": 40, "seed": 3, "held_share": 0.3, "include_unmapped_shipping": True},
    )
    assert response.status_code == 201
    orders = response.json()["orders"]
    assert len(orders) == 40
    assert any(o["is_on_hold"] for o in orders)
    assert orders[0]["shipping_option"]["name"] == CLICK_AND_COLLECT.name
    countries = {o["address"]["country_code"] for o in orders}
    assert countries & set(EU_COUNTRIES) and countries - set(EU_COUNTRIES) - {"GB"}
    assert any(len(o["lines"]) > 1 for o in orders)
    again = Centra().client.post(
        "/_sandbox/orders",
        json={"count": 40, "seed": 3, "held_share": 0.3, "include_unmapped_shipping": True},
    )
    assert again.json()["orders"] == orders  # deterministic per seed


def test_full_order_query_validates(centra: Centra) -> None:
    centra.create_orders({"lines": [{"SKU": SKUS[0]}, {"SKU": SKUS[1], "quantity": 2}]})
    assert len(centra.data(ORDER_QUERY, {"n": None})["orders"]) == 1


def test_injected_errors_use_centra_error_bodies_and_spare_admin() -> None:
    centra = Centra(quotas=[Quota(type="requests", interval_seconds=10, quota=100)])
    assert centra.client.put("/_sandbox/faults", json={"error_rate": 1.0}).status_code == 200
    response = centra.post(ORDERS)
    assert response.status_code == 503
    assert response.json() == {"errors": [{"message": "Service Unavailable"}]}
    assert centra.client.get("/_sandbox/stats").json()["calls"] == 0
