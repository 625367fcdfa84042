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
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.worker import Worker

import startup
import temporal_client
from activities.channel import ChannelActivities
from activities.delivery import DeliveryActivities, signal_stock_changed
from activities.heartbeat import HEARTBEAT_THROTTLE
from activities.inventory import InventoryActivities
from activities.monitor import MonitorActivities
from activities.products import ProductActivities, signal_product_sync
from activities.returns import ReturnActivities
from activities.settlements import SettlementActivities
from activities.warehouse import WarehouseActivities
from codec.converter import configured_key_ring
from config import DbMigrate, Settings, SettingsError
from domain.deadlines import DeadlinePolicy
from domain.exceptions import describe_error
from domain.setaside import SetAsideRecord
from health import start_health
from integrations.channel import ChannelPort, ProductPort, ReturnPort, SettlementPort, StockPort
from integrations.gxo.port import ItemMasterPort, ReturnsPort, WarehousePort
from integrations.module import ChannelModule, OpenedPorts, Operation
from integrations.registry import CHANNEL_NAMES, WAREHOUSE, enabled, get_settings
from monitoring import ensure_monitor, monitor_activities
from store.migrate import open_store
from store.migrations import StoreSchemaError
from store.set_aside import keep_set_aside
from workflows import order_metrics
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, intake_id
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
CREDENTIAL_CHECK_TIMEOUT = 15.0  # seconds per check; a slow channel is logged, not waited for
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


