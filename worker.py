"""The consign worker service: every task queue, configured from the environment.

One process runs the intake queue (the intakes, syncs and Monitor with their activities:
workflows/deployment.py `intake_queue`), the main queue (order and return workflows with the
warehouse/store activities) and the rate-limited queues each channel module lists
(integrations/registry.py), whose server-side rate limits hold across all workers. Each queue has
a Temporal Worker of its own, so a fresh worker's replay of hundreds of orders never holds up an
intake's next step; the intake queue's worker starts first. `python -m worker --only intakes`
or `--only orders` runs one side, for a deployment that runs them as separate services.
SIGTERM or SIGINT stops polling and lets in-flight activities finish before exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import stat
import sys
import tempfile
from collections.abc import AsyncIterator, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.worker import Worker

import startup
import temporal_client
from activities.heartbeat import HEARTBEAT_THROTTLE
from codec.converter import configured_key_ring
from config import Settings, SettingsError
from domain import search_attributes as sa
from integrations.registry import (
    account_queue,
    get_settings,
    served_accounts,
    serves_main_queue,
)
from store.migrations import StoreSchemaError
from temporal_client import UnregisteredSearchAttributes
from workflows import order_metrics
from workflows.channel_intake import ChannelIntake, intake_id
from workflows.deployment import (
    LONG_LIVED,
    facilities,
    intake_inputs,
    intake_queue,
    inventory_inputs,
    product_sync_inputs,
    return_intake_inputs,
)
from workflows.intakes import TASK_TIMEOUT
from workflows.inventory_sync import InventorySync, inventory_sync_id
from workflows.order_fulfillment import OrderFulfillment
from workflows.product_sync import ProductSync, product_sync_id
from workflows.return_fulfillment import ReturnFulfillment
from workflows.return_intake import ReturnIntake, return_intake_id
from workflows.run_length import MOVE_SIGNAL
from workflows.schedules import ensure_settlement_schedules
from workflows.stock_intake import StockIntake, StockIntakeInput, stock_intake_id
from workflows.warehouse_intake import WarehouseIntake, WarehouseIntakeInput, workflow_id_for

log = logging.getLogger("consign.worker")
GRACEFUL_SHUTDOWN = timedelta(seconds=25)
# A workflow task for a workflow cached on a dead worker waits this long on that worker's sticky
# queue before any worker may take it (the SDK default is 10 s: bench.chaos saw it after most
# kills, on top of the heartbeat timeout). A live worker takes its sticky tasks at once; one too
# busy to within 3 s costs a replay elsewhere, not correctness.
STICKY_TIMEOUT = timedelta(seconds=3)
# Which task queues a process polls: both sides (the default), or one, for a deployment that
# runs the intakes and the orders as separate services. The rate-limited queues run in each.
ROLES = ("all", "intakes", "orders")


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Messages carry ids and counts only, never personal data."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry full URLs


def prometheus(address: str) -> PrometheusConfig:
    """The SDK's metrics and consign's own (workflows/order_metrics.py,
    activities/stock_metrics.py), in Prometheus's conventions: seconds, counters ending _total."""
    buckets = list(order_metrics.LATENCY_BUCKETS)
    return PrometheusConfig(
        bind_address=address,
        counters_total_suffix=True,
        durations_as_seconds=True,
        histogram_bucket_overrides={
            order_metrics.ELIGIBLE_TO_INJECTED: buckets,
            order_metrics.DISPATCH_TO_CONFIRMED: buckets,
        },
    )


async def connect(settings: Settings) -> Client:
    runtime = None
    if settings.metrics_address:
        telemetry = TelemetryConfig(metrics=prometheus(settings.metrics_address))
        runtime = Runtime(telemetry=telemetry)
    return await temporal_client.connect(settings.temporal, runtime)


async def _keep_running(
    client: Client,
    run: Any,
    arg: Any,
    workflow_id: str,
    queue: str,
    account: tuple[str, str] | None = None,
) -> None:
    """Start a long-lived workflow unless it already runs (USE_EXISTING: safe on every start),
    and move a run found on another queue to `queue`; an account's carries its Channel and
    ChannelAccount search attributes from the start."""
    handle = await client.start_workflow(
        run,
        arg,
        id=workflow_id,
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_timeout=TASK_TIMEOUT,
        search_attributes=sa.of_account(*account) if account is not None else None,
    )
    await move_to_queue(client, workflow_id, handle.result_run_id, queue)


