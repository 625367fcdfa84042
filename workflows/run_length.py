"""When a long-lived intake or sync hands over to a fresh run (continue-as-new).

A worker that takes over a workflow after a kill replays the run's whole history before it can
take the next step, and does so while it replays every other workflow it is handed. bench.chaos
found intake and sync runs 800-1,700 events long (up to ~4,000 before Temporal's suggestion):
their first task on a fresh worker took 2-4.7 s on two busy cores, near the 5 s workflow task
timeout (workflows/intakes.py TASK_TIMEOUT), and a task that times out is replayed from scratch
again. Since SHORT_RUNS a run also ends once its history reaches RUN_EVENTS_LIMIT events, so a
replay stays a fraction of a second.

A run also ends early when the worker asks it to move to another task queue (MOVE_SIGNAL, sent
by worker.ensure_intakes to a run still on the main queue since the intakes and syncs got a
queue of their own): the next run starts there with everything the run carries.
"""

from __future__ import annotations

from temporalio import workflow

# A channel intake's poll is ~6-10 events, an inventory sync's cycle ~10 plus one per signal:
# a run lasts a minute or so under load, and a continue-as-new costs one small task.
RUN_EVENTS_LIMIT = 500
SHORT_RUNS = "intake-short-runs"  # workflow.patched id, 2026-11-29


# Signal (argument: the task queue) asking a run to continue as new on that queue. A handler set
# at run time, not a declared signal: only new events reach it (no stored history holds it), and
# the continue-as-new it leads to differs only in its task queue.
MOVE_SIGNAL = "move_to_task_queue"


class RunLength:
    """Decided once per run (at its start): a run started before SHORT_RUNS continues as new
    only when Temporal suggests it, as it did when its history was recorded."""

    def __init__(self, limit: int = RUN_EVENTS_LIMIT) -> None:
        self._bounded = workflow.patched(SHORT_RUNS)
        self._limit = limit
        self._moving_to: str | None = None
        workflow.set_signal_handler(MOVE_SIGNAL, self._move)

    def _move(self, task_queue: str) -> None:
        if task_queue and task_queue != workflow.info().task_queue:
            self._moving_to = task_queue

    @property
    def next_queue(self) -> str | None:
        """The task queue of the next run (continue_as_new's `task_queue`): None keeps this
        run's queue."""
        return self._moving_to

    def over(self) -> bool:
        """Time to continue as new, at a point where the run may stop."""
        info = workflow.info()
        return (
            self._moving_to is not None
            or info.is_continue_as_new_suggested()
            or (self._bounded and info.get_current_history_length() >= self._limit)
        )
