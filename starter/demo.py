"""`consign demo`: the whole job end to end on the local stack, with progress and a summary.

Amazon and Centra orders run side by side (starter/demo_amazon.py, starter/demo_centra.py):
each part seeds its sandbox, GXO's stock and troubles, and the store's mappings; buyers cancel
and payments clear while the worker drives every order through its workflow; then operations
fix what only a person can fix and retry. The summary's figures come from the workflows; the
checks compare them with what the sandboxes recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError

from domain.lifecycle import STATUS_QUERY, OrderStage, OrderStatus
from domain.order import Channel, OrderRef
from sandbox.faults import FaultConfig
from sandbox.server import free_port
from starter.client import connect
from starter.demo_accounts import (
    AMAZON_DE,
    CENTRA_US,
    by_channel,
    first_parts,
    second_sandboxes,
    second_seller,
    second_store,
    write_accounts_file,
)
from starter.demo_amazon import RATE_SCALE, AmazonPart
from starter.demo_centra import CENTRA_RATE_SCALE, CentraPart
from starter.demo_launch import LaunchOutcome, LaunchScene
from starter.demo_launch import render as render_launch
from starter.demo_launch_amazon import AmazonLaunch, AmazonLaunchOutcome
from starter.demo_launch_amazon import render as render_amazon_launch
from starter.demo_operations import (
    OperationsOutcome,
    collect_answers,
    until_alerted,
    write_daily_report,
)
from starter.demo_operations import render as render_operations
from starter.demo_parts import ChannelPart, GxoRecords, get_json, part_settled, records
from starter.demo_returns import NOT_ARRIVED_DAYS, RETURNS_REPORT_MINUTES, ReturnsOutcome
from starter.demo_returns import finish as finish_returns
from starter.demo_returns import render as render_returns
from starter.demo_returns import start as start_returns
from starter.demo_settlement import SettlementOutcome, settle
from starter.demo_settlement import render as render_settlement
from starter.devstack import DevStack, ExtraSandbox
from store.mappings import replace_facility_rules
from store.migrate import open_store
from workflows.deployment import facilities

Key = tuple[str, str]  # (channel, account): a part's orders


@dataclass
class Outcome:
    parts: list[ChannelPart]
    statuses: dict[Key, dict[str, OrderStatus]]
    gxo: GxoRecords
    seconds: float
    settlement: SettlementOutcome | None = None
    operations: OperationsOutcome | None = None
    returns: ReturnsOutcome | None = None
    launch: LaunchOutcome | None = None
    amazon_launch: AmazonLaunchOutcome | None = None

    def part(self, channel: Channel) -> Any:
        """The channel's first part (its default account)."""
        return next(p for p in self.parts if p.channel == channel)

    def statuses_of(self, channel: Channel) -> dict[str, OrderStatus]:
        """The orders of the channel's first part (its default account)."""
        return self.statuses[self.part(channel).key]

    def checks(self) -> dict[str, bool]:
        """Each part's checks against its own account's GXO records."""
        found = {
            f"{part.label}: {name}": ok
            for part in self.parts
            for name, ok in part.checks(
                self.statuses[part.key], self.gxo.of_account(part.channel, part.account)
            ).items()
        }
        if self.settlement is not None:
            found |= {f"Amazon settlement: {n}": ok for n, ok in self.settlement.checks().items()}
        if self.operations is not None:
            found |= {f"Operations: {n}": ok for n, ok in self.operations.checks().items()}
        if self.returns is not None:
            found |= self.returns.checks()
        if self.launch is not None:
            found |= {f"Centra launch: {n}": ok for n, ok in self.launch.checks().items()}
        if self.amazon_launch is not None:
            found |= {f"Amazon launch: {n}": ok for n, ok in self.amazon_launch.checks().items()}
        return found

    @property
    def orders(self) -> int:
        return sum(p.rows(self.statuses[p.key])["orders seeded"] for p in self.parts)


