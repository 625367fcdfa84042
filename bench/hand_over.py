"""An intake's hand-over of a poll's changes (`start_order_workflows`: one signal-with-start an
order) with its starts overlapping a window at a time (what consign does), against the baseline
measured in the same run: one start at a time, as before (bench.chaos at 1,000 orders: the
Amazon intake's hand-over fell behind for good under a kill every 10 s).

    .venv/bin/python -m bench.hand_over [--changes 200 --windows 1 10]   (a local dev server)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.delivery import DeliveryActivities
from activities.models import ChangeSet
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from integrations.registry import Channel
from starter.devstack import find_temporal_binary
from starter.temporal_setup import ensure_search_attributes
from store.migrate import open_store


def changes(count: int) -> list[OrderChange]:
    """New orders of a fresh account: each start creates a workflow (no worker runs them)."""
    account = f"BENCH-{uuid.uuid4().hex[:8]}"
    at = datetime.now(UTC)
    return [
        OrderChange(
            ref=OrderRef(channel=Channel.AMAZON, account=account, order_id=f"O-{n}"),
            status=ChannelOrderStatus.READY,
            fulfilled_by=FulfilledBy.MERCHANT,
            last_updated_at=at,
        )
        for n in range(count)
    ]


async def main(count: int, windows: list[int]) -> None:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=str(find_temporal_binary()),
    )
    try:
        await ensure_search_attributes(env.client, env.client.namespace)
        with tempfile.TemporaryDirectory() as tmp:
            engine = open_store(f"sqlite:///{Path(tmp) / 'store.db'}")
            seconds = {}
            for window in windows:
                delivery = DeliveryActivities(env.client, engine, "bench", start_window=window)
                started = time.perf_counter()
                report = await ActivityEnvironment().run(
                    delivery.start_order_workflows, ChangeSet(changes=changes(count))
                )
                seconds[window] = time.perf_counter() - started
                assert report.signalled == count, report
            engine.dispose()
    finally:
        await env.shutdown()
    table = Table(title=f"Handing {count} new orders over (one start_order_workflows call)")
    for column in ("window", "s", "starts/s", "ratio to one at a time"):
        table.add_column(column, justify="right")
    base = seconds[windows[0]]
    for window, took in seconds.items():
        table.add_row(str(window), f"{took:.2f}", f"{count / took:.0f}", f"{took / base:.2f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--windows", type=int, nargs="+", default=[1, 10])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.changes, arguments.windows))
