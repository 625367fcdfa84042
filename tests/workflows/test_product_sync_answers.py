"""ProductSync's `sync_now` update: the sweep it asks for is answered with what the cycle did
(SKUs read, records sent, orders released), a failure with the error, and a request while a
sweep is already queued is refused with the reason; the signal of the same name still works."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.models import ProductReadRequest
from domain.exceptions import ExceptionKind
from domain.products import ProductPage
from tests.workflows.order_harness import eventually
from tests.workflows.test_intakes import poll_until
from tests.workflows.test_product_sync import T1, Productside, product, running
from workflows.product_sync import (
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    ProductSync,
    ProductSyncStatus,
    SyncAnswer,
)


async def test_sync_now_answers_what_the_sweep_did(time_env: WorkflowEnvironment) -> None:
    side = Productside()
    async with running(time_env, side) as handle:
        await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        side.changed = [product("NEW-1", T1), product("NEW-2", T1)]
        answer = await handle.execute_update(SYNC_NOW_SIGNAL, result_type=SyncAnswer)
        assert answer.settled
        assert (answer.read, answer.sent, answer.released) == (2, 2, 0)
        assert answer.status.cursor == T1 and answer.status.pending == 1
        assert side.sent[-1] == ["NEW-1", "NEW-2"]


async def test_sync_now_answers_a_failed_sweep_and_ends_the_pause(
    time_env: WorkflowEnvironment,
) -> None:
    side = Productside()
    async with running(time_env, side) as handle:
        await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        side.fail_reads = True
        failed = await handle.execute_update(SYNC_NOW_SIGNAL, result_type=SyncAnswer)
        assert failed.settled and failed.sent == 0
        error = failed.status.last_error
        assert error is not None and "no Product:read" in error
        assert failed.status.last_error_kind is ExceptionKind.CHANNEL_AUTH_FAILED

        side.fail_reads = False
        side.changed = [product("NEW-1", T1)]
        healed = await handle.execute_update(SYNC_NOW_SIGNAL, result_type=SyncAnswer)
        assert healed.settled and healed.sent == 1 and healed.status.last_error is None


@dataclass
class GatedProductside(Productside):
    """Reads wait (heartbeating) while `gate` is clear: a cycle stays under way."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0  # reads that reached the gate

    def activities(self) -> list[Callable[..., Any]]:
        read, *others = super().activities()

        @activity.defn(name="read_channel_products")
        async def gated(request: ProductReadRequest) -> ProductPage:
            self.waiting += 1
            while not self.gate.is_set():  # a bound comes from the test's own timeout
                activity.heartbeat()
                await asyncio.sleep(0.05)
            page: ProductPage = await read(request)
            return page

        return [gated, *others]


async def test_a_request_while_a_sweep_is_queued_is_refused_with_the_reason(
    time_env: WorkflowEnvironment,
) -> None:
    side = GatedProductside()
    side.gate.set()
    async with running(time_env, side) as handle:
        await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        side.gate.clear()
        waiting = side.waiting
        await handle.signal(ProductSync.sync_now)  # the channel's intake: a product changed
        await eventually(lambda: side.waiting > waiting)  # that sweep is under way
        first = await handle.start_update(
            SYNC_NOW_SIGNAL, result_type=SyncAnswer, wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(SYNC_NOW_SIGNAL, result_type=SyncAnswer)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and "already queued" in cause.message
        with pytest.raises(WorkflowUpdateFailedError) as misspelt:
            await handle.execute_update("sync_nwo", result_type=SyncAnswer)
        assert "sync_nwo" in str(misspelt.value.cause)

        side.changed = [product("NEW-1", T1)]
        side.gate.set()
        answer = await first.result()
        # Answered after the sweep it queued, counting since the request: the sweep under
        # way and the queued one each read and sent NEW-1 (GXO's answer, unchanged or not,
        # is the activity's: this stand-in sends every record).
        assert answer.settled and (answer.read, answer.sent) == (2, 2)
        assert side.sent[-2:] == [["NEW-1"], ["NEW-1"]]