LAUNCH_SINCE = "2025-01-01T00:00:00+00:00"  # after the Centra sandbox's CATALOGUE_EDITED


def _env_for_stack(database_url: str, webhook_port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "AMAZON_SELLER_ID": AmazonPart.account,
        "AMAZON_RATE_SCALE": str(RATE_SCALE),
        "AMAZON_SEARCH_SETTLE_SECONDS": "0",
        "AMAZON_RETURNS_REPORT_MINUTES": RETURNS_REPORT_MINUTES,  # seconds: the demo's returns
        "CENTRA_ACCOUNT": CentraPart.account,
        "CENTRA_RATE_SCALE": str(CENTRA_RATE_SCALE),
        "CENTRA_SWEEP_EVERY_POLLS": "5",
        "CONSIGN_POLL_INTERVAL_SECONDS": "1",
        "CONSIGN_MONITOR_MINUTES": "0.1",  # the health monitor checks every 6 s
        "CONSIGN_MONITOR_EXCEPTION_MINUTES": "0",  # and raises a parked order's kind at once
        "CONSIGN_WEBHOOK_PORT": str(webhook_port),
        "CONSIGN_RETURN_NOT_ARRIVED_DAYS": NOT_ARRIVED_DAYS,  # seconds: the demo's returns
        "GXO_FACILITIES": "GXO-UK-DAV,GXO-DE-KOB",
        # The launch scene: products created during the demo go to GXO's item master, swept
        # every 3 s with item codes from the product data; the built-in catalogue (edited
        # before LAUNCH_SINCE) is what GXO held before consign.
        "CENTRA_PRODUCT_SYNC": "true",
        "CENTRA_PRODUCT_SYNC_MINUTES": "0.05",
        "CENTRA_ITEM_CODES_FROM_PRODUCTS": "true",
        "CENTRA_PRODUCT_SYNC_SINCE": LAUNCH_SINCE,
        # Amazon's listings of SKUs Centra does not sell, swept every 3 s (the Amazon-only
        # launch); item codes stay hand-kept, so the deliberately unmapped SKUs stay unmapped.
        "AMAZON_PRODUCT_SYNC": "true",
        "AMAZON_PRODUCT_SYNC_MINUTES": "0.05",
    }


STACK_PORTS = (
    "temporal",
    "ui",
    "amazon",
    "gxo",
    "centra",
    "alerts",
    "sqs",
    "webhook",
    AMAZON_DE,
    CENTRA_US,
)


def free_stack_ports() -> dict[str, int]:
    """A free port for every component, so stacks of tests and benchmarks run side by side."""
    return {name: free_port() for name in STACK_PORTS}


def build_stack(
    var: Path,
    ports: dict[str, int] | None = None,
    ui: bool = True,
    temporal_db: Path | None = None,
    log_dir: Path | None = None,
    split_worker: bool = False,
    second_accounts: bool = False,
) -> DevStack:
    """The local stack configured for the demo: in-memory Temporal (or kept in `temporal_db`,
    so the server can be restarted), fresh store, fast cycles; its store and logs (unless
    `log_dir` says elsewhere) live under `var`. With `second_accounts`, a second Amazon seller
    and a second Centra store on sandboxes of their own, in an accounts file
    (starter/demo_accounts.py)."""
    ports = ports or {}
    var.mkdir(parents=True, exist_ok=True)
    database = var / "consign.db"
    for stale in var.glob("consign.db*"):
        stale.unlink()
    webhook = ports.get("webhook") or free_port()
    hooks = f"http://127.0.0.1:{webhook}/webhooks"
    env = _env_for_stack(f"sqlite:///{database}", webhook)
    extra: list[ExtraSandbox] = []
    if second_accounts:
        wanted = {name: ports.get(name) or free_port() for name in (AMAZON_DE, CENTRA_US)}
        extra = second_sandboxes(wanted, hooks)
        env.update(write_accounts_file(var, extra))
    return DevStack(
        db_file=temporal_db,
        temporal_port=ports.get("temporal", 7233),
        ui_port=ports.get("ui", 8233) if ui else None,
        amazon_port=ports.get("amazon", 8701),
        gxo_port=ports.get("gxo", 8702),
        centra_port=ports.get("centra", 8703),
        alerts_port=ports.get("alerts", 8704),
        sqs_port=ports.get("sqs", 8705),
        notifications=True,  # ORDER_CHANGE through the local SQS endpoint; polling stays on
        env=env,
        extra_sandboxes=extra,
        log_dir=log_dir or var / "logs",
        split_worker=split_worker,
        # Returns reports ready at once (the sandbox's default: 2 s; the port would then wait
        # its 5 s poll before reading one).
        amazon_args=["--rate-scale", str(RATE_SCALE), "--report-processing-seconds", "0"],
        gxo_args=["--cycle-seconds", "1", "--webhook-url", f"{hooks}/gxo"],
        centra_args=[
            "--webhook-url",
            f"{hooks}/centra",
            "--rate-scale",
            str(CENTRA_RATE_SCALE),
        ],
    )


