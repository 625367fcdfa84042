"""`consign set-aside list|show|resolve`: the records an intake could not understand (an order in
a status consign does not know, a GXO event of a new kind, a negative stock figure), kept in the
store with the reason so nothing is lost, for a person to look at and resolve.

`show` prints the record as received, which may hold personal data (a buyer's address in an
order): it is for the operator's terminal, never for a ticket or a log.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from domain.setaside import SetAsideFeed, SetAsideReason
from integrations.registry import CHANNEL_NAMES, WAREHOUSE
from starter.accounts_cli import CHANNEL_CHOICES
from starter.client import CliError, expected_errors
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine

console = Console()
setaside_app = typer.Typer(
    help="Records the intakes set aside because they could not read them.", no_args_is_help=True
)
SENDERS = (*CHANNEL_NAMES, WAREHOUSE.name)
DETAIL_SHOWN = 80  # characters of the detail in the list; `show` prints it whole


def _stamp(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def _sender(system: str | None, channel: str | None, account: str | None) -> str | None:
    """The sender `--system` or `--channel` names (they must agree); `--account` alone is a
    channel account's scope, so it leaves the warehouse's records out only by their scope (a
    facility id, never a seller id or store name)."""
    if channel is not None and channel not in CHANNEL_NAMES:
        raise CliError(f"unknown channel {channel!r}; one of: {', '.join(CHANNEL_NAMES)}")
    if system is not None and channel is not None and system != channel:
        raise CliError(f"--system {system} and --channel {channel} name different senders")
    if account is not None and system == WAREHOUSE.name:
        raise CliError(f"--account names a channel account; {WAREHOUSE.name} has none")
    return channel or system


@setaside_app.command("list")
@expected_errors
def list_records(
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Resolved records too (default: open ones).")
    ] = False,
    system: Annotated[
        str | None,
        typer.Option(help=f"Only from this sender: {', '.join(SENDERS)}."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(help=f"Only this channel's ({CHANNEL_CHOICES}): --system's alias."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(help="Only this channel account's (seller id, store name; its scope)."),
    ] = None,
    feed: Annotated[SetAsideFeed | None, typer.Option(help="Only from this intake feed.")] = None,
    reason: Annotated[SetAsideReason | None, typer.Option(help="Only this reason.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 200,
    database_url: DatabaseOption = None,
) -> None:
    """List the records set aside, oldest first (open ones unless --all)."""
    from store.set_aside import list_set_aside

    entries = list_set_aside(
        open_engine(database_url),
        include_resolved=include_resolved,
        system=_sender(system, channel, account),
        feed=feed,
        reason=reason,
        limit=limit,
        scope=account,
    )
    if not entries:
        console.print("no records set aside" + ("" if include_resolved else " (open)"))
        return
    table = Table(show_lines=False)
    for column in ("id", "first seen", "seen", "from", "scope", "record", "reason", "detail"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        detail = entry.detail if len(entry.detail) <= DETAIL_SHOWN else entry.detail[:77] + "..."
        table.add_row(
            str(entry.id) + (" (resolved)" if entry.resolved else ""),
            _stamp(entry.first_seen_at),
            str(entry.times_seen),
            f"{entry.system} {entry.feed.value}",
            entry.scope,
            entry.record_id,
            entry.reason.value,
            detail,
        )
    console.print(table)
    console.print(
        f"{len(entries)} record(s). `consign set-aside show ID` prints one with its raw form; "
        "docs/operations.md says what each reason means.",
        highlight=False,
    )


@setaside_app.command("show")
@expected_errors
def show_record(
    entry_id: Annotated[int, typer.Argument(help="The id `list` shows.")],
    database_url: DatabaseOption = None,
) -> None:
    """One record in full, with the raw record as received (may hold personal data)."""
    from store.set_aside import get_set_aside

    entry = get_set_aside(open_engine(database_url), entry_id)
    if entry is None:
        raise CliError(f"no set-aside record {entry_id}")
    state = (
        f"resolved {_stamp(entry.resolved_at)}: {entry.resolution}" if entry.resolved else "open"
    )
    for label, value in (
        ("id", entry.id),
        ("from", f"{entry.system} {entry.feed.value}"),
        ("scope", entry.scope),
        ("record", entry.record_id),
        ("reason", entry.reason.value),
        ("detail", entry.detail),
        ("first seen", _stamp(entry.first_seen_at)),
        ("last seen", f"{_stamp(entry.last_seen_at)} ({entry.times_seen} time(s))"),
        ("state", state),
    ):
        console.print(f"{label:>10}  {value}", highlight=False, markup=False)
    console.print("raw record (as received; may hold personal data):", highlight=False)
    try:
        raw = json.dumps(json.loads(entry.raw), indent=2, ensure_ascii=False)
    except ValueError:
        raw = entry.raw
    typer.echo(raw)


@setaside_app.command("resolve")
@expected_errors
def resolve_record(
    entry_id: Annotated[int, typer.Argument(help="The id `list` shows.")],
    note: Annotated[
        str, typer.Option("--note", help="What was done about it (kept with the record).")
    ],
    by: Annotated[str | None, typer.Option(help="Who (default: the current user).")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Mark a record handled. It stays in the store; if the sender sends it again with other
    content it opens again."""
    from store.set_aside import resolve_set_aside

    if not note.strip():
        raise CliError("--note must say what was done")
    resolution = f"{note.strip()} (by {by or getpass.getuser()})"
    if not resolve_set_aside(open_engine(database_url), entry_id, resolution):
        raise CliError(f"no open set-aside record {entry_id}")
    console.print(f"record {entry_id} resolved: {resolution}", highlight=False, markup=False)
