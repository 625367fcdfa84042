"""The `retry`, `reinject` and `resolve` updates: a request the order would not act on is
refused with the reason; an accepted one is answered with the stage the order reached."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer

from codec.converter import configured_converter
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.lifecycle import (
    REINJECT_SIGNAL,
    RESOLVE_UPDATE,
    RETRY_SIGNAL,
    OperatorAnswer,
    OperatorRequest,
    OrderStage,
)
from domain.order import ChannelOrderStatus
from tests.workflows.fakes import make_order
from tests.workflows.order_harness import Harness, OrderHandle, at, finished, rejected, until
from workflows.order_fulfillment import OrderFulfillment

BY_OPS = OperatorRequest(reason="mapped", requested_by="ops")


async def update(handle: OrderHandle, name: str, body: Any) -> OperatorAnswer:
    return await handle.execute_update(name, body, result_type=OperatorAnswer)


async def refusal(handle: OrderHandle, name: str, body: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await update(handle, name, body)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.message


async def parked_unmapped(harness: Harness) -> OrderHandle:
    order = make_order(lines=[("NEW-SKU-1", 1)])
    harness.world.add(order)
    harness.world.mappings.skus = [m for m in harness.world.mappings.skus if m.sku != "NEW-SKU-1"]
    handle = await harness.start(order, add=False)
    await until(handle, at(OrderStage.EXCEPTION))
    return handle


async def test_a_retry_is_answered_with_the_stage_the_order_reached(harness: Harness) -> None:
    handle = await parked_unmapped(harness)
    answer = await update(handle, RETRY_SIGNAL, BY_OPS)  # the mapping still missing
    assert answer.settled and answer.stage is OrderStage.EXCEPTION
    assert answer.exception is not None and answer.exception.kind is ExceptionKind.UNMAPPED_SKU

    order = next(iter(harness.world.orders.values()))
    harness.world.add(order)  # operations add the mapping
    answer = await update(handle, RETRY_SIGNAL, BY_OPS)
    assert answer.settled and answer.action == RETRY_SIGNAL
    assert answer.stage is OrderStage.INJECTED and answer.exception is None
    assert len(harness.world.injections) == 1
    status = await until(handle, at(OrderStage.INJECTED))
    assert any("retry requested by ops: mapped" in note for note in status.history)


async def test_a_retry_of_an_order_that_is_not_parked_is_refused(harness: Harness) -> None:
    handle = await harness.start(make_order(status=ChannelOrderStatus.PENDING))
    await until(handle, at(OrderStage.AWAITING_PAYMENT))
    reason = await refusal(handle, RETRY_SIGNAL, BY_OPS)
    assert "not parked" in reason and "AWAITING_PAYMENT" in reason
    reason = await refusal(handle, REINJECT_SIGNAL, BY_OPS)
    assert "not parked" in reason
    status = await until(handle, at(OrderStage.AWAITING_PAYMENT))
    assert not any("requested by" in note for note in status.history)


async def test_a_malformed_body_is_answered_not_dropped(harness: Harness) -> None:
    handle = await parked_unmapped(harness)
    with pytest.raises(WorkflowUpdateFailedError):
        await update(handle, RETRY_SIGNAL, {"reason": ["not", "text"]})
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await update(handle, "retyr", BY_OPS)  # misspelt
    assert "retyr" in str(failed.value.cause)
    status = await until(handle, at(OrderStage.EXCEPTION))
    assert not any("requested by" in note for note in status.history)


async def test_reinject_while_injected_answers_after_the_resend(harness: Harness) -> None:
    handle = await harness.inject(make_order())
    answer = await update(handle, REINJECT_SIGNAL, OperatorRequest(reason="GXO lost it"))
    assert answer.settled and answer.stage is OrderStage.INJECTED
    assert len(harness.world.injections) == 2


async def test_resolve_clears_a_flag_and_keeps_who_and_why(harness: Harness) -> None:
    handle = await harness.inject(make_order(ship_by_in=timedelta(days=1)))
    reason = await refusal(handle, RESOLVE_UPDATE, OperatorRequest(reason="x", requested_by="a"))
    assert "no open exception" in reason
    await harness.env.sleep(timedelta(hours=19))  # past the chase before the ship-by
    await until(handle, at(OrderStage.AT_RISK))
    assert "reason is required" in await refusal(handle, RESOLVE_UPDATE, OperatorRequest())

    request = OperatorRequest(reason="GXO promised today", requested_by="kim")
    answer = await update(handle, RESOLVE_UPDATE, request)
    assert answer.stage is OrderStage.AT_RISK and answer.exception is None
    status = await until(handle, lambda s: s.exception is None)
    assert any("SHIP_BY_AT_RISK resolved by kim: GXO promised today" in n for n in status.history)
    assert (await handle.describe()).typed_search_attributes.get(sa.EXCEPTION_KIND) is None


async def replays(handle: OrderHandle) -> None:
    """The run's own history replays on the code (the resolve path is deterministic)."""
    history = await handle.fetch_history()
    replayer = Replayer(workflows=[OrderFulfillment], data_converter=configured_converter())
    await replayer.replay_workflow(history)


async def test_resolve_closes_a_parked_order_handled_by_hand(harness: Harness) -> None:
    """Operations shipped the order outside consign: resolve ends it, kept with who and why,
    without another call to the channel or GXO."""
    handle = await parked_unmapped(harness)
    assert "reason is required" in await refusal(handle, RESOLVE_UPDATE, OperatorRequest())
    fetches = harness.world.fetches
    request = OperatorRequest(reason="shipped by hand from the office", requested_by="kim")
    answer = await update(handle, RESOLVE_UPDATE, request)
    assert answer.settled and answer.action == RESOLVE_UPDATE
    assert answer.stage is OrderStage.RESOLVED and answer.exception is None

    result = await finished(handle)
    assert result.stage is OrderStage.RESOLVED and result.exception is None
    assert any(
        "UNMAPPED_SKU resolved by kim: shipped by hand from the office" in note
        for note in result.history
    )
    assert harness.world.fetches == fetches and harness.world.injections == []
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.EXCEPTION_KIND) is None
    assert attributes.get(sa.ORDER_STAGE) == OrderStage.RESOLVED.value
    await replays(handle)


async def test_resolve_closes_an_injected_parked_order_without_gxo(harness: Harness) -> None:
    """GXO rejected the order and operations sent it by other means: no re-plan, no cancel at
    GXO, no lookup; what it held back in stock is released (the store, not GXO)."""
    handle = await harness.inject(make_order())
    await handle.signal(OrderFulfillment.warehouse_event, rejected(harness.order(handle), 1))
    await until(handle, at(OrderStage.EXCEPTION))
    world = harness.world
    fetches, lookups = world.fetches, world.lookups
    answer = await update(handle, RESOLVE_UPDATE, BY_OPS)
    assert answer.stage is OrderStage.RESOLVED and answer.exception is None

    result = await finished(handle)
    assert result.stage is OrderStage.RESOLVED
    assert len(world.injections) == 1 and world.cancels == [] and world.confirms == []
    assert (world.fetches, world.lookups) == (fetches, lookups)
    assert world.closed_demand == [result.ref]
    assert any("WAREHOUSE_REJECTED resolved by ops: mapped" in n for n in result.history)
    await replays(handle)