async def _status(client: Client, workflow_id: str) -> OrderStatus | None:
    try:
        handle = client.get_workflow_handle(workflow_id)
        return await handle.query(STATUS_QUERY, result_type=OrderStatus)
    except RPCError:
        return None


async def statuses(
    client: Client, parts: list[ChannelPart]
) -> dict[Key, dict[str, OrderStatus | None]]:
    refs = [
        OrderRef(channel=p.channel, account=p.account, order_id=o)
        for p in parts
        for o in p.order_ids
    ]
    found = await asyncio.gather(*(_status(client, ref.workflow_id) for ref in refs))
    result: dict[Key, dict[str, OrderStatus | None]] = {p.key: {} for p in parts}
    for ref, status in zip(refs, found, strict=True):
        result[(ref.channel, ref.account)][ref.order_id] = status
    return result


async def wait_until_settled(
    client: Client,
    parts: list[ChannelPart],
    limit_seconds: float,
    on_progress: Callable[[int, Counter[str]], None] = lambda done, stages: None,
) -> dict[Key, dict[str, OrderStatus]]:
    """Poll the orders' `status` queries until each has finished, needs a person, or rests
    where the scenario leaves it."""
    deadline = time.monotonic() + limit_seconds
    total = sum(len(p.order_ids) for p in parts)
    while True:
        current = await statuses(client, parts)
        everything = [s for by_order in current.values() for s in by_order.values()]
        stages = Counter(s.stage.value if s else "NOT_YET_SEEN" for s in everything)
        done = sum(1 for p in parts for o, s in current[p.key].items() if part_settled(p, o, s))
        on_progress(done, stages)
        if done == total or time.monotonic() > deadline:
            return {
                key: {o: s for o, s in by_order.items() if s is not None}
                for key, by_order in current.items()
            }
        await asyncio.sleep(0.5)


async def _wait_for_change(
    client: Client, parts: list[ChannelPart], before: dict[Key, dict[str, OrderStatus]]
) -> None:
    """Until every order an operator just fixed has left EXCEPTION (bounded)."""
    awaited = [
        (part.key, order_id)
        for part in parts
        for order_id, status in before[part.key].items()
        if status.stage is OrderStage.EXCEPTION
        and part.expected(order_id)[0] is not OrderStage.EXCEPTION
    ]
    for _ in range(200):
        now = await statuses(client, parts)
        left = [now[key].get(order_id) for key, order_id in awaited]
        if all(s is not None and s.stage is not OrderStage.EXCEPTION for s in left):
            return
        await asyncio.sleep(0.1)


async def _watch(
    client: Client,
    parts: list[ChannelPart],
    limit_seconds: float,
    console: Console | None,
    label: str,
) -> dict[Key, dict[str, OrderStatus]]:
    if console is None:
        return await wait_until_settled(client, parts, limit_seconds)
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("", total=sum(len(p.order_ids) for p in parts))

        def show(done: int, stages: Counter[str]) -> None:
            text = " ".join(f"{k}:{v}" for k, v in sorted(stages.items()))
            progress.update(task, completed=done, description=text)

        return await wait_until_settled(client, parts, limit_seconds, show)


