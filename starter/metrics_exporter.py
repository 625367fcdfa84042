"""consign's state as Prometheus gauges: orders by stage and channel, open exceptions by kind
and owner, orders at risk, intake and stock-sync health, set-aside and unmatched records.

Events (latencies, parks, pushes) are counted where they happen, in the workers
(workflows/order_metrics.py). States are read, not counted: this exporter reads them the way
`consign report daily` does (Temporal visibility, the intakes' and syncs' status queries, the
store) when Prometheus scrapes, at most once per `every` seconds however many scrape, so one
exporter per deployment serves them all (`consign metrics serve`; a `metrics` service in
docker-compose.temporal.yml). docs/operations.md (*Metrics*) lists every series.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import Engine
from temporalio.client import Client

from domain.exceptions import ExceptionKind
from domain.owners import Owner
from reporting.daily_report import DailyReport, gather_report

ROWS = 200  # exceptions and at-risk orders listed per scrape (counts are per kind, never cut)


def _timestamp(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


def registry_of(report: DailyReport) -> CollectorRegistry:
    """Every gauge, from one reading."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, doc, labels, registry=registry)

    orders = gauge("consign_orders", "Running order workflows by stage", ("channel", "stage"))
    for row in report.stages:
        orders.labels(row.channel, row.stage.value).set(row.count)
    by_kind = gauge(
        "consign_exceptions_open",
        "Orders and returns parked now, by kind, owner role and severity",
        ("kind", "owner", "severity"),
    )
    for counted in report.exception_kinds:  # counted per kind: never cut at ROWS
        owner = counted.owner
        by_kind.labels(counted.kind.value, owner.role.value, owner.severity.value).set(
            counted.count
        )
    gauge("consign_exceptions_open_all", "Orders and returns parked now, all kinds").set(
        report.exceptions_total
    )
    gauge("consign_orders_at_risk", "Open orders whose ship-by is within the window").set(
        report.at_risk_total
    )
    up = gauge("consign_intake_healthy", "1 when an intake runs, polls and is not paused", ("id",))
    paused = gauge("consign_intake_paused", "1 while an intake waits after a failure", ("id",))
    last_poll = gauge(
        "consign_intake_last_poll_timestamp_seconds", "When an intake last polled", ("id",)
    )
    for intake in report.intakes:
        up.labels(intake.workflow_id).set(1 if intake.healthy else 0)
        paused.labels(intake.workflow_id).set(1 if intake.paused else 0)
        last_poll.labels(intake.workflow_id).set(_timestamp(intake.last_poll_at))
    stock = {
        "drift": gauge("consign_stock_drift_skus", "SKUs the channel shows wrongly", ("id",)),
        "rejected": gauge("consign_stock_rejected_skus", "SKUs the channel refused", ("id",)),
        "stalled": gauge("consign_stock_stalled_skus", "SKUs pending too long", ("id",)),
    }
    last_push = gauge(
        "consign_stock_last_push_timestamp_seconds", "When a sync last pushed", ("id",)
    )
    for sync in report.stock:
        stock["drift"].labels(sync.workflow_id).set(len(sync.drift))
        stock["rejected"].labels(sync.workflow_id).set(len(sync.rejected))
        stock["stalled"].labels(sync.workflow_id).set(len(sync.stalled))
        last_push.labels(sync.workflow_id).set(_timestamp(sync.last_push_at))
    gauge("consign_set_aside_open", "Records set aside and not yet handled").set(
        report.set_aside_open
    )
    gauge("consign_unmatched_open", "Warehouse events matched to no order").set(
        report.unmatched_open
    )
    return registry


@dataclass
class StateReader:
    """Reads the state at most once per `every` seconds; scrapes in between get the last."""

    client: Client
    engine: Engine
    owners: dict[ExceptionKind, Owner]
    expected_intakes: dict[str, str]
    expected_syncs: list[str]
    every: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _body: bytes | None = field(default=None, repr=False)
    _read_at: float = field(default=0.0, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def body(self) -> bytes:
        async with self._lock:
            if self._body is None or self.clock() - self._read_at >= self.every:
                now = datetime.now(UTC)
                report = await gather_report(
                    self.client,
                    self.engine,
                    day=now.date(),
                    now=now,
                    at_risk_hours=24,
                    owners=self.owners,
                    expected_intakes=self.expected_intakes,
                    expected_syncs=self.expected_syncs,
                    limit=ROWS,
                )
                self._body, self._read_at = generate_latest(registry_of(report)), self.clock()
            return self._body


def build_app(reader: StateReader) -> FastAPI:
    app = FastAPI(title="consign metrics", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(await reader.body(), media_type=CONTENT_TYPE_LATEST)

    return app
