"""StockIntake: one per GXO facility. Loads the facility's inventory once, then applies its
stock changes by cursor to the store and tells every inventory sync which items moved."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import refs
    from activities.models import (
        FacilityRequest,
        PullRequest,
        StockNotice,
    )
    from workflows.contracts import WorkflowContract
    from workflows.intakes import (
        HAND_OVER_TIMEOUT,
        READ_TIMEOUT,
        IntakeCalls,
        IntakeHealth,
        count_set_aside,
    )
    from workflows.poll_loop import Next, PollLoop
    from workflows.run_length import RUN_EVENTS_LIMIT


POLL_NOW_SIGNAL = "poll_now"
PROGRESS_QUERY = "progress"


def stock_intake_id(facility_id: str) -> str:
    return f"stock:{facility_id}"


class StockIntakeInput(BaseModel):
    facility_id: str
    cursor: int | None = None  # None: start from a full inventory snapshot
    poll_interval_seconds: float = 30
    polls_per_run: int = 500
    events_per_run: int = RUN_EVENTS_LIMIT  # since SHORT_RUNS (workflows/run_length.py)
    inventory_syncs: list[str] = Field(default_factory=list)  # workflow ids to notify
    set_aside: int = 0  # carried across continue-as-new, like the last one's summary
    last_set_aside: str | None = None


class StockIntakeProgress(IntakeHealth):
    cursor: int | None = None
    polls: int = 0
    changes: int = 0


@workflow.defn(name="StockIntake")
class StockIntake:
    def __init__(self) -> None:
        self._progress = StockIntakeProgress()
        self._calls = IntakeCalls(self._progress)
        self._poll_now = False

    @workflow.query(
        name=PROGRESS_QUERY,
        description=(
            "Cursor, polls, stock changes passed on, last error and its kind, a call still "
            "retrying, records set aside."
        ),
    )
    def progress(self) -> StockIntakeProgress:
        return self._progress

    @workflow.signal(
        name=POLL_NOW_SIGNAL,
        description="Poll now, without waiting for the interval; ends a pause after a failure.",
    )
    def poll_now(self) -> None:
        self._poll_now = True

    @workflow.run
    async def run(self, params: StockIntakeInput) -> None:
        self._progress.set_aside = params.set_aside
        self._progress.last_set_aside = params.last_set_aside
        loop = PollLoop(
            params.polls_per_run,
            params.events_per_run,
            wake=lambda: self._poll_now,
            interval=timedelta(seconds=params.poll_interval_seconds),
            calls=self._calls,
        )
        self._cursor: int | None = params.cursor
        await loop.run(
            lambda: self._poll(params),
            lambda: params.model_copy(
                update={
                    "cursor": self._cursor,
                    "set_aside": self._progress.set_aside,
                    "last_set_aside": self._progress.last_set_aside,
                }
            ),
        )

    async def _poll(self, params: StockIntakeInput) -> Next:
        """The cursor moves once the syncs heard of the items: after a failure the next poll
        reads again from where this one began (applying changes twice is harmless)."""
        self._poll_now = False
        if self._cursor is None:
            snapshot = await self._calls.run(
                refs.LOAD_STOCK_SNAPSHOT,
                FacilityRequest(facility_id=params.facility_id),
                HAND_OVER_TIMEOUT,
            )
            count_set_aside(self._progress, snapshot.set_aside)
            cursor, moved = snapshot.cursor, snapshot.items
        else:
            pulled = await self._calls.run(
                refs.PULL_STOCK_CHANGES,
                PullRequest(facility_id=params.facility_id, cursor=self._cursor),
                READ_TIMEOUT,
            )
            count_set_aside(self._progress, pulled.set_aside)
            cursor, moved = pulled.next_cursor, pulled.items
            self._progress.changes += pulled.count
        if moved and params.inventory_syncs:
            await self._calls.run(
                refs.NOTIFY_STOCK_CHANGED,
                StockNotice(items=moved, targets=params.inventory_syncs),
                HAND_OVER_TIMEOUT,
            )
        self._cursor = cursor
        self._progress.polls += 1
        self._progress.cursor = cursor
        self._calls.succeeded()
        return Next.WAIT


CONTRACT = WorkflowContract.of(
    StockIntake,
    "StockIntake",
    StockIntakeInput,
    stock_intake_id,
    signals=(POLL_NOW_SIGNAL,),
    queries=(PROGRESS_QUERY,),
)