async def _keep_running(client: Client, run: Any, arg: Any, workflow_id: str, queue: str) -> None:
    """Start a long-lived workflow unless it already runs (USE_EXISTING: safe on every start),
    and move a run found on another queue to `queue`."""
    handle = await client.start_workflow(
        run,
        arg,
        id=workflow_id,
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_timeout=TASK_TIMEOUT,
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
    the intake queue."""
    queue = intake_queue(settings.temporal.task_queue)
    for intake in intake_inputs(settings):
        await _keep_running(
            client, ChannelIntake.run, intake, intake_id(intake.channel, intake.account), queue
        )
    if settings.inventory_sync:
        await ensure_inventory_sync(client, settings)
    for sync in product_sync_inputs(settings):
        sync_id = product_sync_id(sync.channel, sync.account)
        await _keep_running(client, ProductSync.run, sync, sync_id, queue)
    for returns in return_intake_inputs(settings):
        returns_id = return_intake_id(returns.channel, returns.account)
        await _keep_running(client, ReturnIntake.run, returns, returns_id, queue)
    await ensure_monitor(client, settings, queue)
    for facility in facilities(settings):
        events = WarehouseIntakeInput(
            facility_id=facility,
            poll_interval_seconds=settings.poll_interval_seconds,
            payload_budget_bytes=settings.limits.payload_budget_bytes,
        )
        await _keep_running(client, WarehouseIntake.run, events, workflow_id_for(facility), queue)
    await ensure_settlement_schedules(client, settings, queue)


async def ensure_inventory_sync(client: Client, settings: Settings) -> None:
    syncs = inventory_inputs(settings)
    queue = intake_queue(settings.temporal.task_queue)
    for sync in syncs:
        sync_id = inventory_sync_id(sync.channel, sync.account)
        await _keep_running(client, InventorySync.run, sync, sync_id, queue)
    targets = [inventory_sync_id(s.channel, s.account) for s in syncs]
    for facility in facilities(settings):
        stock = StockIntakeInput(
            facility_id=facility,
            poll_interval_seconds=settings.poll_interval_seconds,
            inventory_syncs=targets,
        )
        await _keep_running(client, StockIntake.run, stock, stock_intake_id(facility), queue)


@dataclass
class Ports:
    orders: dict[str, ChannelPort] = field(default_factory=dict)
    stock: dict[str, StockPort] = field(default_factory=dict)
    settlements: dict[str, SettlementPort] = field(default_factory=dict)
    products: dict[str, ProductPort] = field(default_factory=dict)
    returns: dict[str, ReturnPort] = field(default_factory=dict)


async def channel_ports(settings: Settings, stack: contextlib.AsyncExitStack) -> Ports:
    """The order and stock ports of every configured channel, closed with the stack."""
    ports = Ports()
    for module in enabled(settings):
        opened = await module.open_ports(module.settings_of(settings), stack)
        ports.orders[module.name] = opened.orders
        if opened.stock is not None:
            ports.stock[module.name] = opened.stock
        if opened.settlements is not None:
            ports.settlements[module.name] = opened.settlements
        if opened.products is not None:
            ports.products[module.name] = opened.products
        if opened.returns is not None:
            ports.returns[module.name] = opened.returns
    return ports


async def check_credentials(settings: Settings, ports: Ports, warehouse: WarehousePort) -> None:
    """One cheap authenticated call per channel account and one to the warehouse, each logged:
    a wrong or expired credential is named when the worker starts, not first by a parked
    order. Never fatal (a channel may be down for a minute); never logs a secret."""
    checks = {
        module.title: module.check_credentials(
            OpenedPorts(ports.orders[module.name], ports.stock.get(module.name))
        )
        for module in enabled(settings)
    }
    served = facilities(settings)
    if served:
        checks[WAREHOUSE.title] = WAREHOUSE.check_credentials(warehouse, served[0])
    outcomes = await asyncio.gather(
        *(asyncio.wait_for(check, CREDENTIAL_CHECK_TIMEOUT) for check in checks.values()),
        return_exceptions=True,
    )
    for title, outcome in zip(checks, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("credentials: %s check failed: %s", title, describe_error(outcome))
        else:
            log.info("credentials: %s %s", title, outcome)


def limited_workers(
    client: Client,
    settings: Settings,
    module: ChannelModule[Any],
    port: ChannelPort,
    by_operation: Mapping[Operation, Callable[..., object]],
) -> list[Worker]:
    """The module's rate-limited queues, each limited server-side across all workers."""
    rates = module.rates(module.settings_of(settings), port)
    running = []
    for queue in module.limited_queues:
        served = sorted(queue.operations | queue.drains)
        listed = list(dict.fromkeys(by_operation[op] for op in served))
        running.append(
            Worker(
                client,
                task_queue=queue.name,
                activities=listed,
                max_task_queue_activities_per_second=rates[queue.name],
                graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
                max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
            )
        )
    return running


def main_activities(
    channel: ChannelActivities,
    stock: WarehouseActivities,
    stock_sync: InventoryActivities,
    delivery: DeliveryActivities,
    settlements: SettlementActivities,
    monitor: MonitorActivities,
    products: ProductActivities,
    returns: ReturnActivities,
) -> list[Callable[..., object]]:
    """Every activity the main queue runs (tests/modules/test_activity_refs.py checks each
    workflow's activity reference against them)."""
    return [
        # Channels without rate-limited queues of their own run here.
        channel.fetch_order,
        channel.poll_changes,
        channel.ack_changes,
        channel.confirm_parcel,
        stock.plan,
        stock.inject,
        stock.cancel,
        stock.close_order_demand,
        stock.get_order,
        stock.pull_events,
        delivery.start_order_workflows,
        delivery.deliver_warehouse_events,
        delivery.set_aside_warehouse_event,
        delivery.notify_stock_changed,
        stock_sync.load_snapshot,
        stock_sync.pull_changes,
        stock_sync.plan_push,
        stock_sync.push,
        stock_sync.check_submission,
        stock_sync.read_back,
        stock_sync.stalled,
        settlements.list_reports,
        settlements.store_report,
        settlements.reconcile,
        monitor.check_health,
        monitor.send_alerts,
        monitor.write_daily_report,
        products.read,
        products.send,
        products.check,
        products.release,
        returns.plan,
        returns.notify,
        returns.load_policy,
        returns.close,
        returns.take,
    ]


def operation_activities(
    channel: ChannelActivities,
    stock_sync: InventoryActivities,
    settlements: SettlementActivities,
    products: ProductActivities,
) -> dict[Operation, Callable[..., object]]:
    """The activity of each operation a channel module may send to a limited queue."""
    return {
        Operation.FETCH: channel.fetch_order,
        Operation.POLL: channel.poll_changes,
        Operation.ACK: channel.ack_changes,
        Operation.CONFIRM: channel.confirm_parcel,
        Operation.CHECK_CAPTURE: channel.settle_capture,
        Operation.CAPTURE_AGAIN: channel.settle_capture,
        Operation.STOCK_READ: stock_sync.read_back,
        Operation.STOCK_PUSH: stock_sync.push,
        Operation.SETTLEMENT_LIST: settlements.list_reports,
        Operation.SETTLEMENT_FETCH: settlements.store_report,
        Operation.PRODUCT_READ: products.read,
    }


@contextlib.asynccontextmanager
async def workers(
    client: Client, settings: Settings, role: str = "all"
) -> AsyncIterator[list[Worker]]:
    """Every worker of this process's `role` (ROLES), running until the context exits."""
    engine = open_store(settings.database_url, migrate=settings.db_migrate is DbMigrate.AUTO)
    warehouse = WAREHOUSE.build(WAREHOUSE.settings_of(settings), settings.limits, CHANNEL_NAMES)
    deadlines = DeadlinePolicy(chase_lead=timedelta(hours=settings.chase_lead_hours))
    async with contextlib.AsyncExitStack() as stack:
        ports = await channel_ports(settings, stack)
        syncs = [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings)]

        async def stock_moved(items: list[str]) -> None:
            """Demand planned or a parcel confirmed: inventory sync re-plans those items now."""
            if settings.inventory_sync:
                await signal_stock_changed(client, syncs, items)

        async def products_changed(channel_name: str, account: str) -> None:
            """The channel's product data changed (its events said so): sweep now."""
            await signal_product_sync(client, product_sync_id(channel_name, account))

        channel = ChannelActivities(
            ports.orders,
            engine,
            stock_moved,
            limits=settings.limits,
            on_products_changed=products_changed,
        )
        stock_sync = InventoryActivities(engine, warehouse, ports.stock)
        stock = WarehouseActivities(
            warehouse, engine, stock_moved, client=client, limits=settings.limits
        )
        delivery = DeliveryActivities(client, engine, settings.temporal.task_queue, deadlines)
        settlements = SettlementActivities(ports.settlements, engine)
        monitor = monitor_activities(client, engine, settings)
        # The REST transport, the only one, is also GXO's item master (integrations/gxo/port.py).
        items = cast(ItemMasterPort, warehouse)
        products = ProductActivities(ports.products, items, engine, facilities(settings), client)
        # The REST transport is also GXO's returns desk (integrations/gxo/port.py ReturnsPort).
        returns = ReturnActivities(
            ports.returns,
            ports.orders,
            cast(ReturnsPort, warehouse),
            engine,
            client,
            task_queue=settings.temporal.task_queue,
            not_arrived_days=settings.return_not_arrived_days,
        )
        activities = main_activities(
            channel, stock, stock_sync, delivery, settlements, monitor, products, returns
        )
        shared: dict[str, Any] = {
            "graceful_shutdown_timeout": GRACEFUL_SHUTDOWN,
            "max_heartbeat_throttle_interval": HEARTBEAT_THROTTLE,
            "sticky_queue_schedule_to_start_timeout": STICKY_TIMEOUT,
            "max_cached_workflows": settings.max_cached_workflows,
        }
        running: list[Worker] = []
        if role != "orders":  # first: an intake's next step never waits for the order side
            queue = intake_queue(settings.temporal.task_queue)
            workflows: list[type] = list(LONG_LIVED)
            running.append(
                Worker(
                    client, task_queue=queue, workflows=workflows, activities=activities, **shared
                )
            )
        if role != "intakes":
            # The long-lived workflows too: runs started before the intake queue existed stay
            # on this queue until they move (ensure_intakes asks them to).
            workflows = [OrderFulfillment, ReturnFulfillment, *LONG_LIVED]
            running.append(
                Worker(
                    client,
                    task_queue=settings.temporal.task_queue,
                    workflows=workflows,
                    activities=activities,
                    **shared,
                )
            )
        by_operation = operation_activities(channel, stock_sync, settlements, products)
        for module in enabled(settings):
            port = ports.orders[module.name]
            running += limited_workers(client, settings, module, port, by_operation)
        for worker in running:
            await stack.enter_async_context(worker)
        checking = asyncio.create_task(check_credentials(settings, ports, warehouse))
        stack.callback(checking.cancel)
        yield running


