"""`consign report daily`: gathering against a real dev server (a namespace of its own with
stand-in orders, intakes and an InventorySync), rendering, and the CLI."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment
from typer.testing import CliRunner

from activities.monitor import MonitorActivities
from domain.exceptions import ExceptionKind
from domain.inventory import PushOutcome
from domain.lifecycle import OrderStage
from domain.monitor import DailyReportRequest
from domain.owners import DEFAULT_OWNERS, OwnerRole
from domain.setaside import SetAsideFeed, SetAsideReason, SetAsideRecord
from domain.sync_status import DriftLine, InventorySyncStatus
from integrations.registry import Channel
from reporting.daily_report import DailyReport, gather_report
from reporting.render import SECTIONS, render_html, render_markdown
from starter.cli import app
from starter.metrics_exporter import StateReader, build_app, registry_of
from store.migrate import open_store
from store.set_aside import keep_set_aside
from store.unmatched import record_unmatched_event
from tests.starter.conftest import OrderServer, make_status, start_fake_order
from tests.starter.report_world import CLOSING_QUEUE, OPEN_QUEUE, ReportWorld, report_world

ACCOUNT = "A1REPORT"
NOW = datetime.now(UTC)
PAUSED = "intake:centra:report-brand"
NEVER_STARTED = "intake:amazon:A1REPORT"
SYNC = "inventory:amazon:A1REPORT"


@dataclass
class Seeded:
    world: ReportWorld
    engine: Engine
    database_url: str


async def _seed(world: ReportWorld) -> None:
    client = world.client
    parked = make_status(
        ACCOUNT, "111-OLD", OrderStage.EXCEPTION, exception=ExceptionKind.UNMAPPED_SKU
    )
    assert parked.exception is not None
    old = parked.model_copy(
        update={
            "ship_by": NOW + timedelta(days=5),
            "exception": parked.exception.model_copy(update={"raised_at": NOW - timedelta(days=2)}),
        }
    )
    newer = make_status(
        "report-brand", "1042", OrderStage.EXCEPTION, Channel.CENTRA, ExceptionKind.CAPTURE_FAILED
    )
    assert newer.exception is not None
    newer = newer.model_copy(
        update={
            "ship_by": NOW + timedelta(days=5),
            "exception": newer.exception.model_copy(update={"raised_at": NOW - timedelta(hours=3)}),
        }
    )
    soon = make_status(ACCOUNT, "222-SOON").model_copy(update={"ship_by": NOW + timedelta(hours=2)})
    later = make_status(ACCOUNT, "333-LATER").model_copy(
        update={"ship_by": NOW + timedelta(hours=30)}
    )
    late = make_status(ACCOUNT, "444-LATE", OrderStage.LATE).model_copy(
        update={"ship_by": NOW - timedelta(hours=1)}
    )
    for status in (old, newer, soon, later, late):
        await start_fake_order(client, status, OPEN_QUEUE)
    shipped = make_status(ACCOUNT, "555-DONE", OrderStage.SHIPPED)
    handle = await start_fake_order(client, shipped, CLOSING_QUEUE)
    await handle.result()
    await client.start_workflow(
        "ChannelIntake",
        {
            "polls": 7,
            "last_error": "CHANNEL_AUTH_FAILED: the Centra API token is not valid",
            "last_error_kind": "CHANNEL_AUTH_FAILED",
            "last_success_at": (NOW - timedelta(minutes=40)).isoformat(),
            "set_aside": 1,
        },
        id=PAUSED,
        task_queue=OPEN_QUEUE,
    )
    await client.start_workflow(
        "InventorySync",
        InventorySyncStatus(
            channel=Channel.AMAZON,
            account=ACCOUNT,
            last_push_at=NOW - timedelta(minutes=5),
            stalled=["TEE-BLK-M"],
            rejected=[PushOutcome(sku="CAP-RED", quantity=3, accepted=False, submission="patch")],
            drift=[DriftLine(sku="TEE-BLK-M", expected=4, shown=9)],
        ),
        id=SYNC,
        task_queue=OPEN_QUEUE,
    )
    for _ in range(200):  # visibility is eventually consistent
        found = await client.count_workflows("ExecutionStatus = 'Running'")
        closed = await client.count_workflows("ExecutionStatus = 'Completed'")
        if found.count >= 7 and closed.count >= 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the seeded workflows never all showed in visibility")


def _seed_store(engine: Engine) -> None:
    record_unmatched_event(engine, "GXO-UK-DAV", "REF-1", {"event_id": "E-1"}, "NO_ORDER")
    record_unmatched_event(engine, "GXO-UK-DAV", "REF-2", {"event_id": "E-2"}, "NO_ORDER")
    keep_set_aside(
        engine,
        [
            SetAsideRecord(
                system="gxo",
                feed=SetAsideFeed.WAREHOUSE_EVENTS,
                scope="GXO-UK-DAV",
                record_id="E-9",
                reason=SetAsideReason.UNKNOWN_KIND,
                detail="kind",
                raw="{}",
            )
        ],
    )


@pytest.fixture(scope="module")
async def seeded(
    order_server: OrderServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Seeded]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'store.db'}"
    engine = open_store(url)
    _seed_store(engine)
    async with report_world(order_server) as world:
        await _seed(world)
        yield Seeded(world, engine, url)


@pytest.fixture(scope="module")
async def report(seeded: Seeded) -> DailyReport:
    return await gather_report(
        seeded.world.client,
        seeded.engine,
        day=NOW.date(),
        now=NOW,
        at_risk_hours=24,
        owners=DEFAULT_OWNERS,
        expected_intakes={NEVER_STARTED: "ChannelIntake"},
        expected_syncs=[SYNC],
    )


async def test_counts_open_orders_by_stage_and_channel(report: DailyReport) -> None:
    counts = {(c.stage, c.channel): c.count for c in report.stages}
    assert counts == {
        (OrderStage.EXCEPTION, "amazon"): 1,
        (OrderStage.EXCEPTION, "centra"): 1,
        (OrderStage.INJECTED, "amazon"): 2,
        (OrderStage.LATE, "amazon"): 1,
    }


async def test_exceptions_oldest_first_with_their_owner(report: DailyReport) -> None:
    assert report.exceptions_total == 2
    assert [row.order_id for row in report.exceptions] == ["111-OLD", "1042"]
    old, newer = report.exceptions
    assert old.kind is ExceptionKind.UNMAPPED_SKU and old.owner.role is OwnerRole.OPERATIONS
    assert newer.owner.role is OwnerRole.FINANCE
    assert old.raised_at is not None and abs(old.raised_at - (NOW - timedelta(days=2))) < timedelta(
        seconds=1
    )


async def test_at_risk_is_not_dispatched_with_ship_by_within_the_window(
    report: DailyReport,
) -> None:
    assert [row.order_id for row in report.at_risk] == ["444-LATE", "222-SOON"]
    assert report.at_risk_total == 2


async def test_intakes_show_pause_last_poll_and_missing_ones(report: DailyReport) -> None:
    rows = {row.workflow_id: row for row in report.intakes}
    assert set(rows) == {PAUSED, NEVER_STARTED}
    paused = rows[PAUSED]
    assert paused.paused and paused.polls == 7 and paused.last_error_kind == "CHANNEL_AUTH_FAILED"
    assert paused.last_poll_at is not None
    assert rows[NEVER_STARTED].state == "not running (never started)"


async def test_stock_drift_stalled_and_store_counts(report: DailyReport) -> None:
    (sync,) = report.stock
    assert sync.workflow_id == SYNC and sync.state == "running"
    assert sync.stalled == ["TEE-BLK-M"] and sync.rejected == ["CAP-RED"]
    assert [(d.sku, d.expected, d.shown) for d in sync.drift] == [("TEE-BLK-M", 4, 9)]
    assert report.unmatched_open == 2 and report.set_aside_open == 1


async def test_trends_count_closed_orders_and_raised_exceptions_per_day(
    report: DailyReport,
) -> None:
    assert len(report.closed_per_day) == 7 and report.closed_per_day[-1].day == NOW.date()
    assert [d.count for d in report.closed_per_day] == [0] * 6 + [1]
    raised = Counter([(NOW - timedelta(days=2)).date(), (NOW - timedelta(hours=3)).date()])
    assert {d.day: d.count for d in report.exceptions_per_day if d.count} == raised


async def test_markdown_has_every_section_and_the_rows(report: DailyReport) -> None:
    text = render_markdown(report)
    for _, title in SECTIONS:
        assert f"## {title}" in text
    assert "order:amazon:A1REPORT:111-OLD" in text and "UNMAPPED_SKU" in text
    assert "CHANNEL_AUTH_FAILED: the Centra API token is not valid" in text
    assert "| LATE | 1 | 0 | 1 |" in text and "| EXCEPTION | 1 | 1 | 2 |" in text


async def test_html_is_self_contained_with_inline_charts(report: DailyReport) -> None:
    page = render_html(report)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert not re.findall(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)
    assert page.count("<svg") == 2
    for key, _ in SECTIONS:
        assert f'<section id="{key}">' in page


async def test_cli_writes_both_files(seeded: Seeded, tmp_path: Path) -> None:
    args = [
        "report", "daily", "--out", str(tmp_path / "out"), "--date", "2026-03-05",
        "--at-risk-hours", "48", "--address", seeded.world.address,
        "--namespace", seeded.world.namespace, "--database-url", seeded.database_url,
    ]  # fmt: skip
    result = await asyncio.to_thread(CliRunner().invoke, app, args)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "daily-2026-03-05.md").read_text()
    assert "# consign daily check 2026-03-05" in markdown
    assert "ship-by within 48 h" in markdown
    assert (tmp_path / "out" / "daily-2026-03-05.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_refuses_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", "daily", "--date", "5 March", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--date" in result.output


def test_cli_with_temporal_unreachable_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = ["report", "daily", "--out", str(tmp_path), "--address", "127.0.0.1:1",
            "--database-url", url]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.output.strip() == "error: cannot reach Temporal at 127.0.0.1:1"
    assert not list(tmp_path.glob("daily-*"))


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium")
async def test_html_opens_in_chromium_with_sections_and_charts(
    report: DailyReport, tmp_path: Path
) -> None:
    """The page as a browser shows it: every section, both charts drawn (SVG bars), no console
    error, and nothing requested but the file itself."""
    playwright = pytest.importorskip("playwright.async_api")
    page_file = tmp_path / "daily.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    requests: list[str] = []
    errors: list[str] = []
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM))
        page = await browser.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        await page.goto(page_file.as_uri())
        for key, title in SECTIONS:
            heading = page.locator(f"section#{key} > h2")
            assert await heading.inner_text() == title
        charts = page.locator("section#trends figure.chart svg")
        assert await charts.count() == 2
        for index in range(2):
            chart = charts.nth(index)
            assert await chart.is_visible()
            box = await chart.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100
            assert await chart.locator("rect.rect").count() == 7  # one bar per day
        text = await page.inner_text("body")
        await browser.close()
    assert "order:amazon:A1REPORT:111-OLD" in text
    assert errors == []
    assert requests == [page_file.as_uri()]


# --- the same reading as Prometheus gauges (starter/metrics_exporter.py) ---------------------


def gauges(report: DailyReport) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(registry_of(report)).decode()
    return {
        (family.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_the_metrics_show_the_reports_figures(report: DailyReport) -> None:
    found = gauges(report)

    def value(name: str, **labels: str) -> float:
        return found[(name, frozenset(labels.items()))]

    assert value("consign_orders", channel="amazon", stage="INJECTED") == 2
    assert value("consign_orders", channel="centra", stage="EXCEPTION") == 1
    old = report.exceptions[0]
    assert (
        value(
            "consign_exceptions_open",
            kind="UNMAPPED_SKU",
            owner="operations",
            severity=old.owner.severity.value,
        )
        == 1
    )
    assert value("consign_exceptions_open_all") == 2
    assert value("consign_orders_at_risk") == 2
    assert value("consign_intake_paused", id=PAUSED) == 1
    assert value("consign_intake_healthy", id=PAUSED) == 0
    assert value("consign_intake_healthy", id=NEVER_STARTED) == 0
    assert value("consign_stock_drift_skus", id=SYNC) == 1
    assert value("consign_stock_rejected_skus", id=SYNC) == 1
    assert value("consign_stock_stalled_skus", id=SYNC) == 1
    assert value("consign_unmatched_open") == 2 and value("consign_set_aside_open") == 1


async def test_the_exporter_reads_at_most_once_per_interval(seeded: Seeded) -> None:
    now = [0.0]
    reader = StateReader(
        seeded.world.client,
        seeded.engine,
        DEFAULT_OWNERS,
        {NEVER_STARTED: "ChannelIntake"},
        [SYNC],
        every=30,
        clock=lambda: now[0],
    )
    app = build_app(reader)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://metrics") as http:
        first = await http.get("/metrics")
        record_unmatched_event(
            seeded.engine, "GXO-UK-DAV", "REF-3", {"event_id": "E-3"}, "NO_ORDER"
        )
        cached = await http.get("/metrics")
        now[0] = 31
        fresh = await http.get("/metrics")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/plain")
    assert "consign_unmatched_open 2.0" in first.text and cached.text == first.text
    assert "consign_unmatched_open 3.0" in fresh.text


async def test_the_monitor_writes_the_same_report_each_morning(
    seeded: Seeded, tmp_path: Path
) -> None:
    monitor = MonitorActivities(
        seeded.world.client,
        seeded.engine,
        DEFAULT_OWNERS,
        {NEVER_STARTED: "ChannelIntake"},
        [SYNC],
        alert_urls=[],
        reports_dir=tmp_path,
    )
    written = await ActivityEnvironment().run(
        monitor.write_daily_report, DailyReportRequest(day=NOW.date())
    )
    assert (written.exceptions, written.at_risk) == (2, 2)
    markdown = Path(written.markdown)
    assert markdown.parent == tmp_path and markdown.name == f"daily-{NOW.date().isoformat()}.md"
    assert "111-OLD" in read(markdown) and read(Path(written.html)).startswith("<")


def read(path: Path) -> str:
    return path.read_text()