async def run_scenario(
    stack: DevStack,
    orders: int,
    seed_value: int,
    limit_seconds: float,
    console: Console | None,
    fix_exceptions: bool = True,
    faults: FaultConfig | None = None,
) -> Outcome:
    """Seed both channels, let the worker run every order, then (optionally) fix what
    operations would fix and retry; collect what everyone recorded. `faults` makes every
    sandbox misbehave (5xx, 429, timeouts, lost responses, repeated and reordered events) while
    the orders run; the outcomes must not change. A stack built with `second_accounts` also
    runs a second Amazon seller (Amazon.de) and a second Centra store, side by side."""
    parts: list[ChannelPart] = [AmazonPart(orders, seed_value), CentraPart()]
    if "amazon-de" in stack.extra_sandboxes:
        parts.insert(1, second_seller(orders, seed_value))
        parts.append(second_store())
    engine = open_store(stack.environment()["DATABASE_URL"])
    async with httpx.AsyncClient(timeout=30) as http:
        rules = [rule for part in parts for rule in part.facility_rules()]
        await asyncio.to_thread(replace_facility_rules, engine, rules)
        for part in parts:
            await part.seed(stack, http, engine)
        if faults is not None:
            await set_faults(stack, http, faults)
        started = time.monotonic()
        client = await connect(settings_for(stack))
        acts = asyncio.gather(*(part.act(stack, http) for part in parts))
        # The launch scene (fault-free, like the operations one) runs beside the orders.
        launch = amazon_launch = None
        if faults is None:
            scene = LaunchScene(CentraPart.account, facilities(settings_for(stack)))
            launch = asyncio.create_task(scene.run(stack, http, client, engine))
            amazon_scene = AmazonLaunch(AmazonPart.account, facilities(settings_for(stack)))
            amazon_launch = asyncio.create_task(amazon_scene.run(stack, http, client, engine))
        found = await _watch(client, parts, limit_seconds, console, "orders")
        await acts
        # The operations scene (alerts, answers, the daily report) runs without faults: under
        # them the run is about the invariants, and alerts would only add waiting.
        operations = OperationsOutcome() if fix_exceptions and faults is None else None
        # The returns scene (fault-free, like the operations one) starts from both channels'
        # shipped orders now, and is read after the month-end: its waiting overlaps both.
        returns = None
        if operations is not None:
            firsts = first_parts(parts)
            returns = await start_returns(stack, http, firsts, by_channel(firsts, found))
        if fix_exceptions:
            if operations is not None:
                await until_alerted(http, stack, client, resolved=False)  # orders are parked
            for part in parts:
                await part.fix(stack, http, engine, client)
            await _wait_for_change(client, parts, found)
            found = await _watch(client, parts, limit_seconds, console, "after retry")
        if operations is not None:
            operations.alerts = await until_alerted(http, stack, client, resolved=True)
            operations.answers = collect_answers(parts)
            reports = stack.log_dir.parent / "reports"
            operations.report = await write_daily_report(client, engine, reports)
        launched = await launch if launch is not None else None
        amazon_launched = await amazon_launch if amazon_launch is not None else None
        seconds = time.monotonic() - started
        if faults is not None:
            await set_faults(stack, http, FaultConfig())
        for part in parts:
            await part.collect(stack, http)
        amazon = next(p for p in parts if isinstance(p, AmazonPart))
        shipped = sorted(
            order_id
            for order_id, status in found[amazon.key].items()
            if status.stage is OrderStage.SHIPPED
        )
        whole = [o for o in shipped if o not in amazon.short_picks]  # shipped in full
        settlement = await settle(stack, http, client, engine, amazon.account, shipped, whole)
        if returns is not None:
            returns = await finish_returns(stack, http, client, returns)
        gxo = GxoRecords.by_order_id(
            injections=await get_json(http, f"{stack.gxo_url}/_sandbox/injections"),
            orders=records(await get_json(http, f"{stack.gxo_url}/_sandbox/orders")),
            cancels=records(await get_json(http, f"{stack.gxo_url}/_sandbox/cancels")),
        )
    return Outcome(
        parts=parts,
        statuses=found,
        gxo=gxo,
        seconds=seconds,
        settlement=settlement,
        operations=operations,
        returns=returns,
        launch=launched,
        amazon_launch=amazon_launched,
    )


