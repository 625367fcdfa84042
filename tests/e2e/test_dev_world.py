"""The live dev world (`consign dev`): seeded with the demo's mappings and stock, generating
orders, and picking up an order made by hand within seconds; each run logs apart."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx
from rich.console import Console

from starter.demo import free_stack_ports
from starter.dev_world import build_dev_stack, new_log_dir, run_dev_world
from starter.devstack import DevStack

PATIENCE = 120  # seconds: a bound for a loaded machine, not a timing assertion


async def reached_gxo(http: httpx.AsyncClient, stack: DevStack, order_id: str) -> bool:
    answer = await http.get(f"{stack.gxo_url}/_sandbox/orders")
    return order_id in answer.text


async def wait_for(http: httpx.AsyncClient, stack: DevStack, order_ids: list[str]) -> None:
    for _ in range(PATIENCE * 4):
        found = [order_id for order_id in order_ids if await reached_gxo(http, stack, order_id)]
        if found == order_ids:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"never reached GXO: {sorted(set(order_ids) - set(found))}")


def test_orders_made_by_hand_and_generated_reach_gxo(tmp_path: Path) -> None:
    ports = free_stack_ports()
    stack = build_dev_stack(
        ports, keep_temporal=False, sandboxes=True, worker=True, var=tmp_path / "dev"
    )
    printed = io.StringIO()

    def channels() -> set[str]:
        """The channels the generator made an order in so far (it skips a store that refuses
        one, as Centra does until inventory sync has shown it GXO's stock)."""
        lines = printed.getvalue().splitlines()
        return {line.split()[2] for line in lines if line.startswith("new order")}

    async def scenario() -> None:
        world = asyncio.create_task(run_dev_world(stack, 2.0, Console(file=printed, width=200)))
        async with httpx.AsyncClient(timeout=10) as http:
            try:
                for _ in range(PATIENCE * 4):
                    if channels() == {"amazon", "centra"} or world.done():
                        break
                    await asyncio.sleep(0.25)
                assert not world.done(), world
                by_hand = []
                line = {"sku": "TSHIRT-BLK-M", "quantity": 2}  # as the README shows
                amazon = await http.post(
                    f"{stack.amazon_url}/_sandbox/orders", json={"orders": [{"lines": [line]}]}
                )
                amazon.raise_for_status()
                by_hand.append(amazon.json()["orders"][0]["order_id"])
                centra = await http.post(
                    f"{stack.centra_url}/_sandbox/orders",
                    json={"orders": [{"lines": [{"SKU": "TEE200WHTM", "quantity": 1}]}]},
                )
                centra.raise_for_status()
                by_hand.append(str(centra.json()["orders"][0]["number"]))
                await wait_for(http, stack, by_hand)
            finally:
                world.cancel()

    with stack:
        asyncio.run(scenario())
    assert channels() == {"amazon", "centra"}, printed.getvalue()
    assert "seeded" in printed.getvalue()
    assert (stack.log_dir / "worker.log").read_text()


def test_each_run_logs_in_a_directory_of_its_own(tmp_path: Path) -> None:
    first, second = new_log_dir(tmp_path), new_log_dir(tmp_path)
    assert first != second and first.is_dir() and second.is_dir()
