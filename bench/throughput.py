"""Throughput: consign's orders per second end to end against a bare Temporal workflow running the
same number of no-op activities, on the same dev server, in the same run.

    .venv/bin/python -m bench.throughput [--orders 500 2000 --centra-share 0.2 --no-notifications]

For each order count, one fresh stack (starter.demo.build_stack on free ports: in-memory Temporal
dev server, the three sandboxes, one consign worker process; the demo's settings, so 1 s polls,
GXO's 1 s cycle, Amazon's plans x200; ORDER_CHANGE notifications through the local SQS endpoint
unless `--no-notifications`):

(a) consign: both channels' mappings, routing and GXO stock seeded (the demo world), then every
    order created at once in the sandboxes: Amazon MFN orders (Unshipped, none unmapped) and
    `--centra-share` of them at Centra (confirmed, not held). Each flows eligible -> injected ->
    dispatched -> ship-confirmed. **Time**: from the request that creates the first order to the
    close of the last order's OrderFulfillment workflow (it completes once every parcel is
    confirmed to its channel), by Temporal's close times.
(b) bare: consign's worker is stopped and a bare worker process (bench/bare.py) is started with
    the same worker settings (data converter, sticky timeout, cache size, slot defaults); then
    as many BareOrder workflows as (a) had orders are started at once, each running as many
    no-op activities as a real order history from (a) scheduled: `--sample` OrderFulfillment
    histories spread over the run are read and their ActivityTaskScheduled events counted, and
    the bare orders take those counts in turn (the mix's mean, range and size are printed).
    **Time**: from the first start request to the last close.

Printed per order count: orders/s of both and their ratio (consign / bare, goal >= 0.8),
history events and bytes per order (the OrderFulfillment or BareOrder histories alone, and
every workflow's new events in the namespace over the phase, intakes and syncs included), CPU
seconds per 100 orders of each process of the stack over each phase, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus, WorkflowHistory

from bench.bare import TASK_QUEUE, BareInput, BareOrder
from bench.chaos import seed_world
from starter.client import connect_to
from starter.demo import build_stack, free_stack_ports, settings_for
from starter.demo_world import centra_opening_stock, opening_stock
from starter.devstack import Child, DevStack

CONSIGN_ORDER = "OrderFulfillment"
BARE_ORDER = "BareOrder"
GOAL = 0.8
STOCK = 100_000  # GXO units per item: no order waits for stock
START_CONCURRENCY = 50  # bare workflows being started at a time
CENTRA_SHOWN = 10_000  # units of every size Centra shows before orders are made


def activities_scheduled(history: WorkflowHistory) -> int:
    """ActivityTaskScheduled events in one workflow history: the bare order's activity count."""
    scheduled = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    return sum(1 for event in history.events if event.event_type == scheduled)


def activity_mix(counts: Sequence[int], orders: int) -> list[int]:
    """Each bare order's activity count: the sampled real histories' counts in turn, so the
    bare orders run the same mix (an order of three parcels confirms three times)."""
    if not counts:
        raise ValueError("no OrderFulfillment history to count activities in")
    return [counts[index % len(counts)] for index in range(orders)]


def describe_mix(counts: Sequence[int]) -> str:
    return f"{statistics.fmean(counts):.2f} ({min(counts)}-{max(counts)}, n={len(counts)})"


def profiler(args: argparse.Namespace, child: Child, label: str) -> subprocess.Popen[bytes] | None:
    """With --profile DIR: py-spy samples `child` (subprocesses included, idle threads left out)
    into DIR/<label>.txt as collapsed stacks until stopped."""
    if args.profile is None or child.process is None:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = Path(args.profile) / f"{label}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [spy, "record", "--pid", str(child.process.pid), "--format", "raw", "--rate", "50"]
    argv += ["--nonblocking", "-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profiler(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_of(children: Iterable[Child]) -> dict[str, float]:
    return {
        c.name: cpu_seconds(c.process.pid) for c in children if c.process is not None and c.running
    }


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}


@dataclass
class Histories:
    """Events and bytes: the order workflows' own, and the namespace's growth over a phase."""

    orders: int = 0
    order_events: int = 0
    order_bytes: int = 0
    namespace_events: int = 0
    namespace_bytes: int = 0


