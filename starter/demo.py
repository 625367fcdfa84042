"""`consign demo`: the whole job end to end on the local stack, with progress and a summary.

Seeds the Amazon sandbox with a realistic mix of orders (MFN and AFN, pending payment, Prime,
business, international, a few with unmapped SKUs), the GXO sandbox with stock and a few
scripted troubles (short picks, an address the carrier refuses), and the store with mappings;
then buyers cancel some orders and pending payments clear while the worker drives every order
through its workflow. The summary's figures come from the workflows; the checks compare them
with what the sandboxes recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError

from domain.exceptions import ExceptionKind
from domain.lifecycle import RETRY_SIGNAL, STATUS_QUERY, OperatorRequest, OrderStage, OrderStatus
from domain.order import Channel, OrderRef
from sandbox.amazon.catalogue import UNMAPPED_SKUS
from sandbox.server import free_port
from starter import demo_world
from starter.client import connect
from starter.devstack import DevStack
from store.db import open_store
from store.mappings import (
    replace_facility_rules,
    upsert_carrier_codes,
    upsert_carrier_services,
    upsert_sku_mappings,
)

SELLER = "A1SANDBOXSELLER"
RATE_SCALE = 200  # Amazon's usage plans, scaled in both the sandbox and the worker
SETTLED = {OrderStage.SHIPPED, OrderStage.CANCELLED, OrderStage.SKIPPED_AFN, OrderStage.EXCEPTION}
DEADLINE_KINDS = {ExceptionKind.SHIP_BY_AT_RISK, ExceptionKind.SHIP_BY_MISSED}
LATE_SHIP_BY_SECONDS = 4
LATE_HOLD_CYCLES = 8  # GXO cycles every second: dispatch comes after the ship-by


@dataclass
class Scenario:
    """What the demo asked of the world, and so what each order must end as."""

    mfn: list[str] = field(default_factory=list)
    afn: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)  # carry a SKU the store cannot map
    to_cancel: list[str] = field(default_factory=list)
    refused_address: list[str] = field(default_factory=list)
    short_picks: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # ship-by seconds away, held at GXO past it

    def expected(self, order_id: str, retried: bool = False) -> tuple[OrderStage, str | None]:
        """The stage (and exception kind) an MFN order must reach."""
        if order_id in self.to_cancel:
            return OrderStage.CANCELLED, None
        if order_id in self.refused_address:
            return OrderStage.EXCEPTION, ExceptionKind.WAREHOUSE_REJECTED.value
        if order_id in self.unmapped and not retried:
            return OrderStage.EXCEPTION, ExceptionKind.UNMAPPED_SKU.value
        return OrderStage.SHIPPED, None


@dataclass
class Outcome:
    scenario: Scenario
    statuses: dict[str, OrderStatus]
    amazon_orders: dict[str, dict[str, Any]]
    confirmations: list[dict[str, Any]]
    injections: dict[str, dict[str, Any]]
    gxo_orders: dict[str, dict[str, Any]]
    gxo_cancels: list[dict[str, Any]]
    seconds: float
    retried: int = 0

    def count(self, predicate: Callable[[OrderStatus], bool]) -> int:
        return sum(1 for status in self.statuses.values() if predicate(status))


def _env_for_stack(database_url: str, webhook_port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "AMAZON_SELLER_ID": SELLER,
        "AMAZON_RATE_SCALE": str(RATE_SCALE),
        "AMAZON_SEARCH_SETTLE_SECONDS": "0",
        "CONSIGN_POLL_INTERVAL_SECONDS": "1",
        "CONSIGN_WEBHOOK_PORT": str(webhook_port),
        "GXO_FACILITIES": "GXO-UK-DAV,GXO-DE-KOB",
        "CENTRA_SWEEP_EVERY_POLLS": "5",
    }


def build_stack(var: Path, ports: dict[str, int] | None = None, ui: bool = True) -> DevStack:
    """The local stack configured for the demo: in-memory Temporal, fresh store, fast cycles;
    its store and logs live under `var`."""
    ports = ports or {}
    var.mkdir(parents=True, exist_ok=True)
    database = var / "consign.db"
    for stale in var.glob("consign.db*"):
        stale.unlink()
    webhook = ports.get("webhook") or free_port()
    env = _env_for_stack(f"sqlite:///{database}", webhook)
    return DevStack(
        db_file=None,
        temporal_port=ports.get("temporal", 7233),
        ui_port=ports.get("ui", 8233) if ui else None,
        amazon_port=ports.get("amazon", 8701),
        gxo_port=ports.get("gxo", 8702),
        centra_port=ports.get("centra", 8703),
        env=env,
        log_dir=var / "logs",
        amazon_args=["--rate-scale", str(RATE_SCALE)],
        gxo_args=[
            "--cycle-seconds",
            "1",
            "--webhook-url",
            f"http://127.0.0.1:{webhook}/webhooks/gxo",
        ],
        centra_args=["--webhook-url", f"http://127.0.0.1:{webhook}/webhooks/centra"],
    )


async def seed(stack: DevStack, orders: int, seed_value: int) -> Scenario:
    """Mappings into the store, stock and troubles into GXO, orders into Amazon."""
    engine = open_store(stack.environment()["DATABASE_URL"])
    await asyncio.to_thread(upsert_sku_mappings, engine, demo_world.sku_mappings())
    await asyncio.to_thread(replace_facility_rules, engine, demo_world.facility_rules())
    await asyncio.to_thread(upsert_carrier_services, engine, demo_world.carrier_services())
    await asyncio.to_thread(upsert_carrier_codes, engine, demo_world.carrier_codes())
    async with httpx.AsyncClient(timeout=30) as http:
        stock = await http.put(f"{stack.gxo_url}/_sandbox/stock", json=demo_world.opening_stock())
        stock.raise_for_status()
        created = await http.post(
            f"{stack.amazon_url}/_sandbox/orders",
            json={"count": orders, "seed": seed_value, "pending_share": 0.15, "afn_share": 0.1},
        )
        created.raise_for_status()
        scenario = _scenario(created.json())
        late = await http.post(
            f"{stack.amazon_url}/_sandbox/orders",
            json={"orders": [_late_order()]},
        )
        late.raise_for_status()
        scenario.late = [o["order_id"] for o in _orders_of(late.json())]
        scenario.mfn += scenario.late
        troubles: dict[str, dict[str, object]] = {}
        for order_id in scenario.to_cancel:  # held at GXO so the buyer's cancel can still win
            troubles[order_id] = {"hold_cycles": 30}
        for order_id in scenario.refused_address:
            troubles[order_id] = {"reject": "INVALID_ADDRESS"}
        for order_id in scenario.short_picks:
            troubles[order_id] = {"short_pick": {"line": 1, "ship": 1}}
        for order_id in scenario.late:  # GXO sits on it past its ship-by, then ships
            troubles[order_id] = {"hold_cycles": LATE_HOLD_CYCLES}
        scripted = await http.post(f"{stack.gxo_url}/_sandbox/scenarios", json=troubles)
        scripted.raise_for_status()
    return scenario


def _late_order() -> dict[str, Any]:
    ship_by = datetime.now(UTC) + timedelta(seconds=LATE_SHIP_BY_SECONDS)
    return {
        "lines": [{"sku": "HOODIE-NVY-M", "quantity": 1}],
        "latest_ship_date": ship_by.isoformat(),
    }


def _orders_of(body: Any) -> list[dict[str, Any]]:
    records = body if isinstance(body, list) else body.get("orders", [])
    return [record for record in records if isinstance(record, dict)]


def _scenario(created: Any) -> Scenario:
    """Sort the generated orders and pick disjoint ones for each trouble."""
    scenario = Scenario()
    clean: list[str] = []
    multi_unit: set[str] = set()
    for record in _orders_of(created):
        order_id = record["order_id"]
        if record["fulfillment_channel"] == "AFN":
            scenario.afn.append(order_id)
            continue
        scenario.mfn.append(order_id)
        if record["status"] == "Pending":
            scenario.pending.append(order_id)
        if {item["sku"] for item in record["items"]} & set(UNMAPPED_SKUS):
            scenario.unmapped.append(order_id)
        elif record["status"] != "Pending":
            clean.append(order_id)
            if record["items"][0]["quantity_ordered"] >= 2:
                multi_unit.add(order_id)
    picks = iter(clean)
    scenario.to_cancel = [next(picks) for _ in range(min(3, len(clean) // 4))]
    scenario.refused_address = [next(picks)] if len(clean) > 4 else []
    rest = list(picks)
    scenario.short_picks = [o for o in rest if o in multi_unit][:3]
    return scenario


async def buyers_and_payments(stack: DevStack, scenario: Scenario) -> None:
    """Buyers cancel a few orders; a few seconds later pending payments clear."""
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.sleep(3)
        for order_id in scenario.to_cancel:
            response = await http.post(
                f"{stack.amazon_url}/_sandbox/orders/{order_id}/cancel",
                json={"buyer_requested": True, "reason": "Changed my mind"},
            )
            response.raise_for_status()
        await asyncio.sleep(3)
        for order_id in scenario.pending:
            response = await http.post(f"{stack.amazon_url}/_sandbox/orders/{order_id}/release")
            response.raise_for_status()


async def operations_fix(stack: DevStack, client: Client, scenario: Scenario) -> int:
    """What a person does for UNMAPPED_SKU: add the mapping (GXO sets the item up), then
    send `retry`. Returns how many orders were retried."""
    late = demo_world.sku_mappings(UNMAPPED_SKUS)
    engine = open_store(stack.environment()["DATABASE_URL"])
    await asyncio.to_thread(upsert_sku_mappings, engine, late)
    async with httpx.AsyncClient(timeout=30) as http:
        stock = await http.put(
            f"{stack.gxo_url}/_sandbox/stock", json=demo_world.opening_stock(late)
        )
        stock.raise_for_status()
    request = OperatorRequest(reason="SKU mapping added", requested_by="demo-operations")
    for order_id in scenario.unmapped:
        ref = OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=order_id)
        await client.get_workflow_handle(ref.workflow_id).signal(RETRY_SIGNAL, request)
    return len(scenario.unmapped)


async def _status(client: Client, ref: OrderRef) -> OrderStatus | None:
    try:
        handle = client.get_workflow_handle(ref.workflow_id)
        return await handle.query(STATUS_QUERY, result_type=OrderStatus)
    except RPCError:
        return None


def _settled(status: OrderStatus | None) -> bool:
    if status is None:
        return False
    if status.stage is OrderStage.EXCEPTION:
        return status.exception is not None and status.exception.kind not in DEADLINE_KINDS
    return status.stage in SETTLED


async def statuses(client: Client, order_ids: list[str]) -> dict[str, OrderStatus | None]:
    refs = [OrderRef(channel=Channel.AMAZON, account=SELLER, order_id=o) for o in order_ids]
    found = await asyncio.gather(*(_status(client, ref) for ref in refs))
    return dict(zip(order_ids, found, strict=True))


async def wait_until_settled(
    client: Client,
    scenario: Scenario,
    limit_seconds: float,
    on_progress: Callable[[int, Counter[str]], None] = lambda done, stages: None,
) -> dict[str, OrderStatus]:
    """Poll the orders' `status` queries until each has finished or needs a person."""
    deadline = time.monotonic() + limit_seconds
    while True:
        current = await statuses(client, scenario.mfn)
        stages = Counter(s.stage.value if s else "NOT_YET_SEEN" for s in current.values())
        done = sum(1 for s in current.values() if _settled(s))
        on_progress(done, stages)
        if done == len(scenario.mfn) or time.monotonic() > deadline:
            return {order_id: s for order_id, s in current.items() if s is not None}
        await asyncio.sleep(0.5)


