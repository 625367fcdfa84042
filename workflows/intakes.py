"""What the intake workflows share: how their activities run, and how they show the records
they set aside.

Every intake activity heartbeats (activities/heartbeat.py), so one lost with a killed worker is
retried on another after HEARTBEAT plus the first retry interval (1 s), not after its
start-to-close timeout; the start-to-close timeouts only bound a live worker stuck in a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.setaside import SetAsideNotice

HEARTBEAT = timedelta(seconds=10)
READ_TIMEOUT = timedelta(minutes=1)  # one poll or pull: a few HTTP calls, each with its timeout
HAND_OVER_TIMEOUT = timedelta(minutes=5)  # signals to many workflows, or a whole snapshot
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))

T = TypeVar("T")


async def run_activity(
    name: str,
    arg: Any,
    result_type: type[T],
    start_to_close: timedelta,
    task_queue: str | None = None,
) -> T:
    """One intake activity: heartbeats checked every HEARTBEAT, retried until it succeeds or
    fails for good (the intake then pauses: workflows/waits.py)."""
    return await workflow.execute_activity(
        name,
        arg,
        result_type=result_type,
        task_queue=task_queue or workflow.info().task_queue,
        start_to_close_timeout=start_to_close,
        heartbeat_timeout=HEARTBEAT,
        retry_policy=RETRY,
    )


class CountsSetAside(Protocol):
    set_aside: int
    last_set_aside: str | None


def count_set_aside(progress: CountsSetAside, notices: Sequence[SetAsideNotice]) -> None:
    """Count records the activities stored as set aside, and say so in the Web UI."""
    if not notices:
        return
    progress.set_aside += len(notices)
    progress.last_set_aside = notices[-1].summary()
    for notice in notices:
        workflow.logger.warning("record set aside: %s", notice.summary())
    show_set_aside(progress)


def show_set_aside(progress: CountsSetAside) -> None:
    """The workflow's current details (Web UI) name the last record set aside."""
    if progress.set_aside:
        workflow.set_current_details(
            f"{progress.set_aside} record(s) set aside; last: {progress.last_set_aside} "
            "(consign set-aside list)"
        )
