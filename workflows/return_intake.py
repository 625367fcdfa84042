"""ReturnIntake: one per account of a channel that authorises returns, id
`return-intake:<channel>:<account>`. Each round reads the account's return events, starts one
ReturnFulfillment per return (its id is the RMA, so a repeated event starts nothing new) and
confirms the events, in one activity (take_channel_returns): the channel's event queue is the
cursor, so a round cut short reads the same events again. Built on what the other intakes
share: retry rounds and the `progress` query (workflows/intakes.py), and the loop they all run
(workflows/poll_loop.py): a pause after a failure retrying cannot cure, short runs that continue
as new."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import refs
    from activities.models import ReturnIntakeRequest
    from workflows.contracts import WorkflowContract
    from workflows.intakes import HAND_OVER_TIMEOUT, IntakeCalls, IntakeHealth
    from workflows.poll_loop import Next, PollLoop
    from workflows.run_length import RUN_EVENTS_LIMIT

POLL_NOW_SIGNAL = "poll_now"
PROGRESS_QUERY = "progress"


def return_intake_id(channel: str, account: str) -> str:
    return f"return-intake:{channel}:{account}"


class ReturnIntakeInput(BaseModel):
    channel: str
    account: str
    poll_interval_seconds: float = 60
    events_per_round: int = 100
    polls_per_run: int = 500
    events_per_run: int = RUN_EVENTS_LIMIT
    started: int = 0  # carried across continue-as-new (the progress query's totals)


class ReturnIntakeProgress(IntakeHealth):
    polls: int = 0
    events: int = 0
    started: int = 0
    already: int = 0  # events about a return whose workflow runs or ran
    gone: int = 0  # events about a return the channel no longer has


@workflow.defn(name="ReturnIntake")
class ReturnIntake:
    def __init__(self) -> None:
        self._progress = ReturnIntakeProgress()
        self._calls = IntakeCalls(self._progress)
        self._poll_now = False

    @workflow.query(
        name=PROGRESS_QUERY,
        description=(
            "Polls, return events read, returns started, already known or gone, last error and "
            "its kind, a call still retrying."
        ),
    )
    def progress(self) -> ReturnIntakeProgress:
        return self._progress

    @workflow.signal(
        name=POLL_NOW_SIGNAL,
        description="Poll now, without waiting for the interval; ends a pause after a failure.",
    )
    def poll_now(self) -> None:
        self._poll_now = True

    @workflow.run
    async def run(self, params: ReturnIntakeInput) -> None:
        self._progress.started = params.started
        loop = PollLoop(
            params.polls_per_run,
            params.events_per_run,
            wake=lambda: self._poll_now,
            interval=timedelta(seconds=params.poll_interval_seconds),
            calls=self._calls,
        )
        request = ReturnIntakeRequest(
            channel=params.channel, account=params.account, limit=params.events_per_round
        )
        await loop.run(
            lambda: self._take(request),
            lambda: params.model_copy(update={"started": self._progress.started}),
        )

    async def _take(self, request: ReturnIntakeRequest) -> Next:
        self._poll_now = False
        taken = await self._calls.run(refs.TAKE_CHANNEL_RETURNS, request, HAND_OVER_TIMEOUT)
        progress = self._progress
        progress.polls += 1
        progress.events += taken.events
        progress.started += taken.started
        progress.already += taken.already
        progress.gone += taken.gone
        self._calls.succeeded()
        return Next.AGAIN if taken.more else Next.WAIT


CONTRACT = WorkflowContract.of(
    ReturnIntake,
    "ReturnIntake",
    ReturnIntakeInput,
    return_intake_id,
    signals=(POLL_NOW_SIGNAL,),
    queries=(PROGRESS_QUERY,),
)