async def collect(
    stack: DevStack, scenario: Scenario, found: dict[str, OrderStatus], seconds: float
) -> Outcome:
    """What the sandboxes recorded, next to what the workflows say."""
    async with httpx.AsyncClient(timeout=30) as http:

        async def get(path: str) -> Any:
            response = await http.get(path)
            response.raise_for_status()
            return response.json()

        amazon = _orders_of(await get(f"{stack.amazon_url}/_sandbox/orders"))
        confirmations = await get(f"{stack.amazon_url}/_sandbox/confirmations")
        injections = await get(f"{stack.gxo_url}/_sandbox/injections")
        gxo = _orders_of(await get(f"{stack.gxo_url}/_sandbox/orders"))
        cancels = await get(f"{stack.gxo_url}/_sandbox/cancels")
    return Outcome(
        scenario=scenario,
        statuses=found,
        amazon_orders={o["order_id"]: o for o in amazon},
        confirmations=_orders_of(confirmations),
        injections=injections,
        gxo_orders={o["reference"]: o for o in gxo},
        gxo_cancels=_orders_of(cancels),
        seconds=seconds,
    )


def _confirmed_units(outcome: Outcome, order_id: str) -> Counter[str]:
    """Units per Amazon order item across the packages Amazon holds (re-sends edit one)."""
    units: Counter[str] = Counter()
    for package in outcome.amazon_orders[order_id].get("packages", {}).values():
        for order_item_id, quantity in package["items"].items():
            units[order_item_id] += quantity
    return units


