"""A call that keeps failing for a passing reason is retried by Temporal in rounds, and the
order says so (attempts, last failure, the ACTIVITY_RETRYING search attribute) until it works."""

from __future__ import annotations

from datetime import timedelta

from temporalio.exceptions import ApplicationError

from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.lifecycle import OrderStage
from domain.order import ChannelOrderStatus
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.order_harness import Harness, at, finished, until
from tests.workflows.time_skipping import skip
from workflows.activity_rounds import FIRST_ROUND, LATER_ROUND
from workflows.order_fulfillment import OrderFulfillment


async def test_a_confirm_that_keeps_failing_shows_on_the_order_until_it_succeeds(
    harness: Harness,
) -> None:
    first, later = FIRST_ROUND.maximum_attempts, LATER_ROUND.maximum_attempts
    harness.world.outages["confirm_parcel"] = first + later + 1  # three rounds
    handle = await harness.start(make_order())
    await until(handle, at(OrderStage.INJECTED))
    event = dispatch(harness.order(handle), 1, parcel("P1", ("10000", 1)))
    await handle.signal(OrderFulfillment.warehouse_event, event)
    await skip(harness.env, timedelta(minutes=10), step=timedelta(minutes=1))  # ~8.5 min backoff
    status = await until(handle, lambda s: s.retrying is not None)
    assert status.retrying is not None
    assert status.retrying.activity == "confirm_parcel"
    assert status.retrying.attempts == first
    assert "HTTP 503" in status.retrying.last_failure
    assert status.stage is OrderStage.INJECTED and status.exception is None
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.EXCEPTION_KIND) == ExceptionKind.ACTIVITY_RETRYING.value
    assert attributes.get(sa.ORDER_STAGE) == OrderStage.INJECTED.value

    result = await finished(handle)  # time skips through the next rounds
    assert result.stage is OrderStage.SHIPPED and result.retrying is None
    assert [c.parcel.parcel_id for c in harness.world.confirms] == ["P1"]
    assert any(f"after {first + later}+ attempts" in note for note in result.history)
    assert (await handle.describe()).typed_search_attributes.get(sa.EXCEPTION_KIND) is None


async def test_a_short_outage_is_retried_without_a_flag(harness: Harness) -> None:
    harness.world.outages["fetch_channel_order"] = 3
    handle = await harness.start(make_order(status=ChannelOrderStatus.READY))
    status = await until(handle, at(OrderStage.INJECTED))
    assert status.retrying is None
    assert not any("still failing" in note for note in status.history)
    assert harness.world.fetches == 4


async def test_a_call_that_fails_for_good_after_retrying_parks_and_stops_showing_retrying(
    harness: Harness,
) -> None:
    harness.world.outages["fetch_channel_order"] = FIRST_ROUND.maximum_attempts
    harness.world.fetch_failures.append(
        ApplicationError("order gone", type=ExceptionKind.ORDER_NOT_FOUND.value, non_retryable=True)
    )
    handle = await harness.start(make_order())
    await skip(harness.env, timedelta(minutes=20), step=timedelta(minutes=1))  # round, pause, try
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert status.exception is not None
    assert status.exception.kind is ExceptionKind.ORDER_NOT_FOUND
    assert status.retrying is None
    assert any("parked as ORDER_NOT_FOUND after 10+ attempts" in n for n in status.history)
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.EXCEPTION_KIND) == ExceptionKind.ORDER_NOT_FOUND.value
