"""Inventory sync latency and API cost on the real local stack.

Brings up the demo stack (Temporal dev server, Amazon/Centra/GXO sandboxes, worker) on free
ports, seeds both channels' mappings and GXO's opening stock, waits until both channels show
it, then adjusts N items at GXO and measures, per channel, how long until the channel shows the
new quantity and how many channel API calls the sync spent per changed SKU, against the
minimum the channel's bulk API allows. The baseline is GXO's batch cycle (the time a change
takes just to become visible at GXO): latency / cycle says how many cycles the sync adds.

Run: .venv/bin/python -m bench.inventory_latency [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from starter import demo_world
from starter.demo import build_stack, free_stack_ports
from starter.devstack import DevStack
from store.mappings import replace_facility_rules, upsert_sku_mappings
from store.migrate import open_store

POLL_SECONDS = 0.05
CONVERGE_LIMIT_SECONDS = 90.0
SETTLE_SECONDS = 1.5  # after convergence, so trailing calls (a last getFeed) are counted
# The SP-API operations a stock push may use; order intake's polling is not counted.
AMAZON_STOCK_OPERATIONS = (
    "patchListingsItem",
    "getListingsItem",
    "createFeedDocument",
    "createFeed",
    "getFeed",
    "getFeedDocument",
)
# One JSON_LISTINGS_FEED round: createFeedDocument, upload, createFeed, getFeed (at least
# once), getFeedDocument. The sandbox's stats do not count the upload (it goes to the
# pre-signed URL), so a measured feed round shows at least 4 of these 5.
AMAZON_FEED_ROUND_CALLS = 5
AMAZON_FEED_MAX_SKUS = 25_000
CENTRA_SET_STOCK_CHUNK = 500
CENTRA_WAREHOUSE_ID = 1


@dataclass
class Target:
    """One channel's mapped SKUs: SKU -> (facility, GXO item)."""

    channel: str
    skus: dict[str, tuple[str, str]]


@dataclass
class Round:
    channel: str
    changed: int
    latency_all: float  # adjustment -> every changed SKU shows the new quantity
    latency_p50: float  # median over SKUs of adjustment -> that SKU shows it
    calls: int
    minimum: int
    detail: dict[str, int] = field(default_factory=dict)


def amazon_minimum(changed: int) -> int:
    feeds = math.ceil(changed / AMAZON_FEED_MAX_SKUS)
    return min(changed, feeds * AMAZON_FEED_ROUND_CALLS)


def centra_minimum(changed: int) -> int:
    return math.ceil(changed / CENTRA_SET_STOCK_CHUNK)


async def get_json(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    response.raise_for_status()
    return response.json()


async def shown(stack: DevStack, http: httpx.AsyncClient) -> dict[str, dict[str, int | None]]:
    """What each channel shows now: Amazon listing quantity, Centra physical stock."""
    amazon, centra = await asyncio.gather(
        get_json(http, f"{stack.amazon_url}/_sandbox/listings"),
        get_json(http, f"{stack.centra_url}/_sandbox/stock"),
    )
    centra_physical: dict[str, int | None] = {
        row["SKU"]: row["physical"]
        for row in centra["stock"]
        if row.get("warehouse_id") in (None, CENTRA_WAREHOUSE_ID)
    }
    return {"amazon": dict(amazon["listings"]), "centra": centra_physical}


async def stock_calls(stack: DevStack, http: httpx.AsyncClient) -> dict[str, dict[str, int]]:
    """Cumulative stock-push calls per channel and operation (Centra: mutations, i.e.
    setStock, since this run places no orders)."""
    amazon, centra = await asyncio.gather(
        get_json(http, f"{stack.amazon_url}/_sandbox/stats"),
        get_json(http, f"{stack.centra_url}/_sandbox/stats"),
    )
    calls: Mapping[str, int] = amazon["calls"]
    throttled: Mapping[str, int] = amazon["throttled"]
    amazon_ops = {op: int(calls.get(op, 0)) for op in AMAZON_STOCK_OPERATIONS}
    amazon_ops["throttled"] = sum(int(throttled.get(op, 0)) for op in AMAZON_STOCK_OPERATIONS)
    return {
        "amazon": amazon_ops,
        "centra": {"setStock": int(centra["mutations"]), "throttled": int(centra["throttled"])},
    }


def diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key)}


