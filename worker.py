"""The consign worker service: every task queue, configured from the environment.

One process runs the main queue (workflows and the warehouse/store activities) plus one queue
per rate-limited Amazon operation and Centra's three budget queues, whose server-side rate limits
hold across all workers.
SIGTERM or SIGINT stops polling and lets in-flight activities finish before exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import uvicorn
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

import temporal_client
from activities import queues
from activities.channel import ChannelActivities
from activities.delivery import DeliveryActivities, signal_stock_changed
from activities.heartbeat import HEARTBEAT_THROTTLE
from activities.inventory import InventoryActivities
from activities.warehouse import WarehouseActivities
from codec.converter import configured_key_ring
from config import DbMigrate, Settings, SettingsError, get_settings
from domain.deadlines import DeadlinePolicy
from domain.order import Channel
from health import start_health
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.port import AmazonChannel
from integrations.amazon.stock import build_amazon_stock
from integrations.amazon.usage_plans import Operation, task_queue_rate
from integrations.centra.factory import build_centra_channel, build_centra_stock
from integrations.centra.quota import CentraQueue, queue_rates
from integrations.channel import ChannelPort, StockPort
from integrations.gxo.factory import build_warehouse
from starter.webhooks import CentraHook, create_webhook_app
from store.db import open_store
from store.migrations import StoreSchemaError
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, intake_id
from workflows.intakes import TASK_TIMEOUT
from workflows.inventory_sync import InventorySync, InventorySyncInput, inventory_sync_id
from workflows.order_fulfillment import OrderFulfillment
from workflows.stock_intake import StockIntake, StockIntakeInput, stock_intake_id
from workflows.warehouse_intake import WarehouseIntake, WarehouseIntakeInput, workflow_id_for

log = logging.getLogger("consign.worker")
GRACEFUL_SHUTDOWN = timedelta(seconds=25)
# A workflow task for a workflow cached on a dead worker waits this long on that worker's sticky
# queue before any worker may take it (the SDK default is 10 s: bench.chaos saw it after most
# kills, on top of the heartbeat timeout). A live worker takes its sticky tasks at once; one too
# busy to within 3 s costs a replay elsewhere, not correctness.
STICKY_TIMEOUT = timedelta(seconds=3)


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


async def connect(settings: Settings) -> Client:
    runtime = None
    if settings.metrics_address:
        telemetry = TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.metrics_address))
        runtime = Runtime(telemetry=telemetry)
    return await temporal_client.connect(settings.temporal, runtime)


def intake_inputs(settings: Settings) -> list[ChannelIntakeInput]:
    """One ChannelIntake per configured channel account."""
    poll = settings.poll_interval_seconds
    inputs = []
    if Channel.AMAZON in settings.channels:
        inputs.append(
            ChannelIntakeInput(
                channel=Channel.AMAZON,
                account=settings.amazon.seller_id,
                poll_interval_seconds=poll,
            )
        )
    if Channel.CENTRA in settings.channels:
        inputs.append(
            ChannelIntakeInput(
                channel=Channel.CENTRA,
                account=settings.centra.account,
                poll_interval_seconds=poll,
                sweep_every_polls=settings.centra_sweep_every_polls,
            )
        )
    return inputs


async def ensure_intakes(client: Client, settings: Settings) -> None:
    """Start the intake workflows unless they already run (safe on every worker start)."""
    queue = settings.temporal.task_queue
    for intake in intake_inputs(settings):
        await client.start_workflow(
            ChannelIntake.run,
            intake,
            id=intake_id(intake.channel, intake.account),
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_timeout=TASK_TIMEOUT,
        )
    if settings.inventory_sync:
        await ensure_inventory_sync(client, settings)
    for facility in settings.gxo.facilities:
        await client.start_workflow(
            WarehouseIntake.run,
            WarehouseIntakeInput(
                facility_id=facility,
                poll_interval_seconds=settings.poll_interval_seconds,
                payload_budget_bytes=settings.limits.payload_budget_bytes,
            ),
            id=workflow_id_for(facility),
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_timeout=TASK_TIMEOUT,
        )


def inventory_inputs(settings: Settings) -> list[InventorySyncInput]:
    """One InventorySync per channel account whose stock consign sets."""
    accounts = {Channel.AMAZON: settings.amazon.seller_id, Channel.CENTRA: settings.centra.account}
    return [
        InventorySyncInput(
            channel=channel,
            account=accounts[channel],
            reconcile_every_hours=settings.reconcile_hours,
            stall_after_minutes=settings.stock_stall_minutes,
        )
        for channel in settings.channels
        if channel is not Channel.CENTRA or settings.centra.warehouse_id is not None
    ]


async def ensure_inventory_sync(client: Client, settings: Settings) -> None:
    syncs = inventory_inputs(settings)
    queue = settings.temporal.task_queue
    for sync in syncs:
        await client.start_workflow(
            InventorySync.run,
            sync,
            id=inventory_sync_id(sync.channel, sync.account),
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_timeout=TASK_TIMEOUT,
        )
    targets = [inventory_sync_id(s.channel, s.account) for s in syncs]
    for facility in settings.gxo.facilities:
        await client.start_workflow(
            StockIntake.run,
            StockIntakeInput(
                facility_id=facility,
                poll_interval_seconds=settings.poll_interval_seconds,
                inventory_syncs=targets,
            ),
            id=stock_intake_id(facility),
            task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            task_timeout=TASK_TIMEOUT,
        )


@dataclass
class Ports:
    orders: dict[Channel, ChannelPort] = field(default_factory=dict)
    stock: dict[Channel, StockPort] = field(default_factory=dict)


async def channel_ports(settings: Settings, stack: contextlib.AsyncExitStack) -> Ports:
    """The order and stock ports of every configured channel, closed with the stack."""
    ports = Ports()
    if Channel.AMAZON in settings.channels:
        amazon = await stack.enter_async_context(build_amazon_client(settings.amazon))
        ports.orders[Channel.AMAZON] = AmazonChannel(amazon)
        ports.stock[Channel.AMAZON] = build_amazon_stock(amazon)
    if Channel.CENTRA in settings.channels:
        centra = build_centra_channel(settings.centra)
        stack.push_async_callback(centra.client.aclose)
        ports.orders[Channel.CENTRA] = centra
        if settings.centra.warehouse_id is not None:
            ports.stock[Channel.CENTRA] = build_centra_stock(settings.centra, centra.client)
    return ports


def amazon_workers(
    client: Client, settings: Settings, port: AmazonChannel, channel: ChannelActivities
) -> list[Worker]:
    """One queue per rate-limited SP-API operation, limited server-side across all workers."""
    reader, scale = port.client.reader, settings.amazon.rate_scale
    limited: list[tuple[str, Operation, Callable[..., object]]] = [
        (queues.AMAZON_GET_ORDER, reader.get_order_operation, channel.fetch_order),
        (queues.AMAZON_SEARCH_ORDERS, reader.search_operation, channel.poll_changes),
        (queues.AMAZON_CONFIRM_SHIPMENT, Operation.CONFIRM_SHIPMENT, channel.confirm_parcel),
    ]
    return [
        Worker(
            client,
            task_queue=queue,
            activities=[activity],
            max_task_queue_activities_per_second=task_queue_rate(operation, scale),
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        )
        for queue, operation, activity in limited
    ]


def centra_workers(
    client: Client, settings: Settings, channel: ChannelActivities, stock: InventoryActivities
) -> list[Worker]:
    """Centra's request and mutation budgets, paced across all workers (quota.py)."""
    rates = queue_rates(scale=settings.centra.rate_scale)
    activities: dict[CentraQueue, list[Callable[..., object]]] = {
        CentraQueue.READS: [
            channel.fetch_order,
            channel.poll_changes,
            stock.read_back,
            channel.settle_capture,
        ],
        CentraQueue.SHIPMENTS: [channel.confirm_parcel],
        CentraQueue.WRITES: [channel.ack_changes, stock.push, channel.settle_capture],
    }
    return [
        Worker(
            client,
            task_queue=queue.value,
            activities=listed,
            max_task_queue_activities_per_second=rates[queue],
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
            max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        )
        for queue, listed in activities.items()
    ]


