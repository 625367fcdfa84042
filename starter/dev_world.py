"""The live dev world `consign dev` runs: the demo's fast clocks (usage plans scaled, 1 s polls),
its mappings, facility rules and GXO stock, and a gentle order generator, so an order made by
hand in a sandbox, or generated, reaches GXO within seconds and ships.

Everything lives under var/dev: the store (fresh each start, like the in-memory sandboxes), the
Temporal database when kept, and one log directory per run (earlier runs' logs stay)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
from rich.console import Console
from sqlalchemy import Engine

from starter import demo_world
from starter.demo import build_stack
from starter.demo_parts import records
from starter.devstack import PROJECT_ROOT, Child, DevStack
from store.mappings import (
    replace_facility_rules,
    upsert_carrier_codes,
    upsert_carrier_services,
    upsert_sku_mappings,
)
from store.migrate import open_store

DEV_VAR = PROJECT_ROOT / "var" / "dev"


def build_dev_stack(
    ports: dict[str, int],
    *,
    keep_temporal: bool,
    sandboxes: bool,
    worker: bool,
    var: Path = DEV_VAR,
) -> DevStack:
    """The demo's stack under `var`, logging into a directory of its own for this run."""
    stack = build_stack(
        var,
        ports,
        temporal_db=var / "temporal.db" if keep_temporal else None,
        log_dir=new_log_dir(var / "logs"),
    )
    stack.run_sandboxes, stack.run_worker = sandboxes, worker
    return stack


def new_log_dir(root: Path) -> Path:
    """var/dev/logs/<start time>, a new one each run (a suffix when two start in one second)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        path = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")


def seed_store(engine: Engine) -> None:
    """Both channels' mappings, carriers and facility rules, as the demo has them."""
    replace_facility_rules(
        engine, [*demo_world.facility_rules(), *demo_world.centra_facility_rules()]
    )
    upsert_sku_mappings(engine, [*demo_world.sku_mappings(), *demo_world.centra_sku_mappings()])
    upsert_carrier_services(
        engine, [*demo_world.carrier_services(), *demo_world.centra_carrier_services()]
    )
    upsert_carrier_codes(engine, [*demo_world.carrier_codes(), *demo_world.centra_carrier_codes()])


async def seed_world(stack: DevStack, http: httpx.AsyncClient) -> None:
    """The store's mappings, and GXO's item master and opening stock, for both channels."""
    engine = open_store(stack.environment()["DATABASE_URL"])
    try:
        await asyncio.to_thread(seed_store, engine)
    finally:
        engine.dispose()
    stock = [*demo_world.opening_stock(), *demo_world.centra_opening_stock()]
    await demo_world.open_warehouse(http, stack.gxo_url, stock)


async def generate_orders(
    stack: DevStack,
    http: httpx.AsyncClient,
    every_seconds: float,
    created: Callable[[str, str], None] = lambda channel, order_id: None,
) -> None:
    """One sandbox-generated order every `every_seconds`, Amazon and Centra in turn (the
    sandboxes' own mix: some pending payment, some Amazon-fulfilled), until cancelled. A sandbox
    that does not answer is skipped this turn: the generator is a convenience, never a reason
    for the dev stack to stop."""
    for n in itertools.count(1):
        await asyncio.sleep(every_seconds)
        channel, url, key = (
            ("amazon", stack.amazon_url, "order_id")
            if n % 2
            else ("centra", stack.centra_url, "number")
        )
        try:
            answer = await http.post(f"{url}/_sandbox/orders", json={"count": 1, "seed": n})
            answer.raise_for_status()
        except httpx.HTTPError:
            continue
        for order in records(answer.json()):
            created(channel, str(order[key]))


async def run_dev_world(stack: DevStack, order_every: float | None, console: Console) -> Child:
    """Seed the world and generate orders while the stack runs, until a child exits (returned)
    or Ctrl-C."""
    async with httpx.AsyncClient(timeout=10) as http:
        if stack.run_sandboxes:
            await seed_world(stack, http)
            console.print("seeded    the demo's mappings, facility rules and GXO stock")

        def created(channel: str, order_id: str) -> None:
            console.print(f"new order {channel} {order_id}", highlight=False)

        generator = (
            asyncio.create_task(generate_orders(stack, http, order_every, created))
            if order_every and stack.run_sandboxes
            else None
        )
        try:
            while True:  # a child's exit is seen by polling its process
                dead = stack.failed()
                if dead is not None:
                    return dead
                await asyncio.sleep(0.5)
        finally:
            if generator is not None:
                generator.cancel()
