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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.account_ports import AccountKey
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
from domain.order import OrderChange
from domain.setaside import SetAsideRecord
from integrations.accounts import Account, account_suffix
from integrations.channel import ChannelPort, ProductPort, ReturnPort, SettlementPort, StockPort
from integrations.gxo.port import ItemMasterPort, ReturnsPort, WarehousePort
from integrations.module import ChannelModule, OpenedPorts, Operation
from integrations.registry import (
    CHANNEL_NAMES,
    WAREHOUSE,
    account_queue,
    channel_module,
    served_accounts,
)
from monitoring import monitor_activities
from store.migrate import open_store
from store.set_aside import keep_set_aside
from workflows.channel_intake import ChannelIntakeInput
from workflows.deployment import (
    facilities,
    intake_inputs,
    intake_queue,
    inventory_inputs,
    product_sync_inputs,
)
from workflows.inventory_sync import inventory_sync_id
from workflows.product_sync import product_sync_id

if TYPE_CHECKING:
    from webhooks import ChannelHook

log = logging.getLogger("consign.worker")
CREDENTIAL_CHECK_TIMEOUT = 15.0  # seconds per check; a slow channel is logged, not waited for


@dataclass
class Ports:
    """Each served account's ports, by (channel, account)."""

    orders: dict[AccountKey, ChannelPort] = field(default_factory=dict)
    stock: dict[AccountKey, StockPort] = field(default_factory=dict)
    settlements: dict[AccountKey, SettlementPort] = field(default_factory=dict)
    products: dict[AccountKey, ProductPort] = field(default_factory=dict)
    returns: dict[AccountKey, ReturnPort] = field(default_factory=dict)


def module_of(account: Account) -> ChannelModule[Any]:
    module = channel_module(account.channel)
    if module is None:  # accounts are only made for registered channels
        raise LookupError(f"no channel module {account.channel!r}")
    return module


async def channel_ports(settings: Settings, stack: contextlib.AsyncExitStack) -> Ports:
    """The ports of every account this process serves (its own client, token and pacing
    each), closed with the stack."""
    ports = Ports()
    for account in served_accounts(settings):
        opened = await module_of(account).open_ports(account.settings, stack)
        key = account.key
        ports.orders[key] = opened.orders
        if opened.stock is not None:
            ports.stock[key] = opened.stock
        if opened.settlements is not None:
            ports.settlements[key] = opened.settlements
        if opened.products is not None:
            ports.products[key] = opened.products
        if opened.returns is not None:
            ports.returns[key] = opened.returns
    return ports


