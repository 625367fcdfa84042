"""Usage plans: one task queue per operation, scaled for sandboxes. That the rates are Amazon's
published ones is checked against the models in tests/contracts/amazon/test_usage_plans.py."""

from __future__ import annotations

import pytest

from integrations.amazon.usage_plans import (
    USAGE_PLANS,
    Operation,
    task_queue_for,
    task_queue_rate,
    usage_plan,
)


def test_task_queues_are_distinct_and_named_after_the_operation():
    queues = [plan.task_queue for plan in USAGE_PLANS.values()]
    assert len(set(queues)) == len(queues)
    assert task_queue_for("searchOrders") == "amazon-searchOrders"
    assert task_queue_for(Operation.V0_GET_ORDER) == "amazon-v0-getOrder"
    assert task_queue_for(Operation.CONFIRM_SHIPMENT) == "amazon-confirmShipment"
    assert task_queue_for(Operation.PATCH_LISTINGS_ITEM) == "amazon-patchListingsItem"
    assert task_queue_for(Operation.CREATE_FEED) == "amazon-createFeed"


def test_rate_scales_for_sandboxes():
    assert task_queue_rate(Operation.SEARCH_ORDERS, 1.0) == pytest.approx(0.0056)
    assert task_queue_rate("confirmShipment", 10.0) == pytest.approx(20.0)
    assert usage_plan("getOrder").rate == 0.5


@pytest.mark.parametrize("scale", [0.0, -1.0])
def test_rate_scale_must_be_positive(scale):
    with pytest.raises(ValueError, match="positive"):
        task_queue_rate(Operation.GET_ORDER, scale)


def test_unknown_operation_is_an_error():
    with pytest.raises(ValueError):
        task_queue_rate("getOrderBuyerInfo", 1.0)
