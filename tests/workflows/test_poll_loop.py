"""PollLoop (workflows/poll_loop.py), the loop every intake and sync runs, as a new intake sees
it: a probe whose round plays a script of answers and failures, recording what the loop did
(its hooks) and where each run continued as new ("|")."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, RetryState
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from workflows.poll_loop import Next, PollLoop

LONG_RUNS = 10_000  # events: the run never gets long enough
SHORT_RUNS = 1  # events: the run is always long enough


class ProbeInput(BaseModel):
    steps: list[str]  # a Next's value, or "fail": the round's call fails for good
    rounds: int = 10
    events_per_run: int = LONG_RUNS
    seen: list[str] = Field(default_factory=list)


@workflow.defn(name="PollLoopProbe")
class Probe:
    def __init__(self) -> None:
        self._steps: list[str] = []
        self._seen: list[str] = []

    @workflow.run
    async def run(self, params: ProbeInput) -> list[str]:
        if not params.steps:
            return params.seen
        self._steps, self._seen = list(params.steps), list(params.seen)
        loop = PollLoop(
            params.rounds,
            params.events_per_run,
            wake=lambda: False,
            interval=lambda: self._note("waits"),
            after_pause=self._hook("paused"),
            after_wait=self._hook("waited"),
            before_end=self._hook("ending"),
            at_end=self._hook("ended"),
        )
        await loop.run(
            self._round,
            lambda: params.model_copy(update={"steps": self._steps, "seen": [*self._seen, "|"]}),
        )

    async def _round(self) -> Next:
        step = self._steps.pop(0) if self._steps else Next.WAIT.value
        self._seen.append(step)
        if step == "fail":
            raise ActivityError(
                "failed",
                scheduled_event_id=0,
                started_event_id=0,
                identity="",
                activity_type="probe",
                activity_id="1",
                retry_state=RetryState.NON_RETRYABLE_FAILURE,
            ) from ApplicationError("gone", type="CHANNEL_AUTH_FAILED", non_retryable=True)
        return Next(step)

    def _note(self, what: str) -> timedelta:
        self._seen.append(what)
        return timedelta(minutes=1)

    def _hook(self, name: str) -> Callable[[], Awaitable[None]]:
        async def hook() -> None:
            self._seen.append(name)

        return hook


async def probe(env: WorkflowEnvironment, params: ProbeInput) -> list[str]:
    queue = f"probe-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[Probe]):
        return await env.client.execute_workflow(
            Probe.run, params, id=f"probe-{uuid.uuid4()}", task_queue=queue
        )


async def test_a_run_ends_only_where_its_round_allows(time_env: WorkflowEnvironment) -> None:
    """With every run long enough: MORE goes on at once (a scan's next page), AGAIN and WAIT
    end the run; a failure pauses and the next round follows."""
    seen = await probe(
        time_env,
        ProbeInput(
            steps=["more", "more", "wait", "again", "fail", "wait"], events_per_run=SHORT_RUNS
        ),
    )
    ending = ["ending", "ended", "|"]
    assert seen == [
        *["more", "more", "wait", *ending],
        *["again", *ending],
        *["fail", "paused", "wait", *ending],
    ]


async def test_a_short_run_waits_between_rounds(time_env: WorkflowEnvironment) -> None:
    """Below the run's length: WAIT waits for the interval, AGAIN and MORE do not; the run
    ends after its rounds, or at END."""
    seen = await probe(
        time_env, ProbeInput(steps=["wait", "again", "more", "end", "wait"], rounds=3)
    )
    ending = ["ending", "ended", "|"]
    assert seen == [
        *["wait", "waits", "waited", "again", "more", *ending],
        *["end", *ending],
        *["wait", "waits", "waited", "wait", "waits", "waited", "wait", "waits", "waited"],
        *ending,
    ]