async def wait_shown(
    stack: DevStack,
    http: httpx.AsyncClient,
    expected: dict[str, dict[str, int]],
    started: float,
) -> dict[str, dict[str, float]]:
    """Poll both sandboxes every 50 ms until every SKU shows its expected quantity (bounded);
    returns channel -> SKU -> seconds after `started` it was first seen right."""
    seen: dict[str, dict[str, float]] = {channel: {} for channel in expected}
    for _ in range(int(CONVERGE_LIMIT_SECONDS / POLL_SECONDS)):
        now = await shown(stack, http)
        elapsed = time.monotonic() - started
        for channel, wanted in expected.items():
            for sku, quantity in wanted.items():
                if sku not in seen[channel] and now[channel].get(sku) == quantity:
                    seen[channel][sku] = elapsed
        if all(len(seen[c]) == len(w) for c, w in expected.items()):
            return seen
        await asyncio.sleep(POLL_SECONDS)
    missing = {c: sorted(set(w) - set(seen[c])) for c, w in expected.items()}
    raise RuntimeError(f"channels did not converge in {CONVERGE_LIMIT_SECONDS:.0f}s: {missing}")


async def seed(stack: DevStack, http: httpx.AsyncClient) -> list[Target]:
    engine = open_store(stack.environment()["DATABASE_URL"])
    amazon, centra = demo_world.sku_mappings(), demo_world.centra_sku_mappings()
    await asyncio.to_thread(upsert_sku_mappings, engine, [*amazon, *centra])
    rules = [*demo_world.facility_rules(), *demo_world.centra_facility_rules()]
    await asyncio.to_thread(replace_facility_rules, engine, rules)
    engine.dispose()
    opening = [*demo_world.opening_stock(), *demo_world.centra_opening_stock()]
    await demo_world.open_warehouse(http, stack.gxo_url, opening)
    facility = {str(row["item_code"]): str(row["facility_id"]) for row in opening}
    return [
        Target("amazon", {m.sku: (facility[m.item_code], m.item_code) for m in amazon}),
        Target("centra", {m.sku: (facility[m.item_code], m.item_code) for m in centra}),
    ]


async def adjust_round(
    stack: DevStack, http: httpx.AsyncClient, targets: list[Target], count: int | None, delta: int
) -> list[Round]:
    """Adjust `count` items (None: all) per channel at GXO at once; time until each channel
    shows them."""
    before = await stock_calls(stack, http)
    expected: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    for target in targets:
        expected[target.channel] = {}
        for sku, (facility, item) in sorted(target.skus.items())[:count]:
            body = {"facility_id": facility, "item_code": item, "quantity": delta}
            body["reason"] = "bench"
            response = await http.post(f"{stack.gxo_url}/_sandbox/adjust", json=body)
            response.raise_for_status()
            level = response.json()
            # No orders and no buffer: both channels should show GXO's available stock.
            expected[target.channel][sku] = level["on_hand"] - level["allocated"]
    seen = await wait_shown(stack, http, expected, started)
    await asyncio.sleep(SETTLE_SECONDS)
    spent = await stock_calls(stack, http)
    rounds: list[Round] = []
    for target in targets:
        channel = target.channel
        changed = len(expected[channel])
        detail = diff(spent[channel], before[channel])
        calls = sum(n for op, n in detail.items() if op != "throttled")
        minimum = amazon_minimum(changed) if channel == "amazon" else centra_minimum(changed)
        times = list(seen[channel].values())
        rounds.append(
            Round(channel, changed, max(times), statistics.median(times), calls, minimum, detail)
        )
    return rounds


