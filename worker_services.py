"""What the worker runs beside the workflows: the activities with the store, ports and clients
they use, the rate-limited queues' workers, the webhook server and the notification readers.

Kept out of worker.py's own imports on purpose: importing it (the store's tables, every channel's
clients and models, the reports) is about half of a worker's start, and worker.py starts the
intake queue's workflow Worker first and imports this module only then (docs/operations.md,
"When a worker dies").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.channel import ChannelActivities
from activities.coalesce import Coalesced
from activities.delivery import DeliveryActivities, signal_stock_changed
from activities.inventory import InventoryActivities
from activities.monitor import MonitorActivities
from activities.products import ProductActivities, signal_product_sync
from activities.returns import ReturnActivities
from activities.settlements import SettlementActivities
from activities.warehouse import WarehouseActivities
from config import DbMigrate, Settings
from domain.deadlines import DeadlinePolicy
from domain.exceptions import describe_error
from domain.setaside import SetAsideRecord
from integrations.channel import ChannelPort, ProductPort, ReturnPort, SettlementPort, StockPort
from integrations.gxo.port import ItemMasterPort, ReturnsPort, WarehousePort
from integrations.module import ChannelModule, OpenedPorts, Operation
from integrations.registry import CHANNEL_NAMES, WAREHOUSE, enabled
from monitoring import monitor_activities
from store.migrate import open_store
from store.set_aside import keep_set_aside
from workflows.channel_intake import ChannelIntakeInput
from workflows.deployment import facilities, intake_inputs, intake_queue, inventory_inputs
from workflows.inventory_sync import inventory_sync_id
from workflows.product_sync import product_sync_id

log = logging.getLogger("consign.worker")
CREDENTIAL_CHECK_TIMEOUT = 15.0  # seconds per check; a slow channel is logged, not waited for


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
    options: Mapping[str, Any],
) -> list[Worker]:
    """The module's rate-limited queues, each limited server-side across all workers; `options`
    are the Worker options every worker of the process shares."""
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
                **options,
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


@dataclass
class Services:
    """Every activity of the main and intake queues, and the rate-limited queues' workers."""

    activities: list[Callable[..., object]]
    limited: list[Worker]
    ports: Ports
    warehouse: WarehousePort


async def open_services(
    client: Client,
    settings: Settings,
    stack: contextlib.AsyncExitStack,
    options: Mapping[str, Any],
) -> Services:
    """The store, ports and activities of this process, closed with the stack; the rate-limited
    queues' workers built with `options` (worker.py's shutdown and heartbeat settings)."""
    engine = open_store(settings.database_url, migrate=settings.db_migrate is DbMigrate.AUTO)
    warehouse = WAREHOUSE.build(WAREHOUSE.settings_of(settings), settings.limits, CHANNEL_NAMES)
    deadlines = DeadlinePolicy(chase_lead=timedelta(hours=settings.chase_lead_hours))
    ports = await channel_ports(settings, stack)
    syncs = [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings)]
    # Activities finishing together tell the syncs in one signal (activities/coalesce.py).
    notices = Coalesced(lambda items: signal_stock_changed(client, syncs, items))

    async def stock_moved(items: list[str]) -> None:
        """Demand planned or a parcel confirmed: inventory sync re-plans those items now."""
        if settings.inventory_sync:
            await notices.notify(items)

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
    by_operation = operation_activities(channel, stock_sync, settlements, products)
    limited: list[Worker] = []
    for module in enabled(settings):
        port = ports.orders[module.name]
        limited += limited_workers(client, settings, module, port, by_operation, options)
    return Services(activities, limited, ports, warehouse)


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
