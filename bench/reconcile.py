"""The daily read-back at catalogue scale, at Amazon's real rates (rate scale 1): how many calls
and how much of Amazon's time reading N listings takes, by searchListingsItems (20 SKUs a call,
what consign does) against the baseline of one getListingsItem per SKU (what it did before),
both measured in this run.

The Amazon sandbox runs in process with N listings; its usage plans refill on its own clock,
which moves only when the client waits for a token (integrations/amazon/pacing.py). So
`amazon s` is the time Amazon's plan makes a reader spend, not this machine's speed, and a
throttled call (a 429) would show in `throttled`.

    .venv/bin/python -m bench.reconcile [--skus 25000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from rich.console import Console
from rich.table import Table

from integrations.amazon.factory import AmazonClient, build_amazon_client
from integrations.amazon.listings import item_path
from integrations.amazon.stock import build_amazon_stock
from integrations.amazon.usage_plans import Operation
from sandbox.amazon.app import create_app
from sandbox.amazon.catalogue import UK
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import ManualClock, sandbox_settings


@dataclass
class Run:
    name: str
    read: int
    calls: int
    throttled: int
    amazon_seconds: float
    wall_seconds: float


async def measure(
    name: str, skus: int, read: Callable[[AmazonClient, list[str]], Awaitable[int]]
) -> Run:
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock, token_lifetime_seconds=10 * 24 * 3600)
    wanted = [f"BULK-{n:05d}" for n in range(skus)]
    for n, sku in enumerate(wanted):
        sandbox.listings.add(sku, "SHIRT", quantity=n % 50)
    transport = httpx.ASGITransport(app=create_app(sandbox))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as http:
        client = build_amazon_client(sandbox_settings(), http=http, pacer=clock.pacer())
        before = clock.seconds()
        started = time.perf_counter()
        found = await read(client, wanted)
        wall = time.perf_counter() - started
    stats = sandbox.stats()
    calls: dict[str, int] = stats["calls"]  # type: ignore[assignment]
    throttled: dict[str, int] = stats["throttled"]  # type: ignore[assignment]
    listing_calls = {k: v for k, v in calls.items() if "Listings" in k}
    return Run(
        name,
        found,
        sum(listing_calls.values()),
        sum(throttled.values()),
        clock.seconds() - before,
        wall,
    )


async def one_by_one(client: AmazonClient, skus: list[str]) -> int:
    """The baseline: one getListingsItem per SKU (the reconcile before searchListingsItems)."""
    for sku in skus:
        await client.api.request(
            Operation.GET_LISTINGS_ITEM.value,
            "GET",
            item_path(client.account, sku),
            params={
                "marketplaceIds": [UK.marketplace_id],
                "includedData": ["summaries", "fulfillmentAvailability"],
            },
        )
    return len(skus)


async def searched(client: AmazonClient, skus: list[str]) -> int:
    """What the reconcile does now: AmazonStock.read."""
    return len(await build_amazon_stock(client).read(skus))


async def main(skus: int) -> None:
    search = await measure("searchListingsItems x20", skus, searched)
    baseline = await measure("getListingsItem x1 (baseline)", skus, one_by_one)
    table = Table(title=f"Reading {skus:,} Amazon listings back at the real rate (scale 1)")
    for column in ("way", "read", "calls", "min calls", "throttled", "amazon s", "wall s"):
        table.add_column(column, justify="left" if column == "way" else "right")
    minimum = -(-skus // 20)
    for run in (search, baseline):
        table.add_row(
            run.name,
            f"{run.read:,}",
            f"{run.calls:,}",
            f"{minimum:,}",
            str(run.throttled),
            f"{run.amazon_seconds:,.0f}",
            f"{run.wall_seconds:,.1f}",
        )
    console = Console(width=120)
    console.print(table)
    console.print(
        f"amazon time, search / one by one: {search.amazon_seconds / baseline.amazon_seconds:.3f}"
        f"   calls: {search.calls / baseline.calls:.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=25_000)
    asyncio.run(main(parser.parse_args().skus))
