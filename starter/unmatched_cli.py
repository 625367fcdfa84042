"""`consign unmatched list|resolve`: GXO events no order could take (docs/operations.md, daily
check 6), kept verbatim in the store until a person has dealt with them. The list shows ids and
reasons only; the raw event stays in the store (`unmatched_event.raw_json`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from starter.client import CliError, expected_errors
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine

console = Console()
unmatched_app = typer.Typer(
    help="Warehouse events no order could take: list them, mark them handled.",
    no_args_is_help=True,
)


@unmatched_app.command("list")
@expected_errors
def list_events(
    include_resolved: Annotated[
        bool, typer.Option("--all", help="Resolved events too (default: open ones).")
    ] = False,
    facility: Annotated[str | None, typer.Option(help="Only this GXO facility.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 200,
    database_url: DatabaseOption = None,
) -> None:
    """List unmatched warehouse events, oldest first (open ones unless --all)."""
    from store.unmatched import list_unmatched

    events = list_unmatched(open_engine(database_url), include_resolved=include_resolved)
    if facility:
        events = [e for e in events if e.facility_id == facility]
    if not events:
        console.print("no unmatched warehouse events" + ("" if include_resolved else " (open)"))
        return
    table = Table()
    for column in ("received", "facility", "reference", "event id", "reason", "state"):
        table.add_column(column, overflow="fold")
    for event in events[:limit]:
        table.add_row(
            event.received_at.strftime("%Y-%m-%d %H:%M"),
            event.facility_id,
            event.reference,
            event.event_id,
            event.reason or "-",
            "resolved" if event.resolved else "open",
        )
    console.print(table)
    more = len(events) - limit
    console.print(
        f"{min(len(events), limit)} event(s)"
        + (f"; {more} more not shown (--limit)" if more > 0 else "")
        + ". docs/operations.md says what each reason means; "
        "`consign unmatched resolve EVENT_ID` once handled.",
        highlight=False,
    )


@unmatched_app.command("resolve")
@expected_errors
def resolve_event(
    event_id: Annotated[str, typer.Argument(help="The event id `list` shows.")],
    database_url: DatabaseOption = None,
) -> None:
    """Mark an event handled. It stays in the store."""
    from store.unmatched import resolve_unmatched

    if not resolve_unmatched(open_engine(database_url), event_id):
        raise CliError(f"no open unmatched event {event_id}")
    console.print(f"unmatched event {event_id} resolved", highlight=False, markup=False)
