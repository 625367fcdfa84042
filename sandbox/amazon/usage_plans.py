"""Amazon's usage plans as token buckets, per seller and operation.

A bucket holds up to `burst` tokens and refills at `rate` per second (times `rate_scale`,
so the demo can run faster than Amazon's plan). Time comes from the sandbox clock, which
lets tests exhaust or refill buckets without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

SEARCH_ORDERS = "searchOrders"
GET_ORDER_2026 = "getOrder:2026-01-01"
GET_ORDERS = "getOrders"
GET_ORDER_V0 = "getOrder:v0"
GET_ORDER_ITEMS = "getOrderItems"
GET_ORDER_ADDRESS = "getOrderAddress"
GET_ORDER_BUYER_INFO = "getOrderBuyerInfo"
CREATE_RESTRICTED_DATA_TOKEN = "createRestrictedDataToken"
CONFIRM_SHIPMENT = "confirmShipment"
PATCH_LISTINGS_ITEM = "patchListingsItem"
GET_LISTINGS_ITEM = "getListingsItem"
SEARCH_LISTINGS_ITEMS = "searchListingsItems"
CREATE_FEED_DOCUMENT = "createFeedDocument"
CREATE_FEED = "createFeed"
GET_FEED = "getFeed"
GET_FEED_DOCUMENT = "getFeedDocument"
GET_REPORTS = "getReports"
GET_REPORT = "getReport"
CREATE_REPORT = "createReport"
GET_REPORT_DOCUMENT = "getReportDocument"
GET_DESTINATIONS = "getDestinations"
CREATE_DESTINATION = "createDestination"
GET_SUBSCRIPTION = "getSubscription"
CREATE_SUBSCRIPTION = "createSubscription"


@dataclass(frozen=True)
class Plan:
    rate: float  # requests per second
    burst: int


AMAZON_PLANS: dict[str, Plan] = {
    SEARCH_ORDERS: Plan(0.0056, 20),
    GET_ORDER_2026: Plan(0.5, 30),
    GET_ORDERS: Plan(0.0167, 20),
    GET_ORDER_V0: Plan(0.5, 30),
    GET_ORDER_ITEMS: Plan(0.5, 30),
    GET_ORDER_ADDRESS: Plan(0.5, 30),
    GET_ORDER_BUYER_INFO: Plan(0.5, 30),
    CREATE_RESTRICTED_DATA_TOKEN: Plan(1.0, 10),
    CONFIRM_SHIPMENT: Plan(2.0, 10),
    PATCH_LISTINGS_ITEM: Plan(5.0, 5),
    GET_LISTINGS_ITEM: Plan(5.0, 10),
    SEARCH_LISTINGS_ITEMS: Plan(5.0, 5),
    CREATE_FEED_DOCUMENT: Plan(0.5, 15),
    CREATE_FEED: Plan(0.0083, 15),
    GET_FEED: Plan(2.0, 15),
    GET_FEED_DOCUMENT: Plan(0.0222, 10),
    GET_REPORTS: Plan(0.0222, 10),
    GET_REPORT: Plan(2.0, 15),
    CREATE_REPORT: Plan(0.0167, 15),
    GET_REPORT_DOCUMENT: Plan(0.0167, 15),
    GET_DESTINATIONS: Plan(1.0, 5),
    CREATE_DESTINATION: Plan(1.0, 5),
    GET_SUBSCRIPTION: Plan(1.0, 5),
    CREATE_SUBSCRIPTION: Plan(1.0, 5),
}


@dataclass
class Bucket:
    tokens: float
    updated: datetime


class UsagePlans:
    """Decides whether a call fits the seller's plan for that operation."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        rate_scale: float = 1.0,
        plans: dict[str, Plan] | None = None,
    ) -> None:
        self.clock = clock
        self.rate_scale = rate_scale
        self.plans = dict(plans or AMAZON_PLANS)
        self.buckets: dict[tuple[str, str], Bucket] = {}

    def rate(self, operation: str) -> float:
        return self.plans[operation].rate * self.rate_scale

    def rate_header(self, operation: str) -> str:
        """The x-amzn-RateLimit-Limit value: the rate actually applied."""
        return f"{self.rate(operation):g}"

    def try_acquire(self, seller_id: str, operation: str) -> bool:
        plan = self.plans[operation]
        now = self.clock()
        bucket = self.buckets.get((seller_id, operation))
        if bucket is None:
            bucket = self.buckets[(seller_id, operation)] = Bucket(float(plan.burst), now)
        elapsed = max(0.0, (now - bucket.updated).total_seconds())
        bucket.tokens = min(float(plan.burst), bucket.tokens + elapsed * self.rate(operation))
        bucket.updated = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def configure(self, rate_scale: float, plans: dict[str, Plan] | None = None) -> None:
        """Change the plans and refill every bucket, so a test starts from a known state."""
        self.rate_scale = rate_scale
        if plans:
            self.plans.update(plans)
        self.buckets.clear()