async def set_faults(stack: DevStack, http: httpx.AsyncClient, faults: FaultConfig) -> None:
    extra = [sandbox.url for sandbox in stack.extra_sandboxes.values()]
    for url in (stack.amazon_url, stack.gxo_url, stack.centra_url, *extra):
        response = await http.put(f"{url}/_sandbox/faults", json=faults.model_dump())
        response.raise_for_status()


def render(console: Console, outcome: Outcome, web_ui: str | None) -> None:
    table = Table(title="consign demo: Amazon and Centra -> GXO, per channel account")
    table.add_column("outcome")
    rows = {part.label: part.rows(outcome.statuses[part.key]) for part in outcome.parts}
    for part in outcome.parts:
        table.add_column(part.label, justify="right")
    for label in next(iter(rows.values())):
        table.add_row(label, *(str(rows[part.label][label]) for part in outcome.parts))
    console.print(table)
    kinds = Counter(
        f"{part.label} {s.exception.kind.value}"
        for part in outcome.parts
        for s in outcome.statuses[part.key].values()
        if s.stage is OrderStage.EXCEPTION and s.exception
    )
    if kinds:
        console.print(
            "left in exception: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items()))
        )
    if outcome.settlement is not None:
        render_settlement(console, outcome.settlement)
    if outcome.operations is not None:
        render_operations(console, outcome.operations)
    if outcome.returns is not None:
        render_returns(console, outcome.returns)
    if outcome.launch is not None:
        render_launch(console, outcome.launch)
    if outcome.amazon_launch is not None:
        render_amazon_launch(console, outcome.amazon_launch)
    for label, ok in outcome.checks().items():
        console.print(f"[{'green' if ok else 'red'}]{'ok  ' if ok else 'FAIL'}[/] {label}")
    console.print(
        f"{outcome.orders} orders in {outcome.seconds:.1f} s "
        f"({outcome.orders / outcome.seconds:.2f} orders/s; Amazon usage plans scaled "
        f"x{RATE_SCALE})"
    )
    if web_ui:
        console.print(
            f"Web UI: {web_ui}/namespaces/default/workflows  "
            '(try the query: OrderStage = "EXCEPTION")'
        )


def settings_for(stack: DevStack) -> Any:
    from integrations.registry import get_settings

    os.environ.update(stack.environment())
    get_settings.cache_clear()
    return get_settings()


def run_demo(orders: int = 60, seed_value: int = 2026, timeout: float = 300) -> None:
    """Bring up the stack, run the scenario, print the summary; keep the stack up for the Web UI
    while a person is watching (an interactive terminal) until Ctrl-C."""
    console = Console()
    var = Path(__file__).resolve().parent.parent / "var" / "demo"
    stack = build_stack(var, second_accounts=True)
    console.print(
        "starting Temporal dev server, two Amazon sellers' and two Centra stores' sandboxes, "
        "GXO's, one worker for all four accounts ..."
    )
    with stack:
        console.print(f"Web UI: {stack.ui_url}")
        outcome = asyncio.run(run_scenario(stack, orders, seed_value, timeout, console))
        render(console, outcome, stack.ui_url)
        if sys.stdin.isatty():
            console.print("The stack stays up for the Web UI; press Ctrl-C to stop.")
            with contextlib.suppress(KeyboardInterrupt):
                stack.wait()
    if not all(outcome.checks().values()):
        raise SystemExit(1)