def render(rounds: list[Round], cycle: float) -> None:
    header = (
        f"{'channel':<8}{'SKUs':>6}{'runs':>6}{'all shown s':>13}{'p50 SKU s':>11}"
        f"{'/cycle':>8}{'calls/SKU':>11}{'min/SKU':>9}{'calls/min':>11}  operations"
    )
    print(header)
    print("-" * len(header))
    groups: dict[tuple[str, int], list[Round]] = {}
    for r in rounds:
        groups.setdefault((r.channel, r.changed), []).append(r)
    for (channel, changed), group in groups.items():
        latency = statistics.mean(r.latency_all for r in group)
        p50 = statistics.mean(r.latency_p50 for r in group)
        calls = statistics.mean(r.calls for r in group)
        minimum = group[0].minimum
        ops: dict[str, int] = {}
        for r in group:
            for op, n in r.detail.items():
                ops[op] = ops.get(op, 0) + n
        text = " ".join(f"{op}={n}" for op, n in sorted(ops.items()))
        print(
            f"{channel:<8}{changed:>6}{len(group):>6}{latency:>13.2f}{p50:>11.2f}"
            f"{latency / cycle:>8.2f}{calls / changed:>11.2f}{minimum / changed:>9.2f}"
            f"{calls / minimum:>11.2f}  {text} (total over runs)"
        )


async def run(repeats: int) -> None:
    var = Path(tempfile.mkdtemp(prefix="consign-bench-"))
    ports = free_stack_ports()
    stack = build_stack(var, ports, ui=False)
    ok = False
    try:
        async with stack, httpx.AsyncClient(timeout=30) as http:
            settings = await get_json(http, f"{stack.gxo_url}/_sandbox/settings")
            cycle = float(settings["cycle_seconds"])
            env = stack.environment()
            print(
                f"stack up: GXO cycle {cycle:g} s, consign poll "
                f"{env['CONSIGN_POLL_INTERVAL_SECONDS']} s, AMAZON_RATE_SCALE "
                f"{env['AMAZON_RATE_SCALE']}"
            )
            targets = await seed(stack, http)
            opening = {
                t.channel: {sku: demo_world.OPENING_STOCK for sku in t.skus} for t in targets
            }
            started = time.monotonic()
            seen = await wait_shown(stack, http, opening, started)
            first = max(max(times.values()) for times in seen.values())
            print(f"opening stock shown on both channels after {first:.2f} s")
            rounds: list[Round] = []
            delta = -1
            for size in (5, None):
                for _ in range(repeats):
                    rounds += await adjust_round(stack, http, targets, size, delta)
                    delta -= 1
            print()
            print(
                "inventory sync: GXO adjustment -> channel shows it "
                f"(baseline: GXO cycle {cycle:g} s; mean over runs)"
            )
            render(rounds, cycle)
            ok = True
    finally:
        if ok:
            shutil.rmtree(var, ignore_errors=True)
        else:
            print(f"logs kept in {var / 'logs'}")
    print(
        "\nall shown s: adjustment -> every changed SKU shows its new quantity (50 ms polling);"
        "\n/cycle: that latency over the GXO batch cycle (a change needs up to one cycle just to"
        "\n  become visible at GXO, so ~1 is the floor and the rest is consign + the channel);"
        "\ncalls/SKU: stock-push API calls per changed SKU (Amazon: listings + feeds operations,"
        "\n  incl. throttled; Centra: GraphQL mutations) against min/SKU, what the bulk API"
        "\n  allows (Amazon: min(1 patch per SKU, one feed round = 5 requests); Centra:"
        "\n  one setStock per 500 sizes). N SKUs are adjusted per channel at once; a batch that"
        "\n  straddles a GXO cycle end arrives in two reports and is pushed twice."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per batch size")
    args = parser.parse_args()
    asyncio.run(run(max(1, args.repeats)))


if __name__ == "__main__":
    main()
