"""A worker process whose channel poll (or stock push) starts and never returns, for the
heartbeat test to SIGKILL mid-call, as a crashed worker vanishes: `python -m
tests.activities.stalled_worker ADDRESS NAMESPACE TASK_QUEUE MARKER_FILE DATABASE_URL
[poll|push]`. It writes MARKER_FILE when the call has started; the real activity heartbeats
meanwhile, as in production."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from activities.channel import ChannelActivities
from activities.heartbeat import HEARTBEAT_THROTTLE
from activities.inventory import InventoryActivities
from codec.converter import configured_converter
from domain.inventory import ListingQuantity, PushOutcome
from domain.order import ChannelOrder
from domain.shipment import ShipConfirmation
from integrations.channel import ChangePage, ChangeQuery, OutcomeSink, SubmissionSink
from integrations.registry import Channel
from store.migrate import open_store


class StuckPort:
    """A channel whose change feed hangs once asked (a read the worker dies in)."""

    channel = Channel.CENTRA

    def __init__(self, account: str, marker: Path) -> None:
        self.account = account
        self.marker = marker

    async def get_order(self, order_id: str) -> ChannelOrder:
        raise NotImplementedError

    async def changes(self, query: ChangeQuery) -> ChangePage:
        self.marker.write_text("started")
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def acknowledge(self, ack: list[str]) -> None:
        raise NotImplementedError

    async def confirm_parcel(self, confirmation: ShipConfirmation) -> None:
        raise NotImplementedError


class StuckStock:
    """A channel whose stock push hangs once sent."""

    channel = Channel.CENTRA
    subtracts_own_orders = True

    def __init__(self, account: str, marker: Path) -> None:
        self.account = account
        self.marker = marker

    async def push(
        self,
        quantities: list[ListingQuantity],
        submitted: SubmissionSink,
        answered: OutcomeSink | None = None,
    ) -> list[PushOutcome]:
        self.marker.write_text("started")
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def read(self, skus: list[str]) -> list[ListingQuantity]:
        raise NotImplementedError


async def main(
    address: str, namespace: str, queue: str, marker: str, database_url: str, kind: str = "poll"
) -> None:
    client = await Client.connect(
        address, namespace=namespace, data_converter=configured_converter()
    )
    engine = open_store(database_url)
    activities: list[Callable[..., object]]
    if kind == "push":
        stuck = StuckStock("any", Path(marker))
        # A push reads no warehouse.
        stock = InventoryActivities(engine, None, {(Channel.CENTRA, "heartbeat-test"): stuck})  # type: ignore[arg-type]
        activities = [stock.push]
    else:
        channel = ChannelActivities(
            {(Channel.CENTRA, "heartbeat-test"): StuckPort("any", Path(marker))}, engine
        )
        activities = [channel.poll_changes]
    worker = Worker(
        client,
        task_queue=queue,
        activities=activities,
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
