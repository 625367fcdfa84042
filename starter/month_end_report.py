"""The month-end report's files: a CSV per settlement line, a CSV of the differences, and one
self-contained HTML page (inline CSS and an inline SVG chart drawn by pygal; no JavaScript, no
network) that finance can open or mail as it is."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from decimal import Decimal

import pygal
from pygal.style import Style

from domain.month_end import COLUMNS, MonthEndLine, where_the_money_went
from domain.settlement_differences import SettlementDifference
from reporting.inline_svg import static_svg

LABELS = {
    "opening_reserve": "Reserve released (opening)",
    "sales": "Sales (price, shipping, tax)",
    "promotions": "Promotions",
    "commission": "Commission",
    "other_fees": "Other fees",
    "service_fees": "Service fees",
    "subscription": "Subscription",
    "refunds": "Refunds",
    "advertising": "Advertising",
    "adjustments": "Adjustments",
    "reserve_held": "Reserve held (closing)",
}
LINE_HEADER = [
    "settlement_id",
    "currency",
    "deposit_date",
    "period_end",
    "orders",
    *COLUMNS,
    "closing_reserve",
    "deposit",
    "differences",
]
DIFFERENCE_HEADER = ["settlement_id", "kind", "order_id", "sku", "expected", "settled", "detail"]


def _date(value: object) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else ""


def lines_csv(lines: Sequence[MonthEndLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINE_HEADER)
    for line in lines:
        writer.writerow(
            [
                line.settlement_id,
                line.currency,
                _date(line.deposit_date),
                _date(line.period_end),
                line.orders,
                *(line.amounts[column] for column in COLUMNS),
                line.closing_reserve,
                line.deposit,
                line.differences,
            ]
        )
    return out.getvalue()


def differences_csv(found: Sequence[tuple[str, SettlementDifference]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DIFFERENCE_HEADER)
    for settlement_id, d in found:
        writer.writerow(
            [
                settlement_id,
                d.kind.value,
                d.order_id or "",
                d.sku or "",
                _text(d.expected),
                _text(d.settled),
                d.detail,
            ]
        )
    return out.getvalue()


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def chart_svg(currency: str, totals: dict[str, Decimal]) -> str:
    """Where the money went, one bar per column (credits up, debits down), as inline SVG."""
    chart = pygal.Bar(
        js=[],  # no JavaScript: the page stays self-contained and static
        disable_xml_declaration=True,
        show_legend=False,
        width=900,
        height=420,
        x_label_rotation=30,
        style=Style(background="white", plot_background="white", colors=("#3b6ea5",)),
        title=f"Where the money went ({currency})",
    )
    chart.x_labels = [LABELS[column] for column in totals]
    chart.add(currency, [float(amount) for amount in totals.values()])
    return static_svg(chart)


def month_end_html(
    period: str,
    lines: Sequence[MonthEndLine],
    found: Sequence[tuple[str, SettlementDifference]],
) -> str:
    charts = "".join(
        f"<figure>{chart_svg(currency, totals)}</figure>"
        for currency, totals in where_the_money_went(lines).items()
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(value))}</td>"
            for value in (
                line.settlement_id,
                _date(line.deposit_date),
                line.currency,
                line.opening_reserve,
                *(line.amounts[c] for c in COLUMNS if c not in ("opening_reserve", "reserve_held")),
                line.closing_reserve,
                line.deposit,
            )
        )
        + "</tr>"
        for line in lines
    )
    heads = ["Settlement", "Deposited", "Currency", LABELS["opening_reserve"]]
    heads += [LABELS[c] for c in COLUMNS if c not in ("opening_reserve", "reserve_held")]
    heads += ["Reserve held (closing)", "Deposit"]
    diff_rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(v)}</td>"
            for v in (sid, d.kind.value, d.order_id or "", d.sku or "", d.detail)
        )
        + "</tr>"
        for sid, d in found
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Amazon settlements, month-end {html.escape(period)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }}
th {{ background: #f0f0f0; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1em 0; }}
</style></head><body>
<h1>Amazon settlements, month-end {html.escape(period)}</h1>
<p>{len(lines)} settlement(s) deposited in the period. Each row: the reserve released from the
settlement before, plus sales, promotions, fees, refunds, advertising and adjustments, minus the
reserve held for the next one, is the deposit, to the cent.</p>
{charts}
<table><thead><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in heads)}</tr></thead>
<tbody>{rows}</tbody></table>
<h2>Differences ({len(found)})</h2>
<table><thead><tr><th>Settlement</th><th>Kind</th><th>Order</th><th>SKU</th><th>Detail</th></tr>
</thead><tbody>{diff_rows}</tbody></table>
</body></html>
"""
