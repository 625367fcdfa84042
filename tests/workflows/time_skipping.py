"""Skipping time on the time-skipping test server in steps.

`WorkflowEnvironment.sleep` is one RPC, and the test server answers it only once the skipped
time has been played out: every timer and activity in it run for real. That RPC has a 30 s
deadline (measured: a 400-day sleep over an hourly loop failed with "Timeout expired" after
30.0 s), so one long sleep over busy workflows fails on a loaded machine. Skipping in steps keeps
each RPC short, whatever the load.

Skip to an instant between the workflow's timers, never onto one: a timer starts a few
milliseconds after the instant its workflow task ran, so a workflow that waits 5 minutes at a
time, skipped 20 minutes, has its next timer due milliseconds after the skip ends, when the
server's clock runs at real pace again. A signal sent then wakes the workflow, whose task cancels
that timer; if the timer fired while the task was with the worker, the test server refuses the
completion ("invalid history builder state for action", temporalio/sdk-java#3088) and strands
the run: it never sends the task again, and the test waits in vain (seen once in 20 runs of
test_inventory_sync.py).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment


async def skip(
    env: WorkflowEnvironment, duration: timedelta, step: timedelta = timedelta(hours=1)
) -> None:
    """Move the server's clock `duration` ahead, `step` at a time."""
    left = duration
    while left > timedelta(0):
        chunk = min(step, left)
        await env.sleep(chunk)
        left -= chunk


def round_span(policy: RetryPolicy) -> timedelta:
    """How long one round of `policy`'s retries waits in all: skipped past it, the round has run
    out; the next round begins BETWEEN_ROUNDS (workflows/activity_rounds.py) later."""
    assert policy.maximum_interval is not None and policy.maximum_attempts > 0
    total, wait = timedelta(), policy.initial_interval
    for _ in range(policy.maximum_attempts - 1):
        total += wait
        wait = min(wait * policy.backoff_coefficient, policy.maximum_interval)
    return total
