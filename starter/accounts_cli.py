"""`consign accounts`: every configured channel account (each channel's default one and those
of CONSIGN_ACCOUNTS_FILE), its queues and whether this process serves it; and the one rule the
per-account commands share for `--account`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config import Settings
from integrations.accounts import Account, account_suffix
from integrations.registry import (
    CHANNEL_NAMES,
    accounts,
    channel_module,
    get_settings,
    served_accounts,
)
from starter.client import CliError, expected_errors

console = Console()

# The registry's channels as a `--channel` help says them ("<a> or <b>"), so a new
# channel module shows up in every command's help (docs/adding-a-channel.md).
CHANNEL_CHOICES = " or ".join(CHANNEL_NAMES)
ACCOUNT_HELP = (
    "Channel account: a seller id or store name (default: the channel's only account; "
    "`consign accounts` lists them)."
)


def accounts_of(settings: Settings, channel: str | None, account: str | None) -> list[Account]:
    """The configured accounts `--channel` / `--account` select: every one when neither is
    given; an account named but not configured is refused, naming the configured ones."""
    listed = [a for a in accounts(settings) if channel is None or a.channel == channel]
    if account is None:
        return listed
    chosen = [a for a in listed if a.id == account]
    if not chosen:
        known = ", ".join(a.name for a in listed) or "none"
        raise CliError(f"no account {account!r} configured (configured: {known})")
    return chosen


def account_for(settings: Settings, channel: str, account: str | None) -> str:
    """The account of `channel` a command acts on: `account` if given (configured or not: an
    account removed from the file still has workflows to look at), else the channel's only
    account; a channel with several needs `--account`."""
    if account is not None:
        return account
    listed = [a for a in accounts(settings) if a.channel == channel]
    if not listed:
        raise CliError(f"{channel} is not among CONSIGN_CHANNELS")
    if len(listed) > 1:
        names = ", ".join(a.id for a in listed)
        raise CliError(f"{channel} has {len(listed)} accounts ({names}): give --account")
    return listed[0].id


def _facts(account: Account) -> str:
    module = channel_module(account.channel)
    flags = []
    if module is not None:
        if module.syncs_stock(account.settings):
            flags.append("stock")
        if module.takes_returns:
            flags.append("returns")
        if module.files_settlements:
            flags.append("settlements")
        if module.product_sync(account.settings) is not None:
            flags.append("products")
    return ", ".join(flags)


def accounts_table(settings: Settings, channel: str | None = None) -> Table:
    served = {a.name for a in served_accounts(settings)}
    main = settings.temporal.task_queue
    table = Table(title="channel accounts")
    for column in (
        "channel",
        "account",
        "default",
        "marketplaces",
        "facilities",
        "task queue",
        "limited queues",
        "runs",
        "served here",
    ):
        table.add_column(column)
    for account in accounts_of(settings, channel, None):
        module = channel_module(account.channel)
        queue = account.queue(main)
        limited = [q.name + account_suffix(queue) for q in module.limited_queues] if module else []
        table.add_row(
            account.channel,
            escape(account.id),
            "yes" if account.default else "",
            ", ".join(account.marketplaces) or "-",
            ", ".join(account.facilities) or "all",
            escape(queue),
            escape(", ".join(limited)) or "-",
            _facts(account),
            "yes" if account.name in served else "no",
        )
    return table


@expected_errors
def list_accounts(
    channel: Annotated[str | None, typer.Option(help="Only this channel's accounts.")] = None,
) -> None:
    """List the configured channel accounts (CONSIGN_ACCOUNTS_FILE beside each channel's own),
    their task queues and whether this process serves them (CONSIGN_ACCOUNTS)."""
    settings = get_settings()
    if channel is not None and channel not in settings.channels:
        raise CliError(f"{channel} is not among CONSIGN_CHANNELS ({', '.join(settings.channels)})")
    console.print(accounts_table(settings, channel))
    if settings.accounts_file:
        console.print(f"accounts file: {escape(settings.accounts_file)}")