async def check_credentials(settings: Settings, ports: Ports, warehouse: WarehousePort) -> None:
    """One cheap authenticated call per channel account and one to the warehouse, each logged:
    a wrong or expired credential is named when the worker starts, not first by a parked
    order. Never fatal (a channel may be down for a minute); never logs a secret."""
    # (what, whose: "" or " (account <id>)", the check)
    checks: list[tuple[str, str, Awaitable[str]]] = [
        (
            module_of(account).title,
            f" (account {account.id})",
            module_of(account).check_credentials(
                OpenedPorts(ports.orders[account.key], ports.stock.get(account.key))
            ),
        )
        for account in served_accounts(settings)
    ]
    served = facilities(settings)
    if served:
        checks.append((WAREHOUSE.title, "", WAREHOUSE.check_credentials(warehouse, served[0])))
    outcomes = await asyncio.gather(
        *(asyncio.wait_for(check, CREDENTIAL_CHECK_TIMEOUT) for _, _, check in checks),
        return_exceptions=True,
    )
    for (title, whose, _), outcome in zip(checks, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.error("credentials: %s check failed%s: %s", title, whose, describe_error(outcome))
        else:
            log.info("credentials: %s %s%s", title, outcome, whose)


def limited_rates(settings: Settings, account: Account, port: ChannelPort) -> dict[str, float]:
    """Each of the account's rate-limited queues (by the name it polls) and its rate: the
    module's for the account's own settings (its rate scale, its reader's usage plan)."""
    module = module_of(account)
    rates = module.rates(account.settings, port)
    suffix = account_suffix(account.queue(settings.temporal.task_queue))
    return {queue.name + suffix: rates[queue.name] for queue in module.limited_queues}


def limited_workers(
    client: Client,
    settings: Settings,
    account: Account,
    port: ChannelPort,
    by_operation: Mapping[Operation, Callable[..., object]],
    options: Mapping[str, Any],
) -> list[Worker]:
    """The account's rate-limited queues, each limited server-side across all workers: the
    default account's under the module's names, another's with its suffix
    (`<queue>@<channel>:<account>`), so two sellers never share a usage plan; `options` are
    the Worker options every worker of the process shares."""
    module = module_of(account)
    rates = limited_rates(settings, account, port)
    running = []
    for queue in module.limited_queues:
        served = sorted(queue.operations | queue.drains)
        listed = list(dict.fromkeys(by_operation[op] for op in served))
        name = queue.name + account_suffix(account.queue(settings.temporal.task_queue))
        running.append(
            Worker(
                client,
                task_queue=name,
                activities=listed,
                max_task_queue_activities_per_second=rates[name],
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
    # Every account's sync, served here or not: a stock change concerns them all.
    syncs = [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings, True)]

    def queue_of(channel: str, account: str) -> str:
        """Where an account's orders and returns run (its own queue, or the main one)."""
        return account_queue(settings, channel, account)

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
    shipping_from = {a.key: a.facilities for a in served_accounts(settings) if a.facilities}
    stock_sync = InventoryActivities(engine, warehouse, ports.stock, shipping_from)
    stock = WarehouseActivities(
        warehouse,
        engine,
        stock_moved,
        client=client,
        limits=settings.limits,
        facilities=shipping_from,
        # The launch gate asks GXO about items no product sync sent (REST: the item master).
        product_synced={(i.channel, i.account) for i in product_sync_inputs(settings, True)},
        items=cast(ItemMasterPort, warehouse),
    )
    delivery = DeliveryActivities(client, engine, queue_of, deadlines)
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
        task_queue=queue_of,
        not_arrived_days=settings.return_not_arrived_days,
    )
    activities = main_activities(
        channel, stock, stock_sync, delivery, settlements, monitor, products, returns
    )
    by_operation = operation_activities(channel, stock_sync, settlements, products)
    limited: list[Worker] = []
    for account in served_accounts(settings):
        port = ports.orders[account.key]
        limited += limited_workers(client, settings, account, port, by_operation, options)
    return Services(activities, limited, ports, warehouse)


def _intakes(settings: Settings) -> dict[AccountKey, ChannelIntakeInput]:
    return {(i.channel, i.account): i for i in intake_inputs(settings)}


def intake_queue_of(settings: Settings, account: Account) -> str:
    """The account's intake queue: `consign-intakes`, or `consign-intakes@<channel>:<id>`."""
    return account.queue(intake_queue(settings.temporal.task_queue))


def channel_hooks(settings: Settings) -> list[ChannelHook]:
    """The webhook route of each served account of a channel that pushes: the default
    account's on the module's path, another's on `<path>/<account>`, each with its own secret,
    intake and (intake) task queue."""
    from webhooks import ChannelHook

    intakes = _intakes(settings)
    return [
        ChannelHook(
            # The default account keeps the module's path; another's adds its id.
            path=hook.path if account.default else f"{hook.path}/{account.id}",
            signature_header=hook.signature_header,
            secret=hook.secret(account.settings).get_secret_value(),
            intake=intakes[account.key],
            parse=hook.parse,
            task_queue=intake_queue_of(settings, account),
        )
        for account in served_accounts(settings)
        if (hook := module_of(account).webhook) is not None
    ]


async def serve_webhooks(client: Client, settings: Settings, port: int) -> None:
    # Imported here, after the workers poll: FastAPI's models take ~0.5-1 s of a start.
    import uvicorn

    from webhooks import create_webhook_app

    hooks = channel_hooks(settings)
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

    intakes = _intakes(settings)
    tasks: list[asyncio.Task[None]] = []
    engine = None
    for account in served_accounts(settings):
        module = module_of(account)
        listener = module.listener(account.settings)
        if listener is None:
            continue
        if engine is None:
            migrate = settings.db_migrate is DbMigrate.AUTO
            engine = open_store(settings.database_url, migrate=migrate)
        intake, store = intakes[account.key], engine
        queue = intake_queue_of(settings, account)

        async def notify(
            order_ids: list[str],
            changes: list[OrderChange],
            intake: ChannelIntakeInput = intake,
            queue: str = queue,
        ) -> None:
            await notify_intake(client, intake, queue, order_ids, changes)

        async def set_aside(records: list[SetAsideRecord], store: Engine = store) -> None:
            await asyncio.to_thread(keep_set_aside, store, records)

        tasks.append(asyncio.create_task(listener(notify, set_aside), name=f"{account.name}-push"))
        log.info("reading %s %s's pushed order notifications", module.title, account.id)
    return tasks
