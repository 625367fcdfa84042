"""What the intake workflows share: how their activities run, how they show a call that keeps
failing, and how they show the records they set aside.

Every intake activity heartbeats (activities/heartbeat.py), so one lost with a killed worker is
retried on another after HEARTBEAT plus the retry interval (QUICK_FIRST_ROUND: at most 2 s),
not after its start-to-close timeout; the start-to-close timeouts only bound a live worker stuck
in a call.

Since INTAKE_ROUNDS the activities are retried in bounded rounds (workflows/activity_rounds.py),
so nothing retries forever unseen: once a round runs out the intake's progress shows
`retrying` (which call, attempts, last failure) and its ExceptionKind search attribute
ACTIVITY_RETRYING, until the call succeeds. A failure retrying cannot cure shows as
`last_error` and its own kind (INVALID_CHANNEL_DATA, CHANNEL_AUTH_FAILED, ...) until a poll
succeeds; the intake pauses meanwhile (workflows/waits.py). Runs started before the patch keep
Temporal's unbounded retries and upsert nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.refs import ActivityRef
    from domain import search_attributes as sa
    from domain.exceptions import ExceptionKind
    from domain.lifecycle import RetryingActivity, retrying_after_success, still_retrying
    from domain.setaside import SetAsideNotice
    from workflows.activity_rounds import execute_in_rounds
    from workflows.search_attributes import Published
    from workflows.waits import failure_kind, failure_text

# Well under a worker's life between kills (bench.chaos kills every 10 s): with 10 s, work lost
# with one worker was retried just as the next kill came. A beat every third of it, sent at least
# every HEARTBEAT_THROTTLE (2 s), leaves a busy worker ~3 s of slack.
HEARTBEAT = timedelta(seconds=5)
# Intake activities heartbeat, are idempotent and hand-overs resume where they stopped, and reads
# wait for their rate-limited queue anyway (an order search metered at one per 3 min): a retry every
# few seconds costs nothing, where one 4 minutes later stalls the intake (bench.chaos found one
# livelocked). HEARTBEAT + RETRY_AT_MOST must stay well under a worker's life between kills:
# with 5 + 5 s and a kill every 10 s, a lost hand-over was retried ~1 s before the next kill,
# every time (phase-locked: 13 attempts, 134 s, for 41 orders), before it could record progress.
# 100 attempts span ~3 min, so a short outage is over before the intake shows ACTIVITY_RETRYING.
RETRY_AT_MOST = timedelta(seconds=2)
QUICK_FIRST_ROUND = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=RETRY_AT_MOST,
    maximum_attempts=100,
)
# Workflow task timeout the intakes and syncs are started with (continue-as-new keeps it): a
# task in flight on a killed worker is retried after this, not after Temporal's default 10 s.
# Their tasks are small (a replay of one run's history included); the deadlock detector
# already fails an activation that takes 2 s.
TASK_TIMEOUT = timedelta(seconds=5)
READ_TIMEOUT = timedelta(minutes=1)  # one poll or pull: a few HTTP calls, each with its timeout
HAND_OVER_TIMEOUT = timedelta(minutes=5)  # signals to many workflows, or a whole snapshot
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))  # runs started before INTAKE_ROUNDS
INTAKE_ROUNDS = "intake-rounds"  # workflow.patched id, 2026-12-03
INTAKE_STATE_PATCH = "intake-state"  # workflow.patched id: the IntakeState search attribute
PAUSED, RETRYING = "PAUSED", "RETRYING"

A = TypeVar("A")
T = TypeVar("T")


class IntakeHealth(BaseModel):
    """What every intake's progress query says about its calls and the records it set aside."""

    last_error: str | None = None  # why the last poll failed for good, until one succeeds
    last_error_kind: ExceptionKind | None = None  # that failure's kind (the search attribute)
    retrying: RetryingActivity | None = None  # a call still failing after a round of retries
    set_aside: int = 0  # records stored as set aside (consign set-aside list)
    last_set_aside: str | None = None  # reason, record and detail of the latest
    # when a whole poll last went through (workflow time; none yet in this run): the daily
    # report's "last poll". Not carried across continue-as-new: a run polls at once.
    last_success_at: datetime | None = None


