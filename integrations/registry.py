"""The registry: every channel and warehouse module consign knows. worker.py, config.py (through
`get_settings`), the activities and the webhook app iterate over it; the only place besides
the module packages that names a channel. Adding a channel: docs/adding-a-channel.md."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Any

from config import Settings, read_settings
from integrations.accounts import (
    Account,
    account_suffix,
    check_accounts,
    parse_filter,
    read_accounts_file,
)
from integrations.amazon.module import AMAZON
from integrations.centra.module import CENTRA
from integrations.gxo.module import GXO
from integrations.module import ChannelModule, Operation, WarehouseModule

CHANNELS: tuple[ChannelModule[Any], ...] = (AMAZON, CENTRA)
WAREHOUSE: WarehouseModule[Any] = GXO
CHANNEL_NAMES = tuple(module.name for module in CHANNELS)


class Channel(StrEnum):
    """The channel modules' names, for code that picks one (the CLI, the demo, tests). Domain
    models and histories hold the plain string ("amazon")."""

    AMAZON = AMAZON.name
    CENTRA = CENTRA.name


def channel_module(name: str) -> ChannelModule[Any] | None:
    """The module of the channel `name`; None for one consign does not know."""
    return next((module for module in CHANNELS if module.name == name), None)


def queue_for(channel: str, operation: Operation, main: str) -> str:
    """The task queue `operation` runs on for `channel`, from a workflow whose own queue is
    `main`: its module's limited queue, else `main`. A non-default account's workflows run on
    `<main>@<channel>:<account>` (Account.queue) and its limited queues carry the same suffix,
    so each account has its own rate limits. Pure and static: workflows call it (through
    activities/queues.py)."""
    module = channel_module(channel)
    limited = module.queue_for(operation) if module else None
    return limited + account_suffix(main) if limited else main


def enabled(settings: Settings) -> list[ChannelModule[Any]]:
    """The channel modules this deployment runs (CONSIGN_CHANNELS), in registry order."""
    return [module for module in CHANNELS if module.name in settings.channels]


def default_account_of(module: ChannelModule[Any], settings: Settings) -> Account:
    """The account the channel's environment block names: today's task queues and ids."""
    own = module.settings_of(settings)
    field = module.account_fields.marketplaces
    return Account(
        channel=module.name,
        id=module.account(own),
        settings=own,
        default=True,
        marketplaces=tuple(getattr(own, field)) if field else (),
    )


def accounts(settings: Settings) -> list[Account]:
    """Every configured account of the channels this deployment runs: each channel's default
    account, then those the accounts file adds (`settings.accounts`), in registry order."""
    listed = []
    for module in enabled(settings):
        listed.append(default_account_of(module, settings))
        listed += [a for a in settings.accounts if a.channel == module.name]
    return listed


def served_accounts(settings: Settings) -> list[Account]:
    """The accounts this process serves (CONSIGN_ACCOUNTS; unset: all)."""
    every = accounts(settings)
    if settings.account_filter is None:
        return every
    return [account for account in every if account.name in settings.account_filter]


def serves_main_queue(settings: Settings) -> bool:
    """Whether this process polls the main task queue: the default accounts' workflows and
    the warehouse's (intakes per facility, the monitor) run there."""
    return settings.account_filter is None or any(a.default for a in served_accounts(settings))


def find_account(settings: Settings, channel: str, account: str) -> Account | None:
    return next((a for a in accounts(settings) if a.key == (channel, account)), None)


def account_queue(settings: Settings, channel: str, account: str, base: str | None = None) -> str:
    """The task queue the account's workflows run on: `base` (default the main queue; the
    intake queue for its intakes and syncs) for the default account, with the account's
    suffix for another; `base` for an unknown account (its activities then fail there, named,
    rather than wait on a queue nobody polls)."""
    found = find_account(settings, channel, account)
    queue = base or settings.temporal.task_queue
    return found.queue(queue) if found is not None else queue


def with_accounts(settings: Settings) -> Settings:
    """`settings` with the accounts file's accounts (CONSIGN_ACCOUNTS_FILE) and the
    CONSIGN_ACCOUNTS filter, all checked: a bad file stops the start with one line."""
    path = settings.accounts_file
    running = enabled(settings)
    defaults = {module.name: module.settings_of(settings) for module in running}
    extra = read_accounts_file(path, running, defaults) if path else []
    settings = settings.model_copy(update={"accounts": extra})
    every = accounts(settings)
    check_accounts(every, WAREHOUSE.facilities(WAREHOUSE.settings_of(settings)))
    chosen = parse_filter(settings.account_names, every)
    return settings.model_copy(update={"account_filter": chosen})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process; tests build Settings directly instead."""
    return with_accounts(read_settings(CHANNELS, [WAREHOUSE]))
