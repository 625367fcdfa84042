"""`consign report daily`: writes the daily check (docs/operations.md) as Markdown and as a
self-contained HTML page, for a person to read each morning or to mail on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from temporalio.client import Client

from integrations.registry import get_settings
from reporting.daily_report import DailyReport, gather_report
from reporting.owners_file import load_owner_table
from reporting.render import write_report
from starter.client import expected_errors, run_with_client
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine
from starter.orders_cli import AddressOption, NamespaceOption
from workflows.deployment import expected_intakes, expected_syncs

console = Console()
report_app = typer.Typer(help="Reports: the daily check.", no_args_is_help=True)


@report_app.command("daily")
@expected_errors
def daily(
    out: Annotated[Path, typer.Option("--out", help="Directory for the two files.")] = Path(
        "reports"
    ),
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="The report's day, YYYY-MM-DD (default: today, UTC): names the files "
            "and ends the 7-day trends. Current states are always read now.",
        ),
    ] = None,
    at_risk_hours: Annotated[
        float,
        typer.Option(
            "--at-risk-hours", min=0, help="Orders whose ship-by is within this many hours."
        ),
    ] = 24,
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many exception and at-risk rows each.")
    ] = 200,
    database_url: DatabaseOption = None,
    address: AddressOption = None,
    namespace: NamespaceOption = None,
) -> None:
    """Write the daily check as Markdown and HTML (daily-DATE.md, daily-DATE.html)."""
    now = datetime.now(UTC)
    try:
        chosen = date.fromisoformat(day) if day else now.date()
    except ValueError as err:
        raise typer.BadParameter(f"{day!r} is not a date YYYY-MM-DD", param_hint="--date") from err
    settings = get_settings()
    owners = load_owner_table()
    engine = open_engine(database_url)

    async def work(client: Client) -> DailyReport:
        return await gather_report(
            client,
            engine,
            day=chosen,
            now=now,
            at_risk_hours=at_risk_hours,
            owners=owners,
            expected_intakes=expected_intakes(settings),
            expected_syncs=expected_syncs(settings),
            limit=limit,
        )

    report = run_with_client(work, address, namespace)
    markdown, page = write_report(report, out)
    console.print(f"wrote {markdown} and {page}", highlight=False)
