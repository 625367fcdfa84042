"""Task queues. Each rate-limited external operation has its own queue, whose server-side
activity rate limit (`max_task_queue_activities_per_second`) holds across every worker. Amazon
meters each operation; Centra meters requests and mutations per instance, so its activities
share three queues (integrations/centra/quota.py)."""

from __future__ import annotations

from domain.order import Channel
from integrations.centra.quota import CentraQueue

MAIN = "consign"
AMAZON_SEARCH_ORDERS = "amazon-searchOrders"
AMAZON_GET_ORDER = "amazon-getOrder"
AMAZON_CONFIRM_SHIPMENT = "amazon-confirmShipment"


def fetch_queue(channel: Channel, main: str) -> str:
    return {Channel.AMAZON: AMAZON_GET_ORDER, Channel.CENTRA: CentraQueue.READS}.get(channel, main)


def confirm_queue(channel: Channel, main: str) -> str:
    return {Channel.AMAZON: AMAZON_CONFIRM_SHIPMENT, Channel.CENTRA: CentraQueue.SHIPMENTS}.get(
        channel, main
    )


def poll_queue(channel: Channel, main: str) -> str:
    return {Channel.AMAZON: AMAZON_SEARCH_ORDERS, Channel.CENTRA: CentraQueue.READS}.get(
        channel, main
    )


def centra_write_queue(channel: Channel, main: str) -> str:
    """Acknowledging changes, pushing stock, capturing again: one Centra mutation each."""
    return CentraQueue.WRITES if channel is Channel.CENTRA else main


def capture_queue(channel: Channel, main: str, again: bool) -> str:
    """Checking a capture only reads; capturing again (an operator's retry) writes."""
    return centra_write_queue(channel, main) if again else stock_read_queue(channel, main)


def stock_read_queue(channel: Channel, main: str) -> str:
    return CentraQueue.READS if channel is Channel.CENTRA else main
