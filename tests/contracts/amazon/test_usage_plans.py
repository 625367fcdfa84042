"""Usage plans and rate-limit headers as Amazon's models state them: the rate and burst in each
operation's description are the ones consign's task queues enforce and the sandbox meters, and
the sandbox sends x-amzn-RateLimit-Limit only on the statuses the models declare it for (never
on a 429 of Orders, Listings Items or Feeds), so no client can come to depend on it there."""

from __future__ import annotations

import re
from typing import Any

import pytest

from integrations.amazon.usage_plans import USAGE_PLANS, Operation
from sandbox.amazon.guard import rate_limit_declared
from sandbox.amazon.usage_plans import AMAZON_PLANS
from tests.support.spapi_models import (
    FEEDS,
    LISTINGS,
    ORDERS_V0,
    ORDERS_V2026,
    REPORTS,
    TOKENS,
    load_model,
)

# consign's operation -> (model, operationId, the sandbox's meter name)
OPERATIONS: dict[Operation, tuple[str, str, str]] = {
    Operation.SEARCH_ORDERS: (ORDERS_V2026, "searchOrders", "searchOrders"),
    Operation.GET_ORDER: (ORDERS_V2026, "getOrder", "getOrder:2026-01-01"),
    Operation.V0_GET_ORDERS: (ORDERS_V0, "getOrders", "getOrders"),
    Operation.V0_GET_ORDER: (ORDERS_V0, "getOrder", "getOrder:v0"),
    Operation.V0_GET_ORDER_ITEMS: (ORDERS_V0, "getOrderItems", "getOrderItems"),
    Operation.V0_GET_ORDER_ADDRESS: (ORDERS_V0, "getOrderAddress", "getOrderAddress"),
    Operation.CREATE_RESTRICTED_DATA_TOKEN: (
        TOKENS,
        "createRestrictedDataToken",
        "createRestrictedDataToken",
    ),
    Operation.CONFIRM_SHIPMENT: (ORDERS_V0, "confirmShipment", "confirmShipment"),
    Operation.PATCH_LISTINGS_ITEM: (LISTINGS, "patchListingsItem", "patchListingsItem"),
    Operation.GET_LISTINGS_ITEM: (LISTINGS, "getListingsItem", "getListingsItem"),
    Operation.SEARCH_LISTINGS_ITEMS: (LISTINGS, "searchListingsItems", "searchListingsItems"),
    Operation.CREATE_FEED_DOCUMENT: (FEEDS, "createFeedDocument", "createFeedDocument"),
    Operation.CREATE_FEED: (FEEDS, "createFeed", "createFeed"),
    Operation.GET_FEED: (FEEDS, "getFeed", "getFeed"),
    Operation.GET_FEED_DOCUMENT: (FEEDS, "getFeedDocument", "getFeedDocument"),
    Operation.GET_REPORTS: (REPORTS, "getReports", "getReports"),
    Operation.GET_REPORT_DOCUMENT: (REPORTS, "getReportDocument", "getReportDocument"),
    Operation.CREATE_REPORT: (REPORTS, "createReport", "createReport"),
    Operation.GET_REPORT: (REPORTS, "getReport", "getReport"),
}
_PLAN_ROW = re.compile(
    r"\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-\s|]+\|\s*\n"
    r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|"
)


def _operations(relative: str) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in load_model(relative)["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def published_plan(relative: str, operation_id: str) -> tuple[float, int]:
    description = _operations(relative)[operation_id]["description"]
    match = _PLAN_ROW.search(description)
    assert match, f"{operation_id}: no usage-plan table in the model's description"
    return float(match.group(1)), int(match.group(2))


def test_every_operation_consign_calls_is_mapped() -> None:
    assert set(OPERATIONS) == set(USAGE_PLANS)


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_consign_and_the_sandbox_use_the_published_plan(operation: Operation) -> None:
    relative, operation_id, meter = OPERATIONS[operation]
    rate, burst = published_plan(relative, operation_id)
    plan = USAGE_PLANS[operation]
    assert (plan.rate, plan.burst) == (rate, burst)
    assert (AMAZON_PLANS[meter].rate, AMAZON_PLANS[meter].burst) == (rate, burst)


@pytest.mark.parametrize("relative", [ORDERS_V0, ORDERS_V2026, TOKENS, LISTINGS, FEEDS])
def test_the_sandbox_sends_the_rate_limit_header_only_where_declared(relative: str) -> None:
    for operation_id, operation in _operations(relative).items():
        for status, response in operation["responses"].items():
            if status.isdigit() and rate_limit_declared(int(status)):
                declared = {name.lower() for name in response.get("headers", {})}
                assert "x-amzn-ratelimit-limit" in declared, (operation_id, status)


@pytest.mark.parametrize("relative", [ORDERS_V0, ORDERS_V2026, LISTINGS, FEEDS])
def test_a_429_declares_no_rate_limit_header(relative: str) -> None:
    """The fact consign's backoff is built on (the Tokens model alone declares one)."""
    for operation_id, operation in _operations(relative).items():
        headers = operation["responses"]["429"].get("headers", {})
        assert set(headers) == {"x-amzn-RequestId"}, operation_id
