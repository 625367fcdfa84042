"""`consign intakes`: the health of every intake (ChannelIntake, WarehouseIntake, StockIntake,
ReturnIntake) in one table, from their `progress` queries: what docs/operations.md's daily
check 5 asks for, without opening each one in the Web UI."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from temporalio.client import Client

from integrations.registry import CHANNEL_NAMES, get_settings
from reporting.daily_report import IntakeRow, gather_intakes
from starter.accounts_cli import CHANNEL_CHOICES
from starter.client import CliError, expected_errors, run_with_client
from starter.orders_cli import AddressOption, NamespaceOption
from workflows.deployment import expected_intakes

console = Console()


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def intakes_table(rows: list[IntakeRow]) -> Table:
    table = Table(title=f"{len(rows)} intake(s)")
    for column in ("intake", "state", "polls", "last poll", "last error", "retrying", "set aside"):
        table.add_column(column, overflow="fold")
    for row in rows:
        state = row.state + (" (paused)" if row.paused else "")
        table.add_row(
            escape(row.workflow_id),
            escape(state),
            "-" if row.polls is None else str(row.polls),
            _time(row.last_poll_at),
            escape(f"{row.last_error_kind}: {row.last_error}") if row.last_error else "-",
            escape(row.retrying or "-"),
            "-" if row.set_aside is None else str(row.set_aside),
            style=None if row.healthy else "red",
        )
    return table


def of_account(workflow_id: str, channel: str | None, account: str | None) -> bool:
    """Whether an intake belongs to `channel` and `account` (None: any): a channel account's
    intakes are `<kind>:<channel>:<account>` (an account id holds no colon), a facility's
    `<kind>:<facility>` belong to no channel."""
    parts = workflow_id.split(":")
    if len(parts) != 3:
        return False
    return channel in (None, parts[1]) and account in (None, parts[2])


@expected_errors
def list_intakes(
    channel: Annotated[
        str | None,
        typer.Option(help=f"Only this channel's ({CHANNEL_CHOICES}); no warehouse's."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(help="Only this channel account's (seller id, store name); no warehouse's."),
    ] = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Show every configured or running intake: polls, last poll, last error, paused, retrying."""
    if channel is not None and channel not in CHANNEL_NAMES:
        raise CliError(f"unknown channel {channel!r}; one of: {', '.join(CHANNEL_NAMES)}")
    narrowed = channel is not None or account is not None
    expected = {
        workflow_id: kind
        for workflow_id, kind in expected_intakes(get_settings()).items()
        if not narrowed or of_account(workflow_id, channel, account)
    }

    async def work(client: Client) -> list[IntakeRow]:
        return await gather_intakes(client, expected)

    rows = [
        row
        for row in run_with_client(work, address, namespace)
        if not narrowed or of_account(row.workflow_id, channel, account)
    ]
    console.print(intakes_table(rows))
    unhealthy = sum(not row.healthy for row in rows)
    if unhealthy:
        console.print(
            f"{unhealthy} intake(s) need a look: docs/operations.md, *Intakes that keep failing*",
            highlight=False,
        )