async def move_to_queue(client: Client, workflow_id: str, run_id: str | None, queue: str) -> None:
    """A run started before the intake queue existed runs on the main queue (whose worker still
    serves it): ask it to continue as new on `queue` at its next stop (workflows/run_length.py
    MOVE_SIGNAL), carrying its state as every continue-as-new does."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    described = await handle.describe()
    if described.status is not WorkflowExecutionStatus.RUNNING or described.task_queue == queue:
        return
    log.info("moving %s from task queue %s to %s", workflow_id, described.task_queue, queue)
    try:
        await handle.signal(MOVE_SIGNAL, queue)
    except RPCError as err:  # it ended meanwhile: its next run starts where ensure says
        log.warning("could not move %s: %s", workflow_id, err.message)


async def ensure_intakes(client: Client, settings: Settings) -> None:
    """Start the intake workflows unless they already run (safe on every worker start), each on
    the intake queue (an account's with its suffix); the warehouse's and the Monitor only where
    this process serves the main queue. All at once: one after the other took ~6 s of a start
    on a busy server."""
    queue = intake_queue(settings.temporal.task_queue)

    def own(channel: str, account: str) -> str:
        return account_queue(settings, channel, account, queue)

    starts = []
    for intake in intake_inputs(settings):
        key = (intake.channel, intake.account)
        starts.append(
            _keep_running(client, ChannelIntake.run, intake, intake_id(*key), own(*key), key)
        )
    if settings.inventory_sync:
        starts += inventory_sync_starts(client, settings)
    for sync in product_sync_inputs(settings):
        key = (sync.channel, sync.account)
        sync_id = product_sync_id(*key)
        starts.append(_keep_running(client, ProductSync.run, sync, sync_id, own(*key), key))
    for returns in return_intake_inputs(settings):
        key = (returns.channel, returns.account)
        returns_id = return_intake_id(*key)
        starts.append(_keep_running(client, ReturnIntake.run, returns, returns_id, own(*key), key))
    if not serves_main_queue(settings):
        await asyncio.gather(*starts)
        await ensure_settlement_schedules(client, settings, queue)
        return
    for facility in facilities(settings):
        events = WarehouseIntakeInput(
            facility_id=facility,
            poll_interval_seconds=settings.poll_interval_seconds,
            payload_budget_bytes=settings.limits.payload_budget_bytes,
        )
        starts.append(
            _keep_running(client, WarehouseIntake.run, events, workflow_id_for(facility), queue)
        )
    starts += [_keep_monitor(client, settings, queue)]
    await asyncio.gather(*starts)
    await ensure_settlement_schedules(client, settings, queue)


async def _keep_monitor(client: Client, settings: Settings, queue: str) -> None:
    """The Monitor's Schedule, its runs on the intake queue."""
    from monitoring import ensure_monitor  # imported with worker_services, after the workers poll

    await ensure_monitor(client, settings, queue)


def inventory_sync_starts(client: Client, settings: Settings) -> list[Coroutine[Any, Any, None]]:
    """Starting each served account's InventorySync and, where this process serves the main
    queue, each facility's StockIntake (which notifies every account's)."""
    queue = intake_queue(settings.temporal.task_queue)
    starts = []
    for sync in inventory_inputs(settings):
        key = (sync.channel, sync.account)
        own = account_queue(settings, *key, queue)
        starts.append(
            _keep_running(client, InventorySync.run, sync, inventory_sync_id(*key), own, key)
        )
    if not serves_main_queue(settings):
        return starts
    targets = [inventory_sync_id(s.channel, s.account) for s in inventory_inputs(settings, True)]
    for facility in facilities(settings):
        stock = StockIntakeInput(
            facility_id=facility,
            poll_interval_seconds=settings.poll_interval_seconds,
            inventory_syncs=targets,
        )
        starts.append(
            _keep_running(client, StockIntake.run, stock, stock_intake_id(facility), queue)
        )
    return starts


def main_queues(settings: Settings) -> tuple[list[str], list[str]]:
    """The intake queues and the main queues this process polls: `consign-intakes` and
    `consign` (the default accounts' and the warehouse's workflows) unless CONSIGN_ACCOUNTS
    leaves the default accounts out, and each other served account's own (`<queue>@<channel>:
    <account>`)."""
    main = settings.temporal.task_queue
    served = [a for a in served_accounts(settings) if not a.default]
    base = [main] if serves_main_queue(settings) else []
    mains = base + [a.queue(main) for a in served]
    intakes = [intake_queue(q) for q in base] + [a.queue(intake_queue(main)) for a in served]
    return intakes, mains


@contextlib.asynccontextmanager
async def workers(
    client: Client, settings: Settings, role: str = "all"
) -> AsyncIterator[list[Worker]]:
    """Every worker of this process's `role` (ROLES), running until the context exits.

    The intake queue's workflows poll first, before the activities and everything they need are
    even imported (about half of a start): after a crash, an intake's or sync's next workflow
    task never waits for that, nor behind the orders the new worker replays."""
    shared: dict[str, Any] = {
        "graceful_shutdown_timeout": GRACEFUL_SHUTDOWN,
        "max_heartbeat_throttle_interval": HEARTBEAT_THROTTLE,
        "sticky_queue_schedule_to_start_timeout": STICKY_TIMEOUT,
        "max_cached_workflows": settings.max_cached_workflows,
    }
    intakes, mains = main_queues(settings)
    running: list[Worker] = []
    async with contextlib.AsyncExitStack() as stack:

        async def run(worker: Worker) -> None:
            await stack.enter_async_context(worker)
            running.append(worker)
            kinds = "workflows" if worker.config().get("workflows") else "activities"
            startup.mark(f"polling {worker.task_queue} ({kinds})")

        long_lived: list[type] = list(LONG_LIVED)
        if role != "orders":
            for queue in intakes:
                await run(Worker(client, task_queue=queue, workflows=long_lived, **shared))
        # Imported only now: the store's tables, every channel's clients, the reports.
        import worker_services

        limits = {
            k: shared[k] for k in ("graceful_shutdown_timeout", "max_heartbeat_throttle_interval")
        }
        services = await worker_services.open_services(client, settings, stack, limits)
        startup.mark("store, ports and activities ready")
        activities = services.activities
        if role != "orders":
            for queue in intakes:
                await run(Worker(client, task_queue=queue, activities=activities, **shared))
        if role != "intakes":
            # The long-lived workflows too: runs started before the intake queue existed stay
            # on this queue until they move (ensure_intakes asks them to).
            orders = [OrderFulfillment, ReturnFulfillment, *long_lived]
            for queue in mains:
                await run(
                    Worker(
                        client, task_queue=queue, workflows=orders, activities=activities, **shared
                    )
                )
        for limited in services.limited:
            await run(limited)
        checking = asyncio.create_task(
            worker_services.check_credentials(settings, services.ports, services.warehouse)
        )
        stack.callback(checking.cancel)
        yield running


def cache_bytecode(root: Path | None = None) -> Path | None:
    """The workflow sandbox imports a workflow's module afresh for every new workflow run, and
    with bytecode writing off (the image sets PYTHONDONTWRITEBYTECODE) every such import
    compiled the module from source: about a fifth of the worker's busy CPU moving orders
    (bench.throughput, py-spy). Bytecode goes to a cache directory of this user under `root`
    (the temp directory) instead, never beside the code (which may be read-only).

    The directory is kept and shared by every worker process of the user: with a prefix set,
    Python finds no bytecode of the installed packages either, and a private directory per
    process compiled every import of every start (a start took ~3 s more) and was left behind
    by each killed worker. Python writes each file atomically, so processes may share it. None
    when Python writes bytecode anyway, a prefix is set already, or the directory is not this
    user's alone (its bytecode would be trusted)."""
    if not sys.dont_write_bytecode or sys.pycache_prefix is not None:
        return None
    where = (root or Path(tempfile.gettempdir())) / f"consign-pycache-{os.getuid()}"
    try:
        where.mkdir(mode=0o700, exist_ok=True)
        found = where.lstat()  # a link another user planted is not followed
    except OSError:  # no writable temp dir: compile as before
        return None
    mine = stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()
    if not mine or found.st_mode & 0o077:
        log.warning("bytecode cache %s is not this user's alone: not used", where)
        return None
    sys.pycache_prefix = str(where)
    sys.dont_write_bytecode = False
    return where


async def main(role: str = "all") -> None:
    configure_logging()
    cache_bytecode()
    settings = get_settings()
    startup.mark("imports, settings read")
    ring = configured_key_ring()
    log.info("payloads encrypted with key id %s; %d key(s) decode", ring.current, len(ring.keys))
    client = await connect(settings)
    startup.mark("connected to Temporal")
    if not await temporal_client.check_search_attributes(client, sa.ALL):
        log.warning("could not list the namespace's search attributes; not checked")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with workers(client, settings, role) as running:
        import worker_services  # imported by workers() already
        from health import start_health  # after the workers poll, as worker_services

        health = await start_health(client, settings)  # /healthz, /readyz on CONSIGN_HEALTH_PORT
        health.watch(running)
        webhook = (
            asyncio.create_task(
                worker_services.serve_webhooks(client, settings, settings.webhook_port)
            )
            if settings.webhook_port
            else None
        )
        listeners = worker_services.start_listeners(client, settings)
        if settings.start_intakes and role != "orders":
            await ensure_intakes(client, settings)
            startup.mark("intakes ensured")
        await stop.wait()
        log.info("shutting down: finishing in-flight activities")
        for task in listeners:
            task.cancel()
        if webhook is not None:
            webhook.cancel()
    log.info("worker stopped")


def parse_role(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        choices=[r for r in ROLES if r != "all"],
        help="poll only the intake queue (intakes, syncs, Monitor) or only the orders' queue; "
        "both by default",
    )
    return parser.parse_args(argv).only or "all"


if __name__ == "__main__":
    try:
        asyncio.run(main(parse_role()))
    except (SettingsError, StoreSchemaError, UnregisteredSearchAttributes) as err:  # one line
        raise SystemExit(f"consign worker: {err}") from None
