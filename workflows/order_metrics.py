"""The business metrics an order's lifecycle emits, through Temporal's metric meter: they reach
the worker's Prometheus endpoint (CONSIGN_METRICS_ADDRESS) beside the SDK's own, and the meter
records nothing while a workflow replays, so a history replayed after a restart counts once.
Names and meanings are listed in docs/operations.md (*Metrics*)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

ELIGIBLE_TO_INJECTED = "consign_order_eligible_to_injected"
DISPATCH_TO_CONFIRMED = "consign_dispatch_to_confirmed"
ORDERS_PARKED = "consign_orders_parked"
# Seconds: the histograms' buckets (worker.py), from a demo's sub-second to a day's backlog.
LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 86400)


def eligible_to_injected(channel: str, took: timedelta) -> None:
    """From the moment the order could go to the warehouse (payment cleared, no hold) to GXO
    accepting it."""
    workflow.metric_meter().create_histogram_timedelta(
        ELIGIBLE_TO_INJECTED, "Time from eligible to injected at GXO", "s"
    ).record(max(took, timedelta(0)), {"channel": channel})


def dispatch_to_confirmed(channel: str, took: timedelta) -> None:
    """From GXO's dispatch of a parcel to the channel accepting its confirmation."""
    workflow.metric_meter().create_histogram_timedelta(
        DISPATCH_TO_CONFIRMED, "Time from GXO dispatch to the channel's confirmation", "s"
    ).record(max(took, timedelta(0)), {"channel": channel})


def order_parked(channel: str, kind: str) -> None:
    workflow.metric_meter().create_counter(
        ORDERS_PARKED, "Orders parked for a person, by exception kind"
    ).add(1, {"channel": channel, "kind": kind})
