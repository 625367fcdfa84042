"""Task queues. Each rate-limited external operation has its own queue, whose server-side
activity rate limit (`max_task_queue_activities_per_second`) holds across every worker."""

from __future__ import annotations

from domain.order import Channel

MAIN = "consign"
AMAZON_SEARCH_ORDERS = "amazon-searchOrders"
AMAZON_GET_ORDER = "amazon-getOrder"
AMAZON_CONFIRM_SHIPMENT = "amazon-confirmShipment"


def fetch_queue(channel: Channel, main: str) -> str:
    return AMAZON_GET_ORDER if channel is Channel.AMAZON else main


def confirm_queue(channel: Channel, main: str) -> str:
    return AMAZON_CONFIRM_SHIPMENT if channel is Channel.AMAZON else main


def poll_queue(channel: Channel, main: str) -> str:
    return AMAZON_SEARCH_ORDERS if channel is Channel.AMAZON else main
