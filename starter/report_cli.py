"""`consign report daily`: writes the daily check (docs/operations.md) as Markdown and as a
self-contained HTML page, for a person to read each morning or to mail on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from temporalio.client import Client

from config import Settings
from integrations.registry import get_settings
from starter.client import CliError, expected_errors, run_with_client
from starter.daily_report import DailyReport, gather_report
from starter.daily_report_render import render_html, render_markdown
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine
from starter.orders_cli import AddressOption, NamespaceOption
from starter.owners_file import load_owner_table
from workflows.channel_intake import intake_id
from workflows.deployment import (
    facilities,
    intake_inputs,
    inventory_inputs,
    return_intake_inputs,
)
from workflows.inventory_sync import inventory_sync_id
from workflows.return_intake import return_intake_id
from workflows.stock_intake import stock_intake_id
from workflows.warehouse_intake import workflow_id_for

console = Console()
report_app = typer.Typer(help="Reports: the daily check.", no_args_is_help=True)


def expected_intakes(settings: Settings) -> dict[str, str]:
    """The intakes a worker with these settings starts: id -> workflow type."""
    found = {intake_id(i.channel, i.account): "ChannelIntake" for i in intake_inputs(settings)}
    for returns in return_intake_inputs(settings):
        found[return_intake_id(returns.channel, returns.account)] = "ReturnIntake"
    for facility in facilities(settings):
        found[workflow_id_for(facility)] = "WarehouseIntake"
        if settings.inventory_sync:
            found[stock_intake_id(facility)] = "StockIntake"
    return found


def expected_syncs(settings: Settings) -> list[str]:
    """The InventorySync workflows a worker with these settings starts."""
    if not settings.inventory_sync:
        return []
    return [inventory_sync_id(i.channel, i.account) for i in inventory_inputs(settings)]


def write_report(report: DailyReport, out: Path) -> tuple[Path, Path]:
    """`daily-<date>.md` and `daily-<date>.html` in `out` (created if missing)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        markdown = out / f"daily-{report.day.isoformat()}.md"
        page = out / f"daily-{report.day.isoformat()}.html"
        markdown.write_text(render_markdown(report), encoding="utf-8")
        page.write_text(render_html(report), encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot write the report to {out}: {err.strerror or err}") from err
    return markdown, page


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
