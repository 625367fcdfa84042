"""Activities retried in rounds, so a workflow sees a call that keeps failing instead of waiting
on Temporal's retries unseen.

Each round is a bounded retry policy: the first backs off from 1 s to ~4 min (10 attempts,
~8.5 min in all), later ones try every 5 minutes (6 attempts), with a 5 minute pause between
rounds: the cadence of the unbounded policy they replace (a caller may pass its own first round:
the intakes retry faster, workflows/intakes.py). When a round runs out the caller hears
the attempts so far and the last failure, and the next round starts. A non-retryable failure
(or a cancellation) ends the rounds at once as the ActivityError Temporal raised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, RetryState

with workflow.unsafe.imports_passed_through():
    from activities.refs import ActivityRef
    from workflows.waits import failure_text

A = TypeVar("A")
T = TypeVar("T")

FIRST_ROUND = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=10,
)
LATER_ROUND = RetryPolicy(
    initial_interval=timedelta(minutes=5),
    backoff_coefficient=1.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=6,
)
BETWEEN_ROUNDS = timedelta(minutes=5)
ROUND_OVER = (RetryState.MAXIMUM_ATTEMPTS_REACHED, RetryState.TIMEOUT)


async def execute_in_rounds(
    activity: ActivityRef[A, T],
    arg: A,
    *,
    task_queue: str,
    start_to_close_timeout: timedelta,
    heartbeat_timeout: timedelta | None = None,
    round_failed: Callable[[int, str], None],
    first_round: RetryPolicy = FIRST_ROUND,
) -> T:
    """Run the activity until it succeeds; `round_failed(attempts, last_failure)` after every
    round that runs out. Raises the ActivityError of a failure retrying cannot cure."""
    attempts = 0
    while True:
        policy = LATER_ROUND if attempts else first_round
        try:
            return await workflow.execute_activity(
                activity.name,
                arg,
                result_type=activity.result,
                task_queue=task_queue,
                start_to_close_timeout=start_to_close_timeout,
                heartbeat_timeout=heartbeat_timeout,
                retry_policy=policy,
            )
        except ActivityError as err:
            if err.retry_state not in ROUND_OVER:
                raise
            attempts += policy.maximum_attempts
            round_failed(attempts, failure_text(err))
        await workflow.sleep(BETWEEN_ROUNDS)