@contextlib.asynccontextmanager
async def workers(client: Client, settings: Settings) -> AsyncIterator[list[Worker]]:
    """Every worker of this process, running until the context exits."""
    engine = open_store(settings.database_url, migrate=settings.db_migrate is DbMigrate.AUTO)
    warehouse = build_warehouse(settings.gxo, settings.limits)
    deadlines = DeadlinePolicy(chase_lead=timedelta(hours=settings.chase_lead_hours))
    async with contextlib.AsyncExitStack() as stack:
        ports = await channel_ports(settings, stack)
        syncs = [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings)]

        async def stock_moved(items: list[str]) -> None:
            """Demand planned or a parcel confirmed: inventory sync re-plans those items now."""
            if settings.inventory_sync:
                await signal_stock_changed(client, syncs, items)

        channel = ChannelActivities(ports.orders, engine, stock_moved, limits=settings.limits)
        stock_sync = InventoryActivities(engine, warehouse, ports.stock)
        stock = WarehouseActivities(
            warehouse, engine, stock_moved, client=client, limits=settings.limits
        )
        delivery = DeliveryActivities(client, engine, settings.temporal.task_queue, deadlines)
        running = [
            Worker(
                client,
                task_queue=settings.temporal.task_queue,
                workflows=[
                    OrderFulfillment,
                    ChannelIntake,
                    WarehouseIntake,
                    StockIntake,
                    InventorySync,
                ],
                activities=[
                    # Channels without rate-limited queues of their own run here.
                    channel.fetch_order,
                    channel.poll_changes,
                    channel.ack_changes,
                    channel.confirm_parcel,
                    stock.plan,
                    stock.inject,
                    stock.cancel,
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
                ],
                graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
                max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
                sticky_queue_schedule_to_start_timeout=STICKY_TIMEOUT,
            )
        ]
        amazon = ports.orders.get(Channel.AMAZON)
        if isinstance(amazon, AmazonChannel):
            running += amazon_workers(client, settings, amazon, channel)
        if Channel.CENTRA in ports.orders:
            running += centra_workers(client, settings, channel, stock_sync)
        for worker in running:
            await stack.enter_async_context(worker)
        yield running


