"""SP-API usage plans per operation, and the Temporal task queue that enforces each one.

Amazon meters every operation separately (a token bucket: `rate` requests per second, refilled up
to `burst`) for the whole selling partner, not per process. Any number of workers must therefore
share one budget. consign does that with Temporal rather than a shared cache: the worker runs one
task queue per rate-limited operation, e.g. "amazon-searchOrders", with
`Worker(task_queue=plan.task_queue, max_task_queue_activities_per_second=task_queue_rate(op,
scale))`. The Temporal server enforces `max_task_queue_activities_per_second` across all workers
polling that queue, so the fleet as a whole starts at most `rate` such activities per second.

The limit is the sustained rate; burst headroom is deliberately left unused so a backlog drains at
the rate Amazon refills, instead of spending the bucket and then hitting 429s. `scale` (settings
`rate_scale`) multiplies every rate: 1.0 in production, larger against the local sandbox so demos
and tests do not wait minutes between searchOrders calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Operation(StrEnum):
    """Rate-limited SP-API operations consign calls. v0 reads are prefixed: Amazon meters them
    separately from the v2026-01-01 operations of the same name."""

    SEARCH_ORDERS = "searchOrders"
    GET_ORDER = "getOrder"
    V0_GET_ORDERS = "v0.getOrders"
    V0_GET_ORDER = "v0.getOrder"
    V0_GET_ORDER_ITEMS = "v0.getOrderItems"
    V0_GET_ORDER_ADDRESS = "v0.getOrderAddress"
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
    GET_REPORT_DOCUMENT = "getReportDocument"
    CREATE_REPORT = "createReport"
    GET_REPORT = "getReport"


@dataclass(frozen=True)
class UsagePlan:
    operation: Operation
    rate: float  # requests per second, sustained
    burst: int

    @property
    def task_queue(self) -> str:
        """The Temporal task queue whose activities call this operation."""
        return "amazon-" + self.operation.value.replace(".", "-")


USAGE_PLANS: dict[Operation, UsagePlan] = {
    plan.operation: plan
    for plan in (
        UsagePlan(Operation.SEARCH_ORDERS, 0.0056, 20),
        UsagePlan(Operation.GET_ORDER, 0.5, 30),
        UsagePlan(Operation.V0_GET_ORDERS, 0.0167, 20),
        UsagePlan(Operation.V0_GET_ORDER, 0.5, 30),
        UsagePlan(Operation.V0_GET_ORDER_ITEMS, 0.5, 30),
        UsagePlan(Operation.V0_GET_ORDER_ADDRESS, 0.5, 30),
        UsagePlan(Operation.CREATE_RESTRICTED_DATA_TOKEN, 1.0, 10),
        UsagePlan(Operation.CONFIRM_SHIPMENT, 2.0, 10),
        UsagePlan(Operation.PATCH_LISTINGS_ITEM, 5.0, 5),
        UsagePlan(Operation.GET_LISTINGS_ITEM, 5.0, 10),
        UsagePlan(Operation.SEARCH_LISTINGS_ITEMS, 5.0, 5),
        UsagePlan(Operation.CREATE_FEED_DOCUMENT, 0.5, 15),
        UsagePlan(Operation.CREATE_FEED, 0.0083, 15),
        UsagePlan(Operation.GET_FEED, 2.0, 15),
        UsagePlan(Operation.GET_FEED_DOCUMENT, 0.0222, 10),
        UsagePlan(Operation.GET_REPORTS, 0.0222, 10),
        UsagePlan(Operation.GET_REPORT_DOCUMENT, 0.0167, 15),
        UsagePlan(Operation.CREATE_REPORT, 0.0167, 15),
        UsagePlan(Operation.GET_REPORT, 2.0, 15),
    )
}


def usage_plan(operation: Operation | str) -> UsagePlan:
    return USAGE_PLANS[Operation(operation)]


def task_queue_for(operation: Operation | str) -> str:
    return usage_plan(operation).task_queue


def task_queue_rate(operation: Operation | str, scale: float) -> float:
    """Activities per second for the operation's task queue: Amazon's rate times `scale`."""
    if scale <= 0:
        raise ValueError(f"rate scale must be positive, got {scale}")
    return usage_plan(operation).rate * scale