async def serve_webhooks(client: Client, settings: Settings, port: int) -> None:
    # Imported here, after the workers poll: FastAPI's models take ~0.5-1 s of a start.
    import uvicorn

    from webhooks import ChannelHook, create_webhook_app

    intakes = {intake.channel: intake for intake in intake_inputs(settings)}
    hooks = [
        ChannelHook(
            path=module.webhook.path,
            signature_header=module.webhook.signature_header,
            secret=module.webhook.secret(module.settings_of(settings)).get_secret_value(),
            intake=intakes[module.name],
            parse=module.webhook.parse,
        )
        for module in enabled(settings)
        if module.webhook is not None
    ]
    warehouse = WAREHOUSE.settings_of(settings)
    app = create_webhook_app(
        client,
        WAREHOUSE.webhook.secret(warehouse).get_secret_value(),
        intake_queue(settings.temporal.task_queue),
        settings.poll_interval_seconds,
        hooks,
        facilities=WAREHOUSE.facilities(warehouse),
        engine=open_store(settings.database_url, migrate=settings.db_migrate is DbMigrate.AUTO),
        limits=settings.limits,
    )
    config = uvicorn.Config(app, host="0.0.0.0", port=port, log_level="warning")
    await uvicorn.Server(config).serve()


def start_listeners(client: Client, settings: Settings) -> list[asyncio.Task[None]]:
    """Each channel's push-feed reader its settings turn on (a queue of order notifications),
    handing named orders to the account's intake as a webhook does; records it cannot read go
    to the store's set-aside list."""
    from webhooks import notify_intake  # after the workers poll, as in serve_webhooks

    intakes = {intake.channel: intake for intake in intake_inputs(settings)}
    tasks: list[asyncio.Task[None]] = []
    engine = None
    for module in enabled(settings):
        listener = module.listener(module.settings_of(settings))
        if listener is None:
            continue
        if engine is None:
            migrate = settings.db_migrate is DbMigrate.AUTO
            engine = open_store(settings.database_url, migrate=migrate)
        intake, store = intakes[module.name], engine

        async def notify(order_ids: list[str], intake: ChannelIntakeInput = intake) -> None:
            queue = intake_queue(settings.temporal.task_queue)
            await notify_intake(client, intake, queue, order_ids)

        async def set_aside(records: list[SetAsideRecord], store: Engine = store) -> None:
            await asyncio.to_thread(keep_set_aside, store, records)

        tasks.append(asyncio.create_task(listener(notify, set_aside), name=f"{module.name}-push"))
        log.info("reading %s's pushed order notifications", module.title)
    return tasks


async def main(role: str = "all") -> None:
    configure_logging()
    startup.mark("imports")
    settings = get_settings()
    ring = configured_key_ring()
    log.info("payloads encrypted with key id %s; %d key(s) decode", ring.current, len(ring.keys))
    client = await connect(settings)
    startup.mark("connected to Temporal")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    health = await start_health(client, settings)  # /healthz, /readyz on CONSIGN_HEALTH_PORT
    async with workers(client, settings, role) as running:
        startup.mark(f"polling {', '.join(w.task_queue for w in running)}")
        health.watch(running)
        if settings.start_intakes and role != "orders":
            await ensure_intakes(client, settings)
            startup.mark("intakes ensured")
        webhook = (
            asyncio.create_task(serve_webhooks(client, settings, settings.webhook_port))
            if settings.webhook_port
            else None
        )
        listeners = start_listeners(client, settings)
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
    except (SettingsError, StoreSchemaError) as err:  # one line, not a traceback
        raise SystemExit(f"consign worker: {err}") from None
