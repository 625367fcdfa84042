"""`consign settlements centra --period YYYY-MM`: Centra's captured amounts against the
shipments consign completed, per order. The orders are those with a parcel consign confirmed
to Centra in the month (the store's confirmed parcels); Centra is read, never written."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from starter.accounts_cli import ACCOUNT_HELP, account_for, accounts_of
from starter.client import CliError, expected_errors
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine
from starter.settlements_cli import period_bounds, settlements_app

if TYPE_CHECKING:
    from domain.capture_differences import OrderPayments
    from integrations.centra.settings import CentraSettings

console = Console()
CSV_COLUMNS = ["kind", "order_id", "currency", "shipped", "captured", "detail"]


@settlements_app.command("centra")
@expected_errors
def centra_command(
    period: Annotated[str, typer.Option(help="Orders confirmed in this month (YYYY-MM).")],
    pending_days: Annotated[
        float, typer.Option(help="A capture pending longer than this many days is a difference.")
    ] = 3,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the differences as CSV.")
    ] = None,
    database_url: DatabaseOption = None,
    account: Annotated[str | None, typer.Option(help=ACCOUNT_HELP)] = None,
) -> None:
    """Per Centra order consign shipped in the month (of one store): captured but not shipped,
    shipped but not captured, capture pending too long."""
    from domain.capture_differences import capture_differences
    from integrations.centra.module import CENTRA
    from integrations.registry import get_settings
    from store.settlements import shipped_orders

    start, end = period_bounds(period)
    settings = get_settings()
    if CENTRA.name not in settings.channels:
        raise CliError("Centra is not among CONSIGN_CHANNELS")
    store = account_for(settings, CENTRA.name, account)
    [chosen] = accounts_of(settings, CENTRA.name, store)
    centra: CentraSettings = chosen.settings
    account = chosen.id
    shipped = shipped_orders(
        open_engine(database_url), CENTRA.name, account, confirmed_from=start, confirmed_before=end
    )
    numbers = [int(o.order_id) for o in shipped if o.order_id.isdigit()]
    orders = asyncio.run(_read(centra, numbers))
    found = capture_differences(orders, datetime.now(UTC), timedelta(days=pending_days))
    totals: dict[str, list[Decimal]] = {}
    for order in orders:
        shipped_sum, captured_sum = totals.setdefault(order.currency, [Decimal(0), Decimal(0)])
        totals[order.currency] = [shipped_sum + order.shipped, captured_sum + order.captured]
    money = "; ".join(f"{c}: shipped {s}, captured {k}" for c, (s, k) in sorted(totals.items()))
    console.print(
        f"{len(orders)} Centra order(s) shipped in {period} ({money or 'none'}); "
        f"{len(found)} difference(s)"
    )
    if found:
        table = Table()
        for column in CSV_COLUMNS:
            table.add_column(column)
        for d in found:
            table.add_row(
                d.kind.value, d.order_id, d.currency, str(d.shipped), str(d.captured), d.detail
            )
        console.print(table)
    if output is not None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for d in found:
            writer.writerow([d.kind.value, d.order_id, d.currency, d.shipped, d.captured, d.detail])
        output.write_text(out.getvalue(), encoding="utf-8")
        console.print(f"wrote {output}")


async def _read(settings: CentraSettings, numbers: list[int]) -> list[OrderPayments]:
    from integrations.centra.factory import build_centra_channel
    from integrations.centra.payments import order_payments

    channel = build_centra_channel(settings)
    try:
        return await order_payments(channel.orders, numbers)
    finally:
        await channel.client.aclose()
