"""ProductSync on the time-skipping server with stand-in activities: a full sweep page by page,
then deltas from the newest change seen; GXO's pending records checked soon, parked orders
released once accepted; a read that fails for good pauses it under its kind, keeping the
cursor. With CONSIGN_CAPTURE_HISTORIES=<dir> the launch's history is saved for the replay
test (tests/histories/product_sync_launch.json)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    ItemCheckRequest,
    ItemsChecked,
    ItemSendRequest,
    ItemsSent,
    LaunchRelease,
    ProductReadRequest,
    ReleaseRequest,
)
from activities.products import signal_product_sync
from domain.exceptions import ExceptionKind
from domain.products import ChannelProduct, ProductPage
from tests.e2e.histories import decoded_json, save_histories
from tests.workflows.test_intakes import poll_until
from workflows.product_sync import (
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    ProductSync,
    ProductSyncInput,
    ProductSyncStatus,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def product(sku: str, at: datetime) -> ChannelProduct:
    return ChannelProduct(sku=sku, name=sku, updated_at=at)


@dataclass
class Productside:
    """Two pages at first; afterwards whatever `changed` holds. GXO loads pending records
    when `loaded` is set; one order waits for the new item."""

    reads: list[ProductReadRequest] = field(default_factory=list)
    sent: list[list[str]] = field(default_factory=list)
    releases: list[list[str]] = field(default_factory=list)
    changed: list[ChannelProduct] = field(default_factory=list)
    loaded: bool = False
    fail_reads: bool = False

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="read_channel_products")
        async def read(request: ProductReadRequest) -> ProductPage:
            self.reads.append(request)
            if self.fail_reads:
                raise ApplicationError(
                    "no Product:read",
                    type=ExceptionKind.CHANNEL_AUTH_FAILED.value,
                    non_retryable=True,
                )
            if request.since is None and request.page == 1:
                return ProductPage(
                    products=[product("OLD-1", T0)], cursor=T0, complete=False, page=2
                )
            if request.since is None:
                return ProductPage(products=[product("OLD-2", T0)], cursor=T0)
            return ProductPage(
                products=self.changed,
                cursor=max((p.updated_at for p in self.changed), default=None),
            )

        @activity.defn(name="send_items")
        async def send(request: ItemSendRequest) -> ItemsSent:
            self.sent.append([p.sku for p in request.products])
            return ItemsSent(sent=len(request.products))

        @activity.defn(name="check_items")
        async def check(request: ItemCheckRequest) -> ItemsChecked:
            if not any("NEW-1" in skus for skus in self.sent):
                return ItemsChecked()
            if not self.loaded:
                return ItemsChecked(pending=1)
            release = LaunchRelease(
                workflow_id="order:centra:store:1001",
                facility_id="GXO-UK-DAV",
                item_code="NEW-1",
                sku="NEW-1",
            )
            return ItemsChecked(accepted=["GXO-UK-DAV NEW-1"], releases=[release])

        @activity.defn(name="release_launched_orders")
        async def release(request: ReleaseRequest) -> None:
            self.releases.append([r.workflow_id for r in request.releases])

        return [read, send, check, release]


@asynccontextmanager
async def running(env: WorkflowEnvironment, side: Productside) -> AsyncIterator[WorkflowHandle]:
    queue = f"products-{uuid.uuid4()}"
    async with Worker(
        env.client, task_queue=queue, workflows=[ProductSync], activities=side.activities()
    ):
        handle = await env.client.start_workflow(
            ProductSync.run,
            ProductSyncInput(channel="amazon", account="store", interval_minutes=15),
            id=f"products-{uuid.uuid4()}",
            task_queue=queue,
        )
        try:
            yield handle
        finally:
            await handle.terminate("test done")


async def test_a_full_sweep_then_deltas_and_a_launch_releases_the_waiting_order(
    time_env: WorkflowEnvironment,
) -> None:
    side = Productside()
    async with running(time_env, side) as handle:
        first = await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        assert side.sent == [["OLD-1"], ["OLD-2"]]
        assert first.cursor == T0 and first.products_read == 2

        side.changed = [product("NEW-1", T1)]
        await handle.signal(SYNC_NOW_SIGNAL)
        pending = await poll_until(
            handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.pending == 1
        )
        assert pending.cursor == T1
        assert side.reads[-1].since == T0  # a delta: from the newest change already sent
        assert side.releases == []

        side.loaded = True  # GXO's next cycle loads it: checked within check_seconds
        await time_env.sleep(timedelta(seconds=45))
        released = await poll_until(
            handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.released == 1
        )
        assert side.releases == [["order:centra:store:1001"]]
        assert released.pending == 0
        if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
            history = await decoded_json(await handle.fetch_history())
            save_histories({"product_sync_launch": history}, Path(target))


async def test_a_read_failing_for_good_pauses_under_its_kind_and_keeps_the_cursor(
    time_env: WorkflowEnvironment,
) -> None:
    side = Productside()
    async with running(time_env, side) as handle:
        await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        side.fail_reads = True
        await handle.signal(SYNC_NOW_SIGNAL)
        paused = await poll_until(
            handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.last_error is not None
        )
        assert paused.last_error_kind is ExceptionKind.CHANNEL_AUTH_FAILED
        assert paused.cursor == T0
        side.fail_reads = False
        side.changed = [product("NEW-1", T1)]
        await handle.signal(SYNC_NOW_SIGNAL)
        healed = await poll_until(
            handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.last_error is None
        )
        assert healed.cursor == T1


async def test_a_product_event_signal_sweeps_now_and_a_missing_sync_is_no_error(
    time_env: WorkflowEnvironment,
) -> None:
    """What the Centra poll's `on_products_changed` hook sends (activities.products.
    signal_product_sync): the sync reads the change at once, not after its 15 minutes."""
    side = Productside()
    async with running(time_env, side) as handle:
        await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 1)
        reads = len(side.reads)
        side.changed = [product("NEW-2", T1)]
        await signal_product_sync(time_env.client, handle.id)
        swept = await poll_until(handle, STATUS_QUERY, ProductSyncStatus, lambda s: s.cycles >= 2)
        assert len(side.reads) == reads + 1 and side.sent[-1] == ["NEW-2"]
        assert swept.cursor == T1
    await signal_product_sync(time_env.client, f"products-{uuid.uuid4()}")  # not running