@dataclass
class Phase:
    name: str
    orders: int
    seconds: float
    histories: Histories
    cpu: dict[str, float] = field(default_factory=dict)
    load: float = 0.0
    activities: list[int] = field(default_factory=list)  # per sampled order / per bare order
    not_done: int = 0

    @property
    def rate(self) -> float:
        """Completed orders a second (an incomplete phase: over the time waited)."""
        return self.histories.orders / self.seconds if self.seconds > 0 else 0.0

    def cpu_ms(self, names: tuple[str, ...] = ("worker", "bare", "temporal")) -> float:
        """CPU ms per order of the worker and the Temporal server (the sandboxes left out)."""
        spent = sum(seconds for name, seconds in self.cpu.items() if name in names)
        return 1000 * spent / self.orders if self.orders else 0.0


Totals = dict[str, tuple[int, int]]  # run id -> (history events, history bytes)


async def namespace_totals(client: Client) -> Totals:
    """run id -> (events, bytes) of every execution; running ones described (visibility's
    figures for a running workflow are those of its last visibility update)."""
    totals: Totals = {}
    running: list[WorkflowExecution] = []
    async for execution in client.list_workflows(""):
        if execution.status is WorkflowExecutionStatus.RUNNING:
            running.append(execution)
        else:
            size = execution.raw_info.history_size_bytes
            totals[execution.run_id] = (execution.history_length, size)
    for execution in running:
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        info = (await handle.describe()).raw_description.workflow_execution_info
        totals[execution.run_id] = (info.history_length, info.history_size_bytes)
    return totals


def growth(before: Totals, after: Totals) -> tuple[int, int]:
    events = sum(e - before.get(run, (0, 0))[0] for run, (e, _) in after.items())
    size = sum(b - before.get(run, (0, 0))[1] for run, (_, b) in after.items())
    return events, size


async def closed(client: Client, workflow_type: str) -> list[WorkflowExecution]:
    query = f"WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Completed'"
    return [e async for e in client.list_workflows(query)]


async def count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def until_completed(client: Client, workflow_type: str, wanted: int, limit: float) -> int:
    """Wait until `wanted` workflows of the type completed (or `limit` s); how many did."""
    query = f"WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Completed'"
    deadline = time.monotonic() + limit
    done = 0
    while time.monotonic() < deadline:
        done = await count(client, query)
        if done >= wanted:
            break
        await asyncio.sleep(1.0)
    return done


@dataclass
class Start:
    """What a phase reads when its orders start, to measure against at its end."""

    at: datetime
    totals: Totals
    cpu: dict[str, float]


async def start_phase(client: Client, stack: DevStack) -> Start:
    totals = await namespace_totals(client)
    return Start(datetime.now(UTC), totals, cpu_of(stack.children))


async def end_phase(
    client: Client,
    stack: DevStack,
    start: Start,
    name: str,
    workflow_type: str,
    orders: int,
    limit: float,
    spy: subprocess.Popen[bytes] | None,
) -> tuple[Phase, list[WorkflowExecution]]:
    """Once `orders` workflows of the type completed (or `limit` s): the phase's time (to the
    last close), histories, CPU and load."""
    done = await until_completed(client, workflow_type, orders, limit)
    stop_profiler(spy)
    cpu = cpu_delta(start.cpu, cpu_of(stack.children))
    load = os.getloadavg()[0]
    executions = await closed(client, workflow_type)
    last = max((e.close_time for e in executions if e.close_time), default=start.at)
    histories = Histories(
        orders=len(executions),
        order_events=sum(e.history_length for e in executions),
        order_bytes=sum(e.raw_info.history_size_bytes for e in executions),
    )
    histories.namespace_events, histories.namespace_bytes = growth(
        start.totals, await namespace_totals(client)
    )
    ended = last if done >= orders else datetime.now(UTC)  # incomplete: the time waited
    seconds = (ended - start.at).total_seconds()
    phase = Phase(name, orders, seconds, histories, cpu, load, not_done=orders - done)
    return phase, executions


async def create_orders(
    stack: DevStack, http: httpx.AsyncClient, orders: int, centra_share: float, seed: int
) -> tuple[int, int]:
    """Centra's share first (its sandbox makes fewer when its stock runs short), Amazon the
    rest; returns how many orders each created."""
    made = 0
    centra = round(orders * centra_share)
    if centra:
        body = {
            "count": centra,
            "seed": seed,
            "held_share": 0.0,
            "waiting_for_payment_share": 0.0,
        }
        answer = await http.post(f"{stack.centra_url}/_sandbox/orders", json=body)
        answer.raise_for_status()
        made += len(answer.json()["orders"])
    body = {
        "count": orders - made,
        "seed": seed,
        "afn_share": 0.0,
        "pending_share": 0.0,
        "include_unmapped": False,
    }
    answer = await http.post(f"{stack.amazon_url}/_sandbox/orders", json=body)
    answer.raise_for_status()
    amazon = len(answer.json()["orders"])
    return made, amazon