def _shipped_units(outcome: Outcome, order_id: str) -> Counter[str]:
    units: Counter[str] = Counter()
    for line in outcome.gxo_orders.get(order_id, {}).get("lines", []):
        units[line["channel_line_id"]] += line["shipped"]
    return units


def checks(outcome: Outcome) -> dict[str, bool]:
    """The invariants the sandboxes' records must satisfy after a run."""
    scenario = outcome.scenario
    injected = {ref for ref, counts in outcome.injections.items() if counts["created"] >= 1}
    reached_gxo = {o for o, s in outcome.statuses.items() if s.injections > 0}
    cancelled_at_gxo = {c["reference"] for c in outcome.gxo_cancels if c["outcome"] == "CANCELLED"}
    cancelled = {
        o for o, s in outcome.statuses.items() if s.stage is OrderStage.CANCELLED and s.injections
    }
    rejected_once = {
        ref for ref, counts in outcome.injections.items() if counts["created"] > 1
    } - set(scenario.refused_address)
    return {
        "every MFN order that cleared planning was injected exactly once": (
            injected == reached_gxo and not rejected_once
        ),
        "no AFN order was injected": not (injected & set(scenario.afn)),
        "confirmed quantities per line equal GXO's shipped quantities": all(
            _confirmed_units(outcome, o) == +_shipped_units(outcome, o) for o in scenario.mfn
        ),
        "every GXO parcel confirmed to Amazon exactly once": all(
            len(outcome.amazon_orders[o].get("packages", {}))
            == len(outcome.gxo_orders.get(o, {}).get("parcels", []))
            for o in scenario.mfn
        ),
        "orders cancelled after injection were cancelled at GXO": cancelled <= cancelled_at_gxo,
        "orders dispatched after their ship-by are flagged late": all(
            outcome.statuses[o].late for o in scenario.late if o in outcome.statuses
        ),
        "every order ended as the scenario expects": all(
            (s.stage, s.exception.kind.value if s.exception else None)
            == scenario.expected(o, retried=outcome.retried > 0)
            for o, s in outcome.statuses.items()
        )
        and len(outcome.statuses) == len(scenario.mfn),
    }


