"""The daily report as Markdown (for a ticket, a chat or the terminal) and as one self-contained
HTML page (inline CSS and inline SVG charts drawn by pygal; no JavaScript, nothing fetched).
Both show the same sections, in the order of docs/operations.md's daily checks."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pygal
from pygal.style import Style

from domain.lifecycle import OrderStage
from reporting.daily_report import DailyReport, DayCount
from reporting.errors import ReportError
from reporting.inline_svg import static_svg

# (section id, title): the HTML page's <section id=...> and both formats' headings
SECTIONS = (
    ("summary", "Summary"),
    ("stages", "Open orders by stage and channel"),
    ("exceptions", "Exceptions by kind and owner"),
    ("at-risk", "Orders at risk"),
    ("stock", "Stock sync"),
    ("intakes", "Intakes"),
    ("store", "Set aside and unmatched"),
    ("trends", "Last 7 days"),
)
Table = tuple[list[str], list[list[str]]]  # header, rows


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _age(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    seconds = max(0, int((now - value).total_seconds()))
    days, rest = divmod(seconds, 86400)
    return f"{days}d {rest // 3600}h" if days else f"{rest // 3600}h {rest % 3600 // 60}m"


def _cut(shown: int, total: int, what: str) -> str:
    return f"{total} {what}" + (f" (the {shown} oldest shown)" if total > shown else "")


def summary(report: DailyReport) -> Table:
    need_look = sum(not row.healthy for row in report.intakes)
    stock_issues = sum(
        bool(row.stalled or row.rejected or row.last_error or row.state != "running")
        for row in report.stock
    )
    rows = [
        ["open orders", str(sum(c.count for c in report.stages))],
        ["orders with an exception", str(report.exceptions_total)],
        [f"orders at risk (ship-by within {report.at_risk_hours:g} h)", str(report.at_risk_total)],
        ["intakes needing a look", str(need_look)],
        ["stock syncs needing a look", str(stock_issues)],
        ["records set aside (open)", str(report.set_aside_open)],
        ["unmatched warehouse events (open)", str(report.unmatched_open)],
    ]
    return ["check", "count"], rows


def stages(report: DailyReport) -> Table:
    channels = sorted({c.channel for c in report.stages})
    counts = {(c.stage, c.channel): c.count for c in report.stages}
    rows = []
    for stage in OrderStage:
        if any((stage, ch) in counts for ch in channels):
            cells = [str(counts.get((stage, ch), 0)) for ch in channels]
            rows.append(
                [stage.value, *cells, str(sum(counts.get((stage, ch), 0) for ch in channels))]
            )
    return ["stage", *channels, "total"], rows


def exception_kinds(report: DailyReport) -> Table:
    """One row per kind: owner, severity, how many (counted per kind, not from the orders
    listed), since when the oldest; most urgent first."""
    rows = [
        [
            k.kind.value,
            k.owner.role.value,
            k.owner.severity.value,
            str(k.count),
            _time(k.oldest.since if k.oldest else None),
            k.owner.first_step,
        ]
        for k in report.exception_kinds
    ]
    return ["kind", "owner", "severity", "orders", "oldest since", "what they do first"], rows


def exception_orders(report: DailyReport) -> Table:
    rows = [
        [
            row.workflow_id,
            row.stage,
            row.kind.value,
            row.owner.role.value,
            _time(row.since) + ("" if row.raised_at else " (started)"),
            _age(row.since, report.generated_at),
        ]
        for row in report.exceptions
    ]
    return ["order", "stage", "kind", "owner", "since", "age"], rows


def at_risk(report: DailyReport) -> Table:
    rows = [
        [
            row.workflow_id,
            row.stage,
            _time(row.ship_by),
            "LATE"
            if row.ship_by <= report.generated_at
            else _age(report.generated_at, row.ship_by),
            row.exception_kind or "-",
        ]
        for row in report.at_risk
    ]
    return ["order", "stage", "ship-by", "time left", "exception"], rows


def stock(report: DailyReport) -> Table:
    rows = [
        [
            row.workflow_id,
            row.state,
            _time(row.last_push_at),
            _time(row.last_reconcile_at),
            ", ".join(row.stalled) or "-",
            ", ".join(row.rejected) or "-",
            ", ".join(
                f"{d.sku} {d.expected}/{'-' if d.shown is None else d.shown}" for d in row.drift
            )
            or "-",
            str(row.ledger_drift),
            row.last_error or "-",
        ]
        for row in report.stock
    ]
    header = [
        "sync",
        "state",
        "last push",
        "last reconcile",
        "stalled SKUs",
        "rejected SKUs",
        "drift (expected/shown)",
        "ledger drift",
        "last error",
    ]
    return header, rows


def intakes(report: DailyReport) -> Table:
    rows = [
        [
            row.workflow_id,
            row.state + (" (paused)" if row.paused else ""),
            "-" if row.polls is None else str(row.polls),
            _time(row.last_poll_at),
            f"{row.last_error_kind}: {row.last_error}" if row.last_error else "-",
            row.retrying or "-",
            "-" if row.set_aside is None else str(row.set_aside),
        ]
        for row in report.intakes
    ]
    return ["intake", "state", "polls", "last poll", "last error", "retrying", "set aside"], rows


def store_counts(report: DailyReport) -> Table:
    rows = [
        ["records set aside (open)", str(report.set_aside_open), "consign set-aside list"],
        ["unmatched warehouse events (open)", str(report.unmatched_open), "consign unmatched list"],
    ]
    return ["what", "open", "look with"], rows


def trends(report: DailyReport) -> Table:
    exceptions = {d.day: d.count for d in report.exceptions_per_day}
    rows = [
        [d.day.isoformat(), str(d.count), str(exceptions.get(d.day, 0))]
        for d in report.closed_per_day
    ]
    return ["day (UTC)", "orders closed", "exceptions raised (still open)"], rows


TREND_NOTE = (
    "Orders closed: order workflows completed (shipped, cancelled, AFN) that day, by CloseTime. "
    "Exceptions raised: orders whose current exception was raised that day (from the order's "
    "status) and is still open; ones cleared since are not counted."
)


# -- Markdown ---------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(table: Table, empty: str) -> str:
    header, rows = table
    if not rows:
        return f"_{empty}_\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_markdown(report: DailyReport) -> str:
    titles = dict(SECTIONS)
    parts = [
        f"# consign daily check {report.day.isoformat()}\n",
        f"Generated {_time(report.generated_at)}.\n",
        f"## {titles['summary']}\n",
        md_table(summary(report), "nothing"),
        f"## {titles['stages']}\n",
        md_table(stages(report), "no open orders"),
        f"## {titles['exceptions']}\n",
        _cut(len(report.exceptions), report.exceptions_total, "order(s) with an exception") + ".\n",
        md_table(exception_kinds(report), "no exceptions"),
        md_table(exception_orders(report), "no exceptions") if report.exceptions else "",
        f"## {titles['at-risk']}\n",
        _cut(len(report.at_risk), report.at_risk_total, "order(s) not dispatched")
        + f" with ship-by within {report.at_risk_hours:g} h or passed.\n",
        md_table(at_risk(report), "no orders at risk"),
        f"## {titles['stock']}\n",
        md_table(stock(report), "no stock sync configured or running"),
        f"## {titles['intakes']}\n",
        md_table(intakes(report), "no intakes configured or running"),
        f"## {titles['store']}\n",
        md_table(store_counts(report), "nothing"),
        f"## {titles['trends']}\n",
        md_table(trends(report), "no data"),
        TREND_NOTE + "\n",
    ]
    return "\n".join(part for part in parts if part)


# -- HTML -------------------------------------------------------------------------------------


def html_table(table: Table, empty: str, css: str = "") -> str:
    header, rows = table
    if not rows:
        return f'<p class="empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def trend_svg(title: str, days: Sequence[DayCount], colour: str) -> str:
    """A small bar chart of one count per day, as static inline SVG."""
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        width=420,
        height=220,
        style=Style(background="white", plot_background="white", colors=(colour,)),
        title=title,
        print_values=True,
        explicit_size=True,  # width and height attributes: an inline-block figure has no width
    )
    chart.x_labels = [d.day.strftime("%d %b") for d in days]
    chart.add(title, [d.count for d in days])
    return static_svg(chart)


def render_html(report: DailyReport) -> str:
    titles = dict(SECTIONS)

    def section(key: str, body: str) -> str:
        return f'<section id="{key}"><h2>{html.escape(titles[key])}</h2>{body}</section>'

    exceptions_intro = html.escape(
        _cut(len(report.exceptions), report.exceptions_total, "order(s) with an exception") + "."
    )
    at_risk_intro = html.escape(
        _cut(len(report.at_risk), report.at_risk_total, "order(s) not dispatched")
        + f" with ship-by within {report.at_risk_hours:g} h or passed."
    )
    charts = "".join(
        f'<figure class="chart">{trend_svg(title, days, colour)}</figure>'
        for title, days, colour in (
            ("Orders closed per day", report.closed_per_day, "#3b6ea5"),
            ("Exceptions raised per day (still open)", report.exceptions_per_day, "#b5442c"),
        )
    )
    body = "".join(
        [
            section("summary", html_table(summary(report), "nothing")),
            section("stages", html_table(stages(report), "No open orders.")),
            section(
                "exceptions",
                f"<p>{exceptions_intro}</p>"
                + html_table(exception_kinds(report), "No exceptions.")
                + (html_table(exception_orders(report), "", "orders") if report.exceptions else ""),
            ),
            section("at-risk", f"<p>{at_risk_intro}</p>" + html_table(at_risk(report), "None.")),
            section("stock", html_table(stock(report), "No stock sync configured or running.")),
            section("intakes", html_table(intakes(report), "No intakes configured or running.")),
            section("store", html_table(store_counts(report), "nothing")),
            section(
                "trends",
                charts + html_table(trends(report), "") + f"<p>{html.escape(TREND_NOTE)}</p>",
            ),
        ]
    )
    day = html.escape(report.day.isoformat())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>consign daily check {day}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }}
figure.chart {{ display: inline-block; margin: 0.5em 1em 0.5em 0; }}
.empty {{ color: #666; font-style: italic; }}
</style></head><body>
<h1>consign daily check {day}</h1>
<p>Generated {html.escape(_time(report.generated_at))}.</p>
{body}
</body></html>
"""


def write_report(report: DailyReport, out: Path) -> tuple[Path, Path]:
    """`daily-<date>.md` and `daily-<date>.html` in `out` (created if missing)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        markdown = out / f"daily-{report.day.isoformat()}.md"
        page = out / f"daily-{report.day.isoformat()}.html"
        markdown.write_text(render_markdown(report), encoding="utf-8")
        page.write_text(render_html(report), encoding="utf-8")
    except OSError as err:
        raise ReportError(f"cannot write the report to {out}: {err.strerror or err}") from err
    return markdown, page
