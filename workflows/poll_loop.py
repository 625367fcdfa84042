"""The loop every intake and sync runs, so a new one writes only its round.

A round reads (and hands over) what is new and says what comes next (`Next`). The loop around
it is the same everywhere: a round whose call fails for good (an ActivityError reaches the loop)
shows it and pauses (workflows/waits.py) before the next round; a round that went through is
followed by the next at once, or the run ends if it is long enough (workflows/run_length.py),
or the loop waits for the interval or a wake-up; after its rounds (or when the run is long
enough) the run waits for its handlers and continues as new with what it carries.

Every command a round and the loop issue is the one the loops issued when each wrote this out
itself, in the same order: the stored histories replay (tests/workflows/test_replay.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import Enum
from typing import NoReturn

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.intakes import IntakeCalls
    from workflows.run_length import RunLength
    from workflows.waits import pause_after_failure, wait_until

Hook = Callable[[], Awaitable[object]]
Round = Callable[[], Awaitable["Next"]]


class Next(Enum):
    """What a round that went through asks of the loop."""

    WAIT = "wait"  # the run ends if it is long enough, else wait for the interval or a wake-up
    AGAIN = "again"  # the next round at once (more to read), unless the run is long enough
    MORE = "more"  # the next round at once, and the run does not end here (mid-scan, a retry)
    END = "end"  # the run ends now (the round looked at `PollLoop.over` itself)


async def _nothing() -> None:
    return None


class PollLoop:
    """One run's loop. Built where the run decides its length (RunLength: the SHORT_RUNS patch
    and the move signal's handler), so at the point of the run where that was decided before.

    `wake` ends a pause after a failure; `until` (default `wake`) and `interval` bound the wait
    between rounds. `calls`, when given, shows a failure in the intake's progress
    (IntakeCalls.failed); a round calls its `succeeded` itself once its reads went through,
    before any command that follows them. The hooks run after a pause (`after_pause`), after a
    wait (`after_wait`), before the run waits for its handlers (`before_end`) and after
    (`at_end`), for a loop with something to do there."""

    def __init__(
        self,
        rounds: int,
        events_per_run: int,
        *,
        wake: Callable[[], bool],
        interval: timedelta | Callable[[], timedelta],
        until: Callable[[], bool] | None = None,
        calls: IntakeCalls | None = None,
        after_pause: Hook = _nothing,
        after_wait: Hook = _nothing,
        before_end: Hook = _nothing,
        at_end: Hook = _nothing,
    ) -> None:
        self.run_length = RunLength(events_per_run)
        self._rounds = rounds
        self._wake = wake
        self._until = until or wake
        self._interval = interval
        self._calls = calls
        self._after_pause = after_pause
        self._after_wait = after_wait
        self._before_end = before_end
        self._at_end = at_end

    def over(self) -> bool:
        """The run is long enough (or asked to move): for a round that ends it itself."""
        return self.run_length.over()

    async def pause(self, err: ActivityError) -> None:
        """A call failed for good: shown (with `calls`) until a round goes through, and the
        loop pauses until FAILURE_PAUSE passes or `wake` holds. Also for a round's own calls
        whose failure it handles itself (a hand-over it names again)."""
        if self._calls is not None:
            self._calls.failed(err)
        await pause_after_failure(err, self._wake)

    async def run(self, body: Round, carry: Callable[[], BaseModel]) -> NoReturn:
        """Runs `body` round after round, then continues as new with `carry()` (taken once the
        handlers finished), on the task queue the run was asked to move to if any."""
        for _ in range(self._rounds):
            try:
                step = await body()
            except ActivityError as err:
                await self.pause(err)
                await self._after_pause()
                continue
            if step is Next.MORE:
                continue
            if step is Next.END or self.over():
                break
            if step is Next.AGAIN:
                continue
            await wait_until(self._until, self._wait())
            await self._after_wait()
        await self._before_end()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._at_end()
        workflow.continue_as_new(carry(), task_queue=self.run_length.next_queue)

    def _wait(self) -> timedelta:
        interval = self._interval
        return interval if isinstance(interval, timedelta) else interval()
