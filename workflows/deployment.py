"""The long-lived workflows a deployment runs for its settings: one ChannelIntake per channel
account, one InventorySync per account whose stock consign sets, and per warehouse facility a
WarehouseIntake and a StockIntake; per account of a channel that files settlement reports, a
SettlementIntake on a Schedule; per account of a channel that authorises returns, a
ReturnIntake; and the Monitor. Per account: the accounts this process serves (CONSIGN_ACCOUNTS;
unset: all). The worker starts them; the daily report expects them.

They run on a task queue of their own (`intake_queue`), polled by a worker of their own, so their
workflow tasks and activities never wait behind order workflows: a fresh worker after a crash
replays hundreds of orders, and an intake queued behind them missed the bound docs/operations.md
states ("When a worker dies"). Order and return workflows stay on the main queue. A
non-default account's run on the same queues with its suffix (`consign-intakes@<channel>:<id>`,
`consign@<channel>:<id>`: integrations/accounts.py)."""

from __future__ import annotations

from typing import Any

from config import Settings
from integrations.accounts import Account
from integrations.module import ChannelModule
from integrations.registry import (
    WAREHOUSE,
    accounts,
    channel_module,
    enabled,
    served_accounts,
)
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, intake_id
from workflows.inventory_sync import InventorySync, InventorySyncInput, inventory_sync_id
from workflows.monitor import Monitor
from workflows.product_sync import CHECK_SECONDS, ProductSync, ProductSyncInput, product_sync_id
from workflows.return_intake import ReturnIntake, ReturnIntakeInput, return_intake_id
from workflows.settlement_intake import (
    SettlementIntake,
    SettlementIntakeInput,
    settlement_intake_id,
)
from workflows.stock_intake import StockIntake, stock_intake_id
from workflows.warehouse_intake import WarehouseIntake, workflow_id_for

# Every long-lived workflow the worker keeps running: the intake queue's workflows.
LONG_LIVED: tuple[type, ...] = (
    ChannelIntake,
    WarehouseIntake,
    StockIntake,
    InventorySync,
    ProductSync,
    ReturnIntake,
    SettlementIntake,
    Monitor,
)
INTAKE_QUEUE_SUFFIX = "-intakes"


def intake_queue(main: str) -> str:
    """The task queue of the intakes, syncs and Monitor beside the main (orders') queue
    TEMPORAL_TASK_QUEUE: `consign` -> `consign-intakes`."""
    return f"{main}{INTAKE_QUEUE_SUFFIX}"


def _module(account: Account) -> ChannelModule[Any]:
    module = channel_module(account.channel)
    if module is None:  # accounts are only made for registered channels
        raise LookupError(f"no channel module {account.channel!r}")
    return module


def _accounts(settings: Settings, every: bool) -> list[Account]:
    return accounts(settings) if every else served_accounts(settings)


def intake_inputs(settings: Settings, every: bool = False) -> list[ChannelIntakeInput]:
    """One ChannelIntake per channel account this process serves (with `every`: per account
    of the deployment)."""
    return [
        ChannelIntakeInput(
            channel=account.channel,
            account=account.id,
            poll_interval_seconds=max(
                settings.poll_interval_seconds,
                (module := _module(account)).min_poll_seconds(account.settings),
            ),
            sweep_every_polls=module.sweep_every_polls(account.settings),
        )
        for account in _accounts(settings, every)
    ]


def inventory_inputs(settings: Settings, every: bool = False) -> list[InventorySyncInput]:
    """One InventorySync per channel account whose stock consign sets (this process's, or
    with `every` all the deployment's: stock changes signal each)."""
    return [
        InventorySyncInput(
            channel=account.channel,
            account=account.id,
            reconcile_every_hours=settings.reconcile_hours,
            stall_after_minutes=settings.stock_stall_minutes,
        )
        for account in _accounts(settings, every)
        if _module(account).syncs_stock(account.settings)
    ]


def product_sync_inputs(settings: Settings, every: bool = False) -> list[ProductSyncInput]:
    """One ProductSync per channel account whose product data the brand sends GXO (this
    process's, or with `every` the deployment's). A channel that does not master product data
    leaves the SKUs of every configured channel that does to it (`defer_to`)."""
    masters = [module.name for module in enabled(settings) if module.masters_products]
    found = []
    for account in _accounts(settings, every):
        module = _module(account)
        policy = module.product_sync(account.settings)
        if policy is not None:
            found.append(
                ProductSyncInput(
                    channel=account.channel,
                    account=account.id,
                    interval_minutes=policy.interval_minutes,
                    # GXO is asked about pending records every 30 s, or each sweep if sooner.
                    check_seconds=min(CHECK_SECONDS, policy.interval_minutes * 60),
                    item_codes_from_products=policy.item_codes_from_products,
                    cursor=policy.since,
                    defer_to=[] if module.masters_products else masters,
                )
            )
    return found


def return_intake_inputs(settings: Settings, every: bool = False) -> list[ReturnIntakeInput]:
    """One ReturnIntake per account of a channel that authorises returns."""
    return [
        ReturnIntakeInput(
            channel=account.channel,
            account=account.id,
            poll_interval_seconds=max(
                settings.poll_interval_seconds,
                module.min_poll_seconds(account.settings),
            ),
        )
        for account in _accounts(settings, every)
        if (module := _module(account)).takes_returns
    ]


def facilities(settings: Settings) -> list[str]:
    """The warehouse facilities consign serves (GXO_FACILITIES)."""
    return WAREHOUSE.facilities(WAREHOUSE.settings_of(settings))


def settlement_inputs(settings: Settings, every: bool = False) -> list[SettlementIntakeInput]:
    """One SettlementIntake schedule per account of a channel that files settlement reports
    (this process's, or with `every` the deployment's)."""
    return [
        SettlementIntakeInput(
            channel=account.channel,
            account=account.id,
            unsettled_after_days=settings.unsettled_after_days,
        )
        for account in _accounts(settings, every)
        if _module(account).files_settlements
    ]


def expected_intakes(settings: Settings) -> dict[str, str]:
    """The intakes the deployment's workers start (every account's, whichever process serves
    it): id -> workflow type. A SettlementIntake's id is its schedule's (its runs are short);
    a ProductSync is the intake of product data."""
    everyone = intake_inputs(settings, every=True)
    found = {intake_id(i.channel, i.account): "ChannelIntake" for i in everyone}
    for returns in return_intake_inputs(settings, every=True):
        found[return_intake_id(returns.channel, returns.account)] = "ReturnIntake"
    for products in product_sync_inputs(settings, every=True):
        found[product_sync_id(products.channel, products.account)] = "ProductSync"
    for settles in settlement_inputs(settings, every=True):
        found[settlement_intake_id(settles.channel, settles.account)] = "SettlementIntake"
    for facility in facilities(settings):
        found[workflow_id_for(facility)] = "WarehouseIntake"
        if settings.inventory_sync:
            found[stock_intake_id(facility)] = "StockIntake"
    return found


def expected_syncs(settings: Settings) -> list[str]:
    """The InventorySync workflows the deployment's workers start (every account's)."""
    if not settings.inventory_sync:
        return []
    return [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings, True)]