def summary_rows(outcome: Outcome) -> list[tuple[str, int]]:
    def stage(s: OrderStatus) -> OrderStage:
        return s.stage

    return [
        ("orders seeded", len(outcome.scenario.mfn) + len(outcome.scenario.afn)),
        ("AFN skipped (fulfilled by Amazon, never sent to GXO)", len(outcome.scenario.afn)),
        ("injected into GXO", outcome.count(lambda s: s.injections > 0)),
        (
            "shipped in full (one parcel)",
            outcome.count(lambda s: stage(s) is OrderStage.SHIPPED and len(s.parcels) == 1),
        ),
        (
            "shipped in parts (split or short-picked)",
            outcome.count(lambda s: stage(s) is OrderStage.SHIPPED and len(s.parcels) > 1),
        ),
        ("cancelled", outcome.count(lambda s: stage(s) is OrderStage.CANCELLED)),
        ("unmapped SKU fixed by operations, then retried", outcome.retried),
        (
            "in exception (needs a person)",
            outcome.count(lambda s: stage(s) is OrderStage.EXCEPTION),
        ),
        ("late", outcome.count(lambda s: s.late)),
        (
            "not settled when the demo stopped",
            len(outcome.scenario.mfn)
            - len(outcome.statuses)
            + outcome.count(lambda s: not _settled(s)),
        ),
    ]


