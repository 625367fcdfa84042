"""A bounded wait that reports whether the condition came true (deterministic: workflow timers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow


async def wait_until(condition: Callable[[], bool], limit: timedelta) -> bool:
    try:
        await workflow.wait_condition(condition, timeout=limit)
    except TimeoutError:
        return False
    return True
