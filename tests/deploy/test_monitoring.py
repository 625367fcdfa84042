"""The monitoring files (deploy/monitoring, docker-compose.temporal.yml), checked by parsing (no
Docker engine here): every alert rule and dashboard query names only series consign exports,
and compose mounts the files where Prometheus and Grafana read them."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from activities import stock_metrics
from reporting.daily_report import DailyReport
from starter.metrics_exporter import registry_of
from workflows import order_metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
PROMQL_WORDS = {"sum", "max", "by", "rate", "increase", "histogram_quantile", "time", "and"}


def exported() -> set[str]:
    """Every series name Prometheus can find: the exporter's gauges, the workers' event metrics
    (histograms' _bucket/_count/_sum, counters' _total) and Prometheus's own `up`."""
    empty = DailyReport(
        day=date(2026, 11, 29),
        generated_at=datetime(2026, 11, 29, tzinfo=UTC),
        at_risk_hours=24,
        limit=1,
        stages=[],
        exceptions=[],
        exceptions_total=0,
        at_risk=[],
        at_risk_total=0,
        stock=[],
        intakes=[],
        set_aside_open=0,
        unmatched_open=0,
        closed_per_day=[],
        exceptions_per_day=[],
    )
    from prometheus_client import generate_latest

    text = generate_latest(registry_of(empty)).decode()
    names = {family.name for family in text_string_to_metric_families(text)}
    for histogram in (order_metrics.ELIGIBLE_TO_INJECTED, order_metrics.DISPATCH_TO_CONFIRMED):
        names |= {f"{histogram}_{suffix}" for suffix in ("bucket", "count", "sum")}
    counters = (
        order_metrics.ORDERS_PARKED,
        stock_metrics.SKUS_ACCEPTED,
        stock_metrics.SKUS_REJECTED,
    )
    names |= {f"{counter}_total" for counter in counters}
    return names | {"up"}


def series_in(expr: str) -> set[str]:
    """Names a PromQL expression selects: words outside label matchers, quotes and ranges that
    are not functions or keywords."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", "", expr)
    words = set(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", bare))
    by_labels = set(re.findall(r"by \(([^)]*)\)", bare))
    labels = {label.strip() for group in by_labels for label in group.split(",")}
    return words - PROMQL_WORDS - labels


@pytest.fixture(scope="module")
def known() -> set[str]:
    return exported()


def test_every_alert_rule_selects_exported_series(known: set[str]) -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 10
    for rule in alerts:
        assert series_in(rule["expr"]) <= known, rule["alert"]
        assert rule["labels"]["severity"] in {"high", "medium", "low"}
        assert rule["annotations"]["summary"]


def test_every_dashboard_panel_queries_exported_series(known: set[str]) -> None:
    dashboard = json.loads((MONITORING / "grafana" / "dashboards" / "consign.json").read_text())
    targets = [t for panel in dashboard["panels"] for t in panel["targets"]]
    assert targets
    for target in targets:
        assert series_in(target["expr"]) <= known, target["expr"]
    assert {m for t in targets for m in series_in(t["expr"])} >= {
        "consign_orders",
        "consign_exceptions_open",
        "consign_order_eligible_to_injected_bucket",
        "consign_dispatch_to_confirmed_bucket",
        "consign_intake_last_poll_timestamp_seconds",
        "consign_stock_drift_skus",
    }


def service(name: str) -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.temporal.yml").read_text())
    found: dict[str, Any] = compose["services"][name]
    return found


def test_compose_runs_prometheus_and_grafana_with_these_files() -> None:
    prometheus = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    mounts = dict(
        volume.rsplit(":", 1)[0].split(":", 1) for volume in service("prometheus")["volumes"]
    )
    assert mounts["./deploy/monitoring/prometheus.yml"] == "/etc/prometheus/prometheus.yml"
    assert mounts["./deploy/monitoring/alerts.yml"] in prometheus["rule_files"]
    grafana = dict(
        volume.rsplit(":", 1)[0].split(":", 1) for volume in service("grafana")["volumes"]
    )
    for source in grafana:
        assert (ROOT / source).is_dir(), source
    provider = yaml.safe_load(
        (MONITORING / "grafana" / "provisioning" / "dashboards" / "consign.yml").read_text()
    )
    assert provider["providers"][0]["options"]["path"] in grafana.values()


def test_prometheus_scrapes_the_ports_the_services_serve() -> None:
    prometheus = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    worker_port = service("worker")["environment"]["CONSIGN_METRICS_ADDRESS"].rsplit(":", 1)[1]
    assert jobs["consign-worker"]["dns_sd_configs"][0]["port"] == int(worker_port)
    command = service("metrics")["command"]
    state_port = command[command.index("--port") + 1]
    assert jobs["consign-state"]["static_configs"][0]["targets"] == [f"metrics:{state_port}"]