def render(console: Console, outcome: Outcome, web_ui: str | None) -> None:
    table = Table(title="consign demo: Amazon -> GXO")
    table.add_column("outcome")
    table.add_column("orders", justify="right")
    for label, value in summary_rows(outcome):
        table.add_row(label, str(value))
    console.print(table)
    kinds = Counter(
        s.exception.kind.value
        for s in outcome.statuses.values()
        if s.stage is OrderStage.EXCEPTION and s.exception
    )
    if kinds:
        console.print("exceptions: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
    for label, ok in checks(outcome).items():
        console.print(f"[{'green' if ok else 'red'}]{'ok  ' if ok else 'FAIL'}[/] {label}")
    total = len(outcome.scenario.mfn) + len(outcome.scenario.afn)
    console.print(
        f"{total} orders in {outcome.seconds:.1f} s "
        f"({total / outcome.seconds:.2f} orders/s, Amazon usage plans scaled x{RATE_SCALE})"
    )
    if web_ui:
        console.print(
            f"Web UI: {web_ui}/namespaces/default/workflows  "
            '(try the query: OrderStage = "EXCEPTION")'
        )


async def run_scenario(
    stack: DevStack,
    orders: int,
    seed_value: int,
    limit_seconds: float,
    console: Console | None,
    fix_exceptions: bool = True,
) -> Outcome:
    """Seed, let the worker run every order, then (optionally) fix the unmapped SKUs and retry
    those orders the way operations would; collect what everyone recorded."""
    scenario = await seed(stack, orders, seed_value)
    started = time.monotonic()
    client = await connect(_settings_for(stack))
    buyers = asyncio.create_task(buyers_and_payments(stack, scenario))
    found = await _watch(client, scenario, limit_seconds, console, "orders")
    await buyers
    retried = 0
    if fix_exceptions and scenario.unmapped:
        before = {o: s.stage for o, s in found.items()}
        retried = await operations_fix(stack, client, scenario)
        await _wait_for_change(client, scenario.unmapped, before)
        found = await _watch(client, scenario, limit_seconds, console, "after retry")
    outcome = await collect(stack, scenario, found, time.monotonic() - started)
    outcome.retried = retried
    return outcome


async def _wait_for_change(
    client: Client, order_ids: list[str], before: dict[str, OrderStage]
) -> None:
    """Until every retried order has left the stage it was parked in (bounded)."""
    for _ in range(200):
        now = await statuses(client, order_ids)
        if all(s is not None and s.stage is not before.get(o) for o, s in now.items()):
            return
        await asyncio.sleep(0.1)


async def _watch(
    client: Client, scenario: Scenario, limit_seconds: float, console: Console | None, label: str
) -> dict[str, OrderStatus]:
    if console is None:
        return await wait_until_settled(client, scenario, limit_seconds)
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("", total=len(scenario.mfn))

        def show(done: int, stages: Counter[str]) -> None:
            text = " ".join(f"{k}:{v}" for k, v in sorted(stages.items()))
            progress.update(task, completed=done, description=text)

        return await wait_until_settled(client, scenario, limit_seconds, show)


def _settings_for(stack: DevStack) -> Any:
    from config import get_settings

    os.environ.update(stack.environment())
    get_settings.cache_clear()
    return get_settings()


def run_demo(orders: int = 60, seed_value: int = 2026, timeout: float = 300) -> None:
    """Bring up the stack, run the scenario, print the summary; keep the stack up for the Web UI
    while a person is watching (an interactive terminal) until Ctrl-C."""
    console = Console()
    stack = build_stack(Path(__file__).resolve().parent.parent / "var" / "demo")
    console.print("starting Temporal dev server, Amazon and GXO sandboxes, worker ...")
    with stack:
        console.print(f"Web UI: {stack.ui_url}")
        outcome = asyncio.run(run_scenario(stack, orders, seed_value, timeout, console))
        render(console, outcome, stack.ui_url)
        if sys.stdin.isatty():
            console.print("The stack stays up for the Web UI; press Ctrl-C to stop.")
            with contextlib.suppress(KeyboardInterrupt):
                stack.wait()
    if not all(checks(outcome).values()):
        raise SystemExit(1)