async def stock_up(stack: DevStack, http: httpx.AsyncClient, limit: float = 120.0) -> None:
    """GXO holds STOCK units of every item, and Centra shows them: its generator makes orders
    only from stock it shows, and the sync's first push (before the stock intake has read
    GXO) can show none for a moment."""
    rows = [*opening_stock(), *centra_opening_stock()]
    for row in rows:
        row["on_hand"] = STOCK
    (await http.put(f"{stack.gxo_url}/_sandbox/stock", json=rows)).raise_for_status()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        answer = await http.get(f"{stack.centra_url}/_sandbox/stock")
        answer.raise_for_status()
        free = [int(row["free_to_allocate"]) for row in answer.json()["stock"]]
        if free and min(free) >= CENTRA_SHOWN:
            return
        await asyncio.sleep(1.0)
    raise RuntimeError("Centra never showed GXO's stock: the inventory sync did not push it")


async def sample_activities(
    client: Client, executions: list[WorkflowExecution], n: int, show: Path | None
) -> list[int]:
    """The activity count of `n` histories spread over the run (with `show`: the first one's
    events written there, one per line, for reading)."""
    step = max(1, len(executions) // max(n, 1))
    counts = []
    for execution in executions[::step][:n]:
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        counts.append(activities_scheduled(history))
        if show is not None and len(counts) == 1:
            show.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(show.write_text, history.to_json())
    activity_mix(counts, 1)  # none sampled: fails here
    return counts


async def consign_phase(
    stack: DevStack, client: Client, orders: int, args: argparse.Namespace, say: Console
) -> Phase:
    async with httpx.AsyncClient(timeout=120) as http:
        await seed_world(stack, http)
        await stock_up(stack, http)
        await asyncio.sleep(args.settle)  # intakes and syncs up, the first syncs pushed
        spy = profiler(args, stack.child("worker"), f"worker-{orders}")
        start = await start_phase(client, stack)
        centra, amazon = await create_orders(stack, http, orders, args.centra_share, args.seed)
    made = centra + amazon
    say.log(f"consign: {amazon} Amazon and {centra} Centra orders created; waiting for them")
    phase, executions = await end_phase(
        client, stack, start, "consign", CONSIGN_ORDER, made, args.limit, spy
    )
    keep = args.save_history or args.profile
    show = Path(keep) / f"history-{orders}.json" if keep else None
    phase.activities = await sample_activities(client, executions, args.sample, show)
    return phase


async def start_bare(client: Client, activities: list[int], tag: str) -> None:
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def one(index: int) -> None:
        async with gate:
            await client.start_workflow(
                BareOrder.run,
                BareInput(activities=activities[index], order_id=f"{tag}-{index}"),
                id=f"bare:{tag}:{index}",
                task_queue=TASK_QUEUE,
            )

    await asyncio.gather(*(one(i) for i in range(len(activities))))


async def bare_phase(
    stack: DevStack,
    client: Client,
    orders: int,
    sampled: list[int],
    args: argparse.Namespace,
    say: Console,
) -> Phase:
    await asyncio.to_thread(stack.child("worker").stop)  # consign's worker leaves the cores
    settings = settings_for(stack)
    bare = Child(
        "bare",
        [
            stack.python,
            "-m",
            "bench.bare",
            "--address",
            stack.temporal_address,
            "--namespace",
            stack.namespace,
            "--max-cached",
            str(settings.max_cached_workflows),
        ],
        stack.log_dir / "bare.log",
        10.0,
    )
    bare.start(stack.root, {**os.environ, "PYTHONUNBUFFERED": "1", **stack.environment()})
    stack.children.append(bare)
    await asyncio.sleep(args.settle)  # the bare worker up and polling
    spy = profiler(args, bare, f"bare-{orders}")
    start = await start_phase(client, stack)
    activities = activity_mix(sampled, orders)
    await start_bare(client, activities, "run")
    say.log(f"bare: {orders} workflows started, activities {describe_mix(activities)}")
    phase, _ = await end_phase(client, stack, start, "bare", BARE_ORDER, orders, args.limit, spy)
    phase.activities = activities
    return phase


async def run_once(orders: int, args: argparse.Namespace, say: Console) -> tuple[Phase, Phase]:
    var = Path(tempfile.mkdtemp(prefix="consign-throughput-"))
    stack = build_stack(var, free_stack_ports(), ui=False)
    stack.notifications = args.notifications
    failed = True
    try:
        async with stack:
            client = await connect_to(stack.temporal_address, stack.namespace)
            consign = await consign_phase(stack, client, orders, args, say)
            bare = await bare_phase(stack, client, consign.orders, consign.activities, args, say)
        failed = consign.not_done > 0 or bare.not_done > 0
        return consign, bare
    finally:
        if failed or args.keep_logs:
            say.print(f"logs kept in {var / 'logs'}")
        else:
            shutil.rmtree(var, ignore_errors=True)


def per_order(value: int, orders: int) -> str:
    return f"{value / orders:,.1f}" if orders else "-"


def render(console: Console, results: list[tuple[Phase, Phase]]) -> None:
    table = Table(title="orders/s end to end: consign vs a bare workflow, same server, same run")
    for column in (
        "orders",
        "consign /s",
        "bare /s",
        "ratio",
        "consign events/order (all)",
        "bare events/order (all)",
        "consign KB/order (all)",
        "bare KB/order (all)",
        "activities",
        "CPU ms/order consign / bare",
        "CPU ratio",
        "load",
    ):
        table.add_column(column, justify="right")
    for consign, bare in results:
        table.add_row(
            f"{consign.orders:,}"
            + (f" ({consign.histories.orders:,} done)" if consign.not_done else ""),
            f"{consign.rate:.1f}",
            f"{bare.rate:.1f}",
            f"{consign.rate / bare.rate:.2f}" if bare.rate else "-",
            f"{per_order(consign.histories.order_events, consign.histories.orders)} "
            f"({per_order(consign.histories.namespace_events, consign.orders)})",
            f"{per_order(bare.histories.order_events, bare.histories.orders)} "
            f"({per_order(bare.histories.namespace_events, bare.orders)})",
            f"{consign.histories.order_bytes / 1024 / max(consign.histories.orders, 1):.1f} "
            f"({consign.histories.namespace_bytes / 1024 / max(consign.orders, 1):.1f})",
            f"{bare.histories.order_bytes / 1024 / max(bare.histories.orders, 1):.1f} "
            f"({bare.histories.namespace_bytes / 1024 / max(bare.orders, 1):.1f})",
            describe_mix(bare.activities) if bare.activities else "-",
            f"{consign.cpu_ms():.0f} / {bare.cpu_ms():.0f}",
            f"{bare.cpu_ms() / consign.cpu_ms():.2f}" if consign.cpu_ms() else "-",
            f"{consign.load:.1f} / {bare.load:.1f}",
        )
    console.print(table)
    cpu = Table(title="CPU seconds per 100 orders, by process, over each phase")
    names = sorted({n for pair in results for p in pair for n in p.cpu})
    cpu.add_column("orders / phase")
    for name in names:
        cpu.add_column(name, justify="right")
    cpu.add_column("all", justify="right")
    cpu.add_column("s", justify="right")
    for pair in results:
        for phase in pair:
            scale = 100 / max(phase.orders, 1)
            cpu.add_row(
                f"{phase.orders:,} {phase.name}",
                *(f"{phase.cpu[n] * scale:.2f}" if n in phase.cpu else "-" for n in names),
                f"{sum(phase.cpu.values()) * scale:.2f}",
                f"{phase.seconds:.1f}",
            )
    console.print(cpu)
    for consign, bare in results:
        if consign.not_done or bare.not_done:
            console.print(
                f"[red]{consign.orders}: {consign.not_done} consign / {bare.not_done} bare "
                f"orders not completed within the limit[/]"
            )
        ratio = consign.rate / bare.rate if bare.rate else 0.0
        verdict = "met" if ratio >= GOAL else "NOT met"
        console.print(f"{consign.orders:,} orders: ratio {ratio:.2f}, goal >= {GOAL}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--centra-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=50, help="histories counted")
    parser.add_argument("--settle", type=float, default=5.0, help="s before each phase")
    parser.add_argument("--limit", type=float, default=900.0, help="s to wait for the orders")
    parser.add_argument(
        "--no-notifications",
        dest="notifications",
        action="store_false",
        help="Amazon intake by polling alone (the demo polls every second), no SQS endpoint",
    )
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--profile", help="py-spy each worker into this directory")
    parser.add_argument("--save-history", help="write one order's history into this directory")
    args = parser.parse_args()
    console = Console(width=160)
    results = []
    for orders in args.orders:
        console.log(f"{orders} orders")
        results.append(asyncio.run(run_once(orders, args, console)))
    render(console, results)


if __name__ == "__main__":
    main()
