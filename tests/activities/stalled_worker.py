"""A worker process whose channel poll starts and never returns, for the heartbeat test to
SIGKILL mid-call, as a crashed worker vanishes: `python -m tests.activities.stalled_worker
ADDRESS NAMESPACE TASK_QUEUE MARKER_FILE DATABASE_URL`. It writes MARKER_FILE when the poll has
started; the real poll activity heartbeats meanwhile, as in production."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from activities.channel import ChannelActivities
from activities.heartbeat import HEARTBEAT_THROTTLE
from codec.converter import configured_converter
from domain.order import Channel, ChannelOrder
from domain.shipment import ShipConfirmation
from integrations.channel import ChangePage, ChangeQuery
from store.db import open_store


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


async def main(address: str, namespace: str, queue: str, marker: str, database_url: str) -> None:
    client = await Client.connect(
        address, namespace=namespace, data_converter=configured_converter()
    )
    port = StuckPort("any", Path(marker))
    channel = ChannelActivities({Channel.CENTRA: port}, open_store(database_url))
    worker = Worker(
        client,
        task_queue=queue,
        activities=[channel.poll_changes],
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
