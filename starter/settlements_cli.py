"""`consign settlements list|show|export|month-end`: Amazon's payouts explained from the store.

Each stored settlement is broken down per order and per account line, to the cent; `show`
prints where its money went and its differences from what consign shipped, `export --csv`
its rows with the kind each was attributed to, and `month-end --period YYYY-MM` writes the
month's report as CSV and as one self-contained HTML page with a chart."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from starter.client import CliError, expected_errors
from starter.mappings_cli import DatabaseOption
from starter.mappings_cli import _engine as open_engine

console = Console()
settlements_app = typer.Typer(
    help="Amazon settlements (payouts) attributed to orders, and the month-end report.",
    no_args_is_help=True,
)
EXPORT_COLUMNS = [
    "line",
    "kind",
    "transaction_type",
    "amount_type",
    "amount_description",
    "amount",
    "order_id",
    "sku",
    "quantity",
    "fulfillment_id",
    "posted_at",
    "order_item_code",
    "adjustment_id",
    "promotion_id",
]


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value is not None else "-"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """`2026-07` -> [2026-07-01, 2026-08-01) in UTC."""
    try:
        start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise CliError(f"--period must be YYYY-MM, not {period!r}") from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


@settlements_app.command("list")
@expected_errors
def list_command(
    account: Annotated[str | None, typer.Option(help="Only this seller account.")] = None,
    period: Annotated[
        str | None, typer.Option(help="Only those deposited in this month (YYYY-MM).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List stored settlements, newest first."""
    from store.settlements import list_settlements

    start, end = period_bounds(period) if period else (None, None)
    found = list_settlements(
        open_engine(database_url), account=account, deposited_from=start, deposited_before=end
    )
    if not found:
        console.print("no settlements stored")
        return
    table = Table()
    for column in ("settlement", "account", "period", "deposited", "deposit", "rows"):
        table.add_column(column)
    for s in found:
        table.add_row(
            s.settlement_id,
            s.account,
            f"{_day(s.period_start)} .. {_day(s.period_end)}",
            _day(s.deposit_date),
            f"{s.total} {s.currency}",
            str(s.row_count),
        )
    console.print(table)


@settlements_app.command("show")
@expected_errors
def show_command(settlement_id: str, database_url: DatabaseOption = None) -> None:
    """Where each cent of one settlement went, per order and account line, and its
    differences from what consign shipped."""
    from domain.settlement_attribution import ACCOUNT_KINDS, ORDER_KINDS, attribute
    from store.settlements import load_differences, load_settlement

    engine = open_engine(database_url)
    settlement = load_settlement(engine, settlement_id)
    if settlement is None:
        raise CliError(f"no settlement {settlement_id} stored")
    attribution = attribute(settlement)
    console.print(
        f"settlement {settlement.settlement_id}: {_day(settlement.start)} .. "
        f"{_day(settlement.end)}, deposited {_day(settlement.deposit_date)}: "
        f"[bold]{settlement.total} {settlement.currency}[/bold], "
        f"attributed {attribution.attributed}"
    )
    totals = attribution.by_kind()
    summary = Table(title="where the money went")
    summary.add_column("kind")
    summary.add_column("amount", justify="right")
    for kind in (*ORDER_KINDS, *ACCOUNT_KINDS):
        if totals[kind]:
            summary.add_row(kind.value, str(totals[kind]))
    summary.add_row("[bold]deposit[/bold]", f"[bold]{attribution.deposit}[/bold]")
    console.print(summary)
    orders = Table(title=f"{len(attribution.orders)} order(s)")
    for column in ("order", "fulfilment", "charged", *(k.value for k in ORDER_KINDS), "net"):
        orders.add_column(column, justify="right" if column != "order" else "left")
    for order in attribution.orders:
        orders.add_row(
            order.order_id,
            order.fulfillment_id or "-",
            str(order.charged),
            *(str(order.amounts.get(kind, "")) for kind in ORDER_KINDS),
            str(order.total),
        )
    console.print(orders)
    account = Table(title="account lines")
    for column in ("line", "kind", "description", "amount"):
        account.add_column(column)
    for line in attribution.account_lines:
        account.add_row(str(line.line), line.kind.value, line.description, str(line.amount))
    console.print(account)
    found = load_differences(engine, settlement_id)
    if not found:
        console.print("no differences recorded (reconciled: none; or not reconciled yet)")
        return
    differences = Table(title=f"{len(found)} difference(s)")
    for column in ("kind", "order", "sku", "detail"):
        differences.add_column(column)
    for d in found:
        differences.add_row(d.kind.value, d.order_id or "-", d.sku or "-", d.detail)
    console.print(differences)


@settlements_app.command("export")
@expected_errors
def export_command(
    settlement_id: str,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV (the only format so far).")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Every row of one settlement with the kind it was attributed to."""
    from domain.settlement_attribution import classify
    from store.settlements import load_settlement

    if not as_csv:
        raise CliError("say --csv: it is the only export format")
    settlement = load_settlement(open_engine(database_url), settlement_id)
    if settlement is None:
        raise CliError(f"no settlement {settlement_id} stored")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["settlement_id", *EXPORT_COLUMNS, "extra"])
    for row in settlement.rows:
        values = row.model_dump(mode="json")
        values["kind"] = classify(row)[0].value
        writer.writerow(
            [
                settlement.settlement_id,
                *("" if values.get(c) is None else values[c] for c in EXPORT_COLUMNS),
                json.dumps(row.extra, sort_keys=True) if row.extra else "",
            ]
        )
    if output is None:
        typer.echo(out.getvalue(), nl=False)
    else:
        output.write_text(out.getvalue(), encoding="utf-8")
        console.print(f"wrote {len(settlement.rows)} rows to {output}")


@settlements_app.command("month-end")
@expected_errors
def month_end_command(
    period: Annotated[str, typer.Option(help="The month, YYYY-MM (by deposit date).")],
    output_dir: Annotated[
        Path, typer.Option("--output-dir", help="Where the CSV and HTML files go.")
    ] = Path("."),
    account: Annotated[str | None, typer.Option(help="Only this seller account.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """The month's settlements: opening reserve, sales, fees by kind, refunds, advertising,
    closing reserve and deposit, and the differences with their orders, as CSV and HTML."""
    from domain.month_end import month_end_line
    from domain.settlement_attribution import attribute
    from starter.month_end_report import differences_csv, lines_csv, month_end_html
    from store.settlements import list_settlements, load_differences, load_settlement

    start, end = period_bounds(period)
    engine = open_engine(database_url)
    stored = list_settlements(engine, account=account, deposited_from=start, deposited_before=end)
    lines = []
    found = []
    for summary in sorted(stored, key=lambda s: (s.period_end or start, s.settlement_id)):
        settlement = load_settlement(engine, summary.settlement_id)
        assert settlement is not None
        differences = load_differences(engine, summary.settlement_id)
        lines.append(month_end_line(attribute(settlement), len(differences)))
        found += [(summary.settlement_id, d) for d in differences]
    output_dir.mkdir(parents=True, exist_ok=True)
    files = {
        f"settlements-{period}.csv": lines_csv(lines),
        f"settlements-{period}-differences.csv": differences_csv(found),
        f"settlements-{period}.html": month_end_html(period, lines, found),
    }
    for name, content in files.items():
        (output_dir / name).write_text(content, encoding="utf-8")
    total = sum((line.deposit for line in lines), Decimal(0))
    console.print(
        f"{len(lines)} settlement(s) deposited in {period} (deposits {total}), "
        f"{len(found)} difference(s); wrote {', '.join(str(output_dir / n) for n in files)}"
    )
