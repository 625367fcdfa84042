"""`consign inventory status|sync-now|buffers`: what operations use to see how each channel
account's stock sync is doing (the InventorySync workflow's status and the store's push
ledger), to ask for a push or a reconcile now, and to maintain the safety buffers as CSV."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.sync_status import InventorySyncStatus
from integrations.registry import Channel, get_settings
from starter.accounts_cli import ACCOUNT_HELP, CHANNEL_CHOICES, accounts_of
from starter.answers import ask
from starter.client import TemporalUnreachable, expected_errors, run_with_client
from starter.mappings_cli import DatabaseOption, ForceOption, export_kind, import_kind
from starter.mappings_cli import _engine as open_engine
from starter.orders_cli import AddressOption, NamespaceOption, parse_enum
from workflows.inventory_sync import (
    STATUS_QUERY,
    SYNC_NOW_SIGNAL,
    SyncAnswer,
    SyncRequest,
    inventory_sync_id,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from store.inventory import LedgerEntry

console = Console()
inventory_app = typer.Typer(
    help="Stock sync to the channels: status, push now, safety buffers.", no_args_is_help=True
)
COLUMNS_HELP = (
    f"Columns: channel ({CHANNEL_CHOICES}; empty = any channel), sku (empty = any SKU), units "
    "(whole units held back), percent (0-100 of GXO available held back). The larger of units "
    "and percent-of-available applies; the most specific rule wins: sku+channel, then sku, "
    "then channel, then the default (both empty)."
)
BUFFERS_HELP = f"Import and export the safety buffers as CSV.\n\n{COLUMNS_HELP}"
buffers_app = typer.Typer(help=BUFFERS_HELP, no_args_is_help=True)
inventory_app.add_typer(buffers_app, name="buffers")

QUERY_TIMEOUT = timedelta(seconds=10)
S = TypeVar("S")
BUFFERS = "buffers"

ChannelOption = Annotated[
    str | None,
    typer.Option("--channel", help=f"{CHANNEL_CHOICES} (default: every channel)."),
]
AccountOption = Annotated[
    str | None,
    typer.Option("--account", help=ACCOUNT_HELP),
]


@dataclass(frozen=True)
class Target:
    """One channel account, i.e. one InventorySync workflow."""

    channel: Channel
    account: str

    @property
    def workflow_id(self) -> str:
        return inventory_sync_id(self.channel, self.account)


def resolve_targets(channel: str | None, account: str | None) -> list[Target]:
    """The channel accounts to act on: those of one channel if given, else every configured
    one; with `--account` that account (with `--channel`, also one no longer configured)."""
    settings = get_settings()
    chosen = parse_enum(Channel, channel, "channel") if channel else None
    if account is not None and chosen is not None:
        return [Target(chosen, account)]
    return [Target(Channel(a.channel), a.id) for a in accounts_of(settings, chosen, account)]


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


# -- consign inventory status ---------------------------------------------------------------


async def fetch_status(client: Client, workflow_id: str) -> InventorySyncStatus | str:
    """The workflow's status, or one line saying why there is none."""
    return await query_status(client, workflow_id, "InventorySync", InventorySyncStatus)