async def serve_webhooks(client: Client, settings: Settings, port: int) -> None:
    secret = settings.gxo.webhook_secret.get_secret_value()
    centra = next((i for i in intake_inputs(settings) if i.channel is Channel.CENTRA), None)
    hook = (
        CentraHook(secret=settings.centra.webhook_secret.get_secret_value(), intake=centra)
        if centra
        else None
    )
    app = create_webhook_app(
        client,
        secret,
        settings.temporal.task_queue,
        settings.poll_interval_seconds,
        hook,
        facilities=settings.gxo.facilities,
        engine=open_store(settings.database_url, migrate=settings.db_migrate is DbMigrate.AUTO),
        limits=settings.limits,
    )
    config = uvicorn.Config(app, host="0.0.0.0", port=port, log_level="warning")
    await uvicorn.Server(config).serve()


async def main() -> None:
    configure_logging()
    settings = get_settings()
    ring = configured_key_ring()
    log.info("payloads encrypted with key id %s; %d key(s) decode", ring.current, len(ring.keys))
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    health = await start_health(client, settings)  # /healthz, /readyz on CONSIGN_HEALTH_PORT
    async with workers(client, settings) as running:
        health.watch(running)
        if settings.start_intakes:
            await ensure_intakes(client, settings)
        webhook = (
            asyncio.create_task(serve_webhooks(client, settings, settings.webhook_port))
            if settings.webhook_port
            else None
        )
        log.info("worker polling %s", ", ".join(w.task_queue for w in running))
        await stop.wait()
        log.info("shutting down: finishing in-flight activities")
        if webhook is not None:
            webhook.cancel()
    log.info("worker stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (SettingsError, StoreSchemaError) as err:  # one line, not a traceback
        raise SystemExit(f"consign worker: {err}") from None
