"""Skipping time on the time-skipping test server in steps.

`WorkflowEnvironment.sleep` is one RPC, and the test server answers it only once the skipped
time has been played out: every timer and activity in it run for real. That RPC has a 30 s
deadline (measured: a 400-day sleep over an hourly loop failed with "Timeout expired" after
30.0 s), so one long sleep over busy workflows fails on a loaded machine. Skipping in steps keeps
each RPC short, whatever the load.
"""

from __future__ import annotations

from datetime import timedelta

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
