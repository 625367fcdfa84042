"""Scale: open orders parked by the thousand, and what the worker's memory and the parking rate
do meanwhile.

Starts the demo stack (build_stack: Temporal dev server, sandboxes, one worker process) and has
the Amazon sandbox create orders still Pending (payment not cleared) in batches: each gets an
OrderFulfillment workflow that reads the order and parks in AWAITING_PAYMENT on a durable timer,
as an order held for days does. At each checkpoint (by default 2,000, 5,000 and 10,000 parked)
it reads the worker's resident memory (VmRSS and its peak VmHWM from /proc), the workflows the
worker keeps cached (the SDK's `temporal_sticky_cache_size` on the worker's Prometheus endpoint),
the parking rate over the block, and how long `consign orders --stage AWAITING_PAYMENT` takes
(the CLI's own query, in process) and a count of them. The baseline, measured in the same run,
is the first block's parking rate: a flat rate prints ratios near 1.0.

    .venv/bin/python -m bench.scale [--checkpoints 2000 5000 10000 --batch 250
        --max-cached N]

`--max-cached` sets CONSIGN_MAX_CACHED_WORKFLOWS for the worker (default: consign's default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.client import Client

from domain.lifecycle import OrderStage
from sandbox.server import free_port
from starter.client import connect_to
from starter.demo import build_stack, free_stack_ports
from starter.devstack import DevStack
from starter.orders_cli import build_query, find_orders

PARKED = OrderStage.AWAITING_PAYMENT.value
MB = 1024 * 1024


@dataclass
class Checkpoint:
    parked: int
    seconds: float  # since the first order was created
    rss_mb: float
    peak_mb: float
    cached: int | None
    list_ms: float
    count_ms: float


def memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (the peak) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    rss, peak = (int(fields[key].split()[0]) * 1024 / MB for key in ("VmRSS", "VmHWM"))
    return rss, peak


async def cached_workflows(http: httpx.AsyncClient, metrics_url: str) -> int | None:
    """The worker's sticky cache size, from its Prometheus endpoint."""
    try:
        text = (await http.get(metrics_url)).text
    except httpx.HTTPError:
        return None
    sizes = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("temporal_sticky_cache_size")
    ]
    return int(sum(sizes)) if sizes else None


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    """Milliseconds `call` takes."""
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


class Run:
    def __init__(self, stack: DevStack, client: Client, http: httpx.AsyncClient, batch: int):
        self.stack, self.client, self.http, self.batch = stack, client, http, batch
        self.query = build_query(stage=PARKED)
        self.created = 0

    async def parked(self) -> int:
        return (await self.client.count_workflows(self.query)).count

    async def create(self) -> None:
        body = {
            "count": self.batch,
            "seed": 7_000 + self.created,
            "afn_share": 0.0,
            "pending_share": 1.0,
            "include_unmapped": False,
        }
        answer = await self.http.post(f"{self.stack.amazon_url}/_sandbox/orders", json=body)
        answer.raise_for_status()
        self.created += self.batch

    async def checkpoint(self, parked: int, started: float, metrics_url: str) -> Checkpoint:
        worker = self.stack.child("worker").process
        assert worker is not None
        rss, peak = memory_mb(worker.pid)
        list_ms = await timed(lambda: find_orders(self.client, self.query, 50))
        count_ms = await timed(self.parked)
        return Checkpoint(
            parked=parked,
            seconds=time.monotonic() - started,
            rss_mb=rss,
            peak_mb=peak,
            cached=await cached_workflows(self.http, metrics_url),
            list_ms=list_ms,
            count_ms=count_ms,
        )

    async def until(
        self, checkpoints: list[int], metrics_url: str, console: Console
    ) -> list[Checkpoint]:
        """Create orders, keeping at most two batches ahead of what has parked, until each
        checkpoint is reached."""
        found: list[Checkpoint] = []
        started = time.monotonic()
        wanted = list(checkpoints)
        while wanted:
            parked = await self.parked()
            if parked >= wanted[0]:
                found.append(await self.checkpoint(parked, started, metrics_url))
                console.log(f"{parked:,} parked after {found[-1].seconds:.0f} s")
                wanted.pop(0)
                continue
            if self.created < wanted[-1] and self.created - parked < 2 * self.batch:
                await self.create()
            else:
                await asyncio.sleep(1)
        return found


def render(console: Console, found: list[Checkpoint], idle_mb: float, machine: str) -> None:
    table = Table(title=f"parked open orders ({machine}); worker idle at {idle_mb:.0f} MB")
    for column in (
        "parked",
        "s",
        "orders/s in the block",
        "ratio to the first block",
        "worker RSS MB",
        "peak MB",
        "cached workflows",
        "orders list ms",
        "count ms",
    ):
        table.add_column(column, justify="right")
    previous_parked, previous_seconds, first_rate = 0, 0.0, None
    for point in found:
        rate = (point.parked - previous_parked) / max(point.seconds - previous_seconds, 1e-9)
        first_rate = first_rate or rate
        table.add_row(
            f"{point.parked:,}",
            f"{point.seconds:.0f}",
            f"{rate:.1f}",
            f"{rate / first_rate:.2f}",
            f"{point.rss_mb:.0f}",
            f"{point.peak_mb:.0f}",
            "-" if point.cached is None else f"{point.cached:,}",
            f"{point.list_ms:.0f}",
            f"{point.count_ms:.0f}",
        )
        previous_parked, previous_seconds = point.parked, point.seconds
    console.print(table)


def machine() -> str:
    load = os.getloadavg()[0]
    python = platform.python_version()
    return f"{platform.machine()} {os.cpu_count()} cores, Python {python}, load {load:.1f}"


async def main_async(args: argparse.Namespace, console: Console) -> None:
    var = Path(tempfile.mkdtemp(prefix="consign-scale-"))
    stack = build_stack(var, free_stack_ports(), ui=False)
    metrics_port = free_port()
    stack.extra_env["CONSIGN_METRICS_ADDRESS"] = f"127.0.0.1:{metrics_port}"
    if args.max_cached is not None:
        stack.extra_env["CONSIGN_MAX_CACHED_WORKFLOWS"] = str(args.max_cached)
    try:
        async with stack, httpx.AsyncClient(timeout=60) as http:
            client = await connect_to(stack.temporal_address, stack.namespace)
            await asyncio.sleep(5)  # the worker's intakes and syncs up and settled
            worker = stack.child("worker").process
            assert worker is not None
            idle_mb = memory_mb(worker.pid)[0]
            run = Run(stack, client, http, args.batch)
            metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
            found = await run.until(sorted(args.checkpoints), metrics_url, console)
        render(console, found, idle_mb, machine())
    finally:
        shutil.rmtree(var, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[2000, 5000, 10000])
    parser.add_argument("--batch", type=int, default=250, help="orders created at a time")
    parser.add_argument("--max-cached", type=int, default=None, help="worker's workflow cache")
    args = parser.parse_args()
    asyncio.run(main_async(args, Console()))


if __name__ == "__main__":
    main()
