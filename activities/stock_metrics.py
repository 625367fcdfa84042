"""Stock push counters, through Temporal's metric meter (the worker's Prometheus endpoint):
how many SKU figures each channel accepted and refused. Listed in docs/operations.md
(*Metrics*)."""

from __future__ import annotations

from temporalio import activity

SKUS_ACCEPTED = "consign_stock_skus_accepted"
SKUS_REJECTED = "consign_stock_skus_rejected"


def count_answers(channel: str, accepted: int, rejected: int) -> None:
    meter = activity.metric_meter()
    labels = {"channel": channel}
    meter.create_counter(SKUS_ACCEPTED, "SKU figures a channel accepted").add(accepted, labels)
    meter.create_counter(SKUS_REJECTED, "SKU figures a channel refused").add(rejected, labels)