async def query_status(
    client: Client, workflow_id: str, name: str, result_type: type[S]
) -> S | str:
    """A running workflow `name`'s status query, or one line saying why there is none."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
        if described.status != WorkflowExecutionStatus.RUNNING:
            state = described.status.name if described.status else "unknown"
            return f"{name} {workflow_id} is not running ({state})"
        return await handle.query(STATUS_QUERY, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return f"{name} {workflow_id} is not running (never started)"
        if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            return f"{name} {workflow_id}: no worker answered (is the worker running?)"
        return f"{name} {workflow_id}: Temporal refused the query: {err.message}"
    except WorkflowQueryFailedError as err:
        return f"{name} {workflow_id}: status query failed: {err}"


def fetch_statuses(
    targets: list[Target],
    address: str | None,
    namespace: str | None,
    read: Callable[[Client, Target], Awaitable[S | str]],
    workflow_id: Callable[[Target], str],
) -> dict[Target, S | str]:
    """Every target's status, read by `read`; an unreachable Temporal is one line per target,
    not a failure (what the store holds is still worth printing)."""

    async def work(client: Client) -> dict[Target, S | str]:
        return {target: await read(client, target) for target in targets}

    try:
        return run_with_client(work, address, namespace)
    except TemporalUnreachable as err:
        return {target: f"{workflow_id(target)}: {err}" for target in targets}


def status_table() -> Table:
    """The two-column table a workflow's status prints as."""
    summary = Table(show_header=False, box=None, padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column(overflow="fold")
    return summary


def print_sync_status(status: InventorySyncStatus) -> None:
    """The workflow's view: pushes, pending, rejected, stalled, reconcile and drift."""
    summary = status_table()
    summary.add_row("last push", _fmt_time(status.last_push_at))
    summary.add_row("pushes", str(status.pushes))
    summary.add_row("SKUs pushed", str(status.skus_pushed))
    summary.add_row("pending items", ", ".join(status.pending_items) or "-")
    # A push in flight has taken its items out of the pending ones: say so, or a hung push
    # reads as a sync with nothing to do.
    summary.add_row("cycle under way", "yes" if status.in_cycle else "no")
    summary.add_row("last reconcile", _fmt_time(status.last_reconcile_at))
    summary.add_row("unknown to GXO", ", ".join(status.unknown_to_gxo) or "-")
    summary.add_row("unmapped items", ", ".join(status.unmapped_items) or "-")
    stalled = ", ".join(status.stalled)
    summary.add_row("stalled SKUs", f"[red]{escape(stalled)}[/red]" if stalled else "-")
    error = status.last_error
    summary.add_row("last error", f"[red]{escape(error)}[/red]" if error else "-")
    retrying = status.retrying
    summary.add_row(
        "retrying",
        escape(f"{retrying.activity}: {retrying.attempts} attempts, last {retrying.last_failure}")
        if retrying
        else "-",
    )
    awaiting = [
        f"{a.submission} ({a.skus} SKUs, since {_fmt_time(a.since)}, {a.checks} checks)"
        for a in status.awaiting
    ]
    summary.add_row("awaiting", escape("; ".join(awaiting)) if awaiting else "-")
    summary.add_row("held SKUs", ", ".join(status.held) or "-")
    console.print(summary)
    if status.rejected:
        rejected = Table(title="rejected SKUs", title_style="red")
        for column in ("sku", "quantity", "submission", "message"):
            rejected.add_column(column, overflow="fold")
        for outcome in status.rejected:
            rejected.add_row(
                outcome.sku, str(outcome.quantity), outcome.submission, outcome.message or ""
            )
        console.print(rejected)
    if status.drift:
        drift = Table(title="drift at the last reconcile", title_style="yellow")
        for column in ("sku", "expected", "shown"):
            drift.add_column(column, justify="left" if column == "sku" else "right")
        for line in status.drift:
            shown = "not listed" if line.shown is None else str(line.shown)
            drift.add_row(line.sku, str(line.expected), shown)
        console.print(drift)


def drifted(entry: LedgerEntry) -> bool:
    """The channel showed something other than what it last accepted."""
    return entry.checked_at is not None and entry.shown != entry.quantity


def ledger_table(entries: dict[str, LedgerEntry]) -> Table:
    """The store's ledger: per SKU what was accepted, when, and what the channel showed."""
    table = Table(title=f"ledger: {len(entries)} SKU(s)")
    columns = ("sku", "accepted qty", "pushed", "submission", "outcome", "pending since")
    for column in (*columns, "shown", "checked", "drift"):
        numeric = column in ("accepted qty", "shown")
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for sku in sorted(entries):
        entry = entries[sku]
        outcome = entry.outcome or "-"
        if entry.outcome == "rejected" and entry.message:
            outcome = f"rejected: {entry.message}"
        drift = drifted(entry)
        style = "red" if entry.outcome == "rejected" else "yellow" if drift else None
        table.add_row(
            sku,
            _opt(entry.quantity),
            _fmt_time(entry.pushed_at),
            entry.submission or "-",
            outcome,
            _fmt_time(entry.pending_since) if entry.pending_since else "-",
            _opt(entry.shown),
            _fmt_time(entry.checked_at),
            "DRIFT" if drift else "",
            style=style,
        )
    return table


def _engine(database_url: str | None) -> Engine:
    """The store (the same opening, and the same one-line error, as `consign mappings`)."""
    return open_engine(database_url)


@inventory_app.command("status")
@expected_errors
def status(
    channel: ChannelOption = None,
    account: AccountOption = None,
    database_url: DatabaseOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Show each channel account's InventorySync status and the store's push ledger."""
    from store.inventory import ledger

    targets = resolve_targets(channel, account)
    engine = _engine(database_url)
    statuses = fetch_statuses(
        targets,
        address,
        namespace,
        lambda client, target: fetch_status(client, target.workflow_id),
        lambda target: target.workflow_id,
    )
    for target in targets:
        console.print(f"[bold]{escape(target.workflow_id)}[/bold]")
        found = statuses[target]
        if isinstance(found, str):
            console.print(f"[yellow]{escape(found)}[/yellow]", highlight=False)
        else:
            print_sync_status(found)
        entries = ledger(engine, target.channel, target.account)
        console.print(ledger_table(entries))
        drift = sum(drifted(entry) for entry in entries.values())
        if drift:
            console.print(
                f"[yellow]{drift} SKU(s) drifted: the channel showed a different quantity "
                "than it last accepted[/yellow]"
            )


# -- consign inventory sync-now -------------------------------------------------------------


async def send_sync_now(client: Client, workflow_id: str, request: SyncRequest) -> SyncAnswer:
    """The sync_now update: the answer is the status after the cycle it asked for."""
    return await ask(client.get_workflow_handle(workflow_id), SYNC_NOW_SIGNAL, request, SyncAnswer)


def describe_sync(workflow_id: str, answer: SyncAnswer) -> str:
    status = answer.status
    done = "done" if answer.settled else "still running (see `consign inventory status`)"
    parts = [
        f"{SYNC_NOW_SIGNAL} of {workflow_id}: {done}",
        f"last push {_fmt_time(status.last_push_at)}",
        f"{status.skus_pushed} SKU(s) pushed in {status.pushes} push(es)",
        f"{len(status.rejected)} rejected",
        f"{len(status.stalled)} stalled",
        f"{len(status.drift)} drifted at the last reconcile",
    ]
    if status.last_error:
        parts.append(f"last error: {status.last_error}")
    return ", ".join(parts)


@inventory_app.command("sync-now")
@expected_errors
def sync_now(
    channel: ChannelOption = None,
    account: AccountOption = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Plan every mapped SKU (not only moved items); push what differs."
        ),
    ] = False,
    reconcile: Annotated[
        bool, typer.Option("--reconcile", help="Read every SKU back from the channel first.")
    ] = False,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Ask each channel account's InventorySync to push (and optionally reconcile) now, and
    print what the cycle did (a Temporal Update: it waits for the answer)."""
    targets = resolve_targets(channel, account)
    request = SyncRequest(full=full, reconcile=reconcile)

    async def work(client: Client) -> None:
        for target in targets:
            answer = await send_sync_now(client, target.workflow_id, request)
            console.print(describe_sync(target.workflow_id, answer), markup=False, highlight=False)

    run_with_client(work, address, namespace)


# -- consign inventory buffers import | export ----------------------------------------------


@buffers_app.command(
    "import",
    help="Replace every buffer rule with the rules in FILE (swapped as a whole set; a file "
    "with no rows is refused unless --force).\n\n" + COLUMNS_HELP,
)
@expected_errors
def import_buffers(
    file: Annotated[Path, typer.Argument(help="CSV file to import ('-' for stdin).")],
    database_url: DatabaseOption = None,
    force: ForceOption = False,
) -> None:
    """Import the buffer rules of a CSV file (help text: COLUMNS_HELP)."""
    import_kind(BUFFERS, file, database_url, force)


@buffers_app.command("export")
@expected_errors
def export_buffers(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write the CSV (default: stdout).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Write the buffer rules as CSV (channel, sku, units, percent), as `import` reads them."""
    export_kind(BUFFERS, file, database_url)