class IntakeCalls:
    """Runs one intake's activities and shows how they fare in its progress and in its
    ExceptionKind search attribute: a failure for good under its own kind, else
    ACTIVITY_RETRYING while a call keeps failing, else nothing. Decided once per run whether
    the run uses rounds (INTAKE_ROUNDS): a run started before keeps the commands it issued."""

    def __init__(self, health: IntakeHealth) -> None:
        self.health = health
        self.rounds = workflow.patched(INTAKE_ROUNDS)
        self.shows_state = self.rounds and workflow.patched(INTAKE_STATE_PATCH)
        self._published = Published(only_changes=True)
        self._publish()  # a kind inherited across continue-as-new that no longer holds

    async def run(
        self,
        activity: ActivityRef[A, T],
        arg: A,
        start_to_close: timedelta,
        task_queue: str | None = None,
    ) -> T:
        """One activity, heartbeats checked every HEARTBEAT, retried until it succeeds; raises
        the ActivityError of a failure retrying cannot cure (the intake then pauses)."""
        queue = task_queue or workflow.info().task_queue
        name = activity.name
        if not self.rounds:
            return await workflow.execute_activity(
                name,
                arg,
                result_type=activity.result,
                task_queue=queue,
                start_to_close_timeout=start_to_close,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
            )
        try:
            result = await execute_in_rounds(
                activity,
                arg,
                task_queue=queue,
                start_to_close_timeout=start_to_close,
                heartbeat_timeout=HEARTBEAT,
                first_round=QUICK_FIRST_ROUND,
                round_failed=lambda attempts, failure: self._still_retrying(
                    name, attempts, failure
                ),
            )
        except ActivityError:
            self._stop_retrying(name)
            raise
        self._stop_retrying(name)
        return result

    def failed(self, err: ActivityError) -> None:
        """A call failed for good: shown until `succeeded`."""
        self.health.last_error = failure_text(err)
        self.health.last_error_kind = failure_kind(err)
        self._publish()

    def succeeded(self) -> None:
        """A whole poll went through: the last failure no longer holds."""
        self.health.last_error = None
        self.health.last_error_kind = None
        self.health.last_success_at = workflow.now()
        self._publish()

    def _still_retrying(self, activity: str, attempts: int, failure: str) -> None:
        current = self.health.retrying
        if current is None or current.activity != activity:
            workflow.logger.warning(
                "%s still failing after %d attempts: %s", activity, attempts, failure
            )
        self.health.retrying = still_retrying(current, activity, attempts, failure, workflow.now())
        self._publish()

    def _stop_retrying(self, activity: str) -> None:
        current = self.health.retrying
        self.health.retrying = retrying_after_success(current, activity)
        if self.health.retrying is not current:
            self._publish()

    def _publish(self) -> None:
        if not self.rounds:
            return
        kind = self.health.last_error_kind or (
            ExceptionKind.ACTIVITY_RETRYING if self.health.retrying is not None else None
        )
        updates = [
            sa.EXCEPTION_KIND.value_set(kind.value) if kind else sa.EXCEPTION_KIND.value_unset()
        ]
        if self.shows_state:
            state = PAUSED if self.health.last_error else RETRYING if kind else None
            updates.append(
                sa.INTAKE_STATE.value_set(state) if state else sa.INTAKE_STATE.value_unset()
            )
        self._published.upsert(updates)


def count_set_aside(progress: IntakeHealth, notices: Sequence[SetAsideNotice]) -> None:
    """Count records the activities stored as set aside, and say so in the Web UI."""
    if not notices:
        return
    progress.set_aside += len(notices)
    progress.last_set_aside = notices[-1].summary()
    for notice in notices:
        workflow.logger.warning("record set aside: %s", notice.summary())
    show_set_aside(progress)


def show_set_aside(progress: IntakeHealth) -> None:
    """The workflow's current details (Web UI) name the last record set aside."""
    if progress.set_aside:
        workflow.set_current_details(
            f"{progress.set_aside} record(s) set aside; last: {progress.last_set_aside} "
            "(consign set-aside list)"
        )
