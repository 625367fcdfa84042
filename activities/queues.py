"""Task queues. Each rate-limited external operation has its own queue, whose server-side
activity rate limit (`max_task_queue_activities_per_second`) holds across every worker. Which
queue each operation of a channel uses is the channel module's to say (integrations/module.py
`limited_queues`); an operation it does not list runs on the workflow's own queue. Workflows
call these (pure and static, so deterministic)."""

from __future__ import annotations

from integrations.module import Operation
from integrations.registry import queue_for

MAIN = "consign"


def fetch_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.FETCH, main)


def confirm_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.CONFIRM, main)


def poll_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.POLL, main)


def ack_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.ACK, main)


def stock_push_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.STOCK_PUSH, main)


def capture_queue(channel: str, main: str, again: bool) -> str:
    """Checking a capture only reads; capturing again (an operator's retry) writes."""
    return queue_for(channel, Operation.CAPTURE_AGAIN if again else Operation.CHECK_CAPTURE, main)


def stock_read_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.STOCK_READ, main)


def settlement_list_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.SETTLEMENT_LIST, main)


def settlement_fetch_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.SETTLEMENT_FETCH, main)


def product_read_queue(channel: str, main: str) -> str:
    return queue_for(channel, Operation.PRODUCT_READ, main)
