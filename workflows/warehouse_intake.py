"""WarehouseIntake: one per GXO facility. Pulls events by cursor and accepts pushed ones (the
webhook signals them here), drops repeats, and signals each to the order it belongs to. An event
consign cannot read is set aside by whoever read it (the pull activity or the webhook) and only
counted here; the events around it flow on."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import refs
    from activities.models import (
        EVENTS_PUSHED_SIGNAL,
        EventDelivery,
        PullRequest,
    )
    from domain.limits import IntakeLimits
    from domain.payloads import batches
    from domain.setaside import SetAsideNotice
    from domain.warehouse import FeedEvent
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

__all__ = ["EVENTS_PUSHED_SIGNAL", "POLL_NOW_SIGNAL", "WarehouseIntake", "workflow_id_for"]

POLL_NOW_SIGNAL = "poll_now"
PROGRESS_QUERY = "progress"
RECENT_IDS_KEPT = 2000


def workflow_id_for(facility_id: str) -> str:
    return f"warehouse-events:{facility_id}"


class WarehouseIntakeInput(BaseModel):
    facility_id: str
    cursor: int = 0
    poll_interval_seconds: float = 30
    polls_per_run: int = 500
    events_per_run: int = RUN_EVENTS_LIMIT  # since SHORT_RUNS (workflows/run_length.py)
    recent_event_ids: list[str] = Field(default_factory=list)  # carried across continue-as-new
    # The most one delivery activity's input carries (CONSIGN_PAYLOAD_BUDGET_BYTES).
    payload_budget_bytes: int = IntakeLimits().payload_budget_bytes
    set_aside: int = 0  # carried across continue-as-new, like the last one's summary
    last_set_aside: str | None = None


class WarehouseIntakeProgress(IntakeHealth):
    cursor: int = 0
    polls: int = 0
    delivered: int = 0
    unmatched: int = 0
    duplicates_dropped: int = 0
    ignored: int = 0  # cancel/reject notices for orders whose workflow already finished


@workflow.defn(name="WarehouseIntake")
class WarehouseIntake:
    def __init__(self) -> None:
        self._pushed: list[FeedEvent] = []
        self._poll_now = False
        self._recent: list[str] = []
        self._budget = IntakeLimits().payload_budget_bytes
        self._progress = WarehouseIntakeProgress()
        self._calls = IntakeCalls(self._progress)

    @workflow.query(
        name=PROGRESS_QUERY,
        description=(
            "Cursor, polls, events delivered, unmatched, duplicates dropped, last error and its "
            "kind, a call still retrying, records set aside."
        ),
    )
    def progress(self) -> WarehouseIntakeProgress:
        return self._progress

    @workflow.signal(
        name=EVENTS_PUSHED_SIGNAL,
        description="internal: events GXO pushed to the webhook, delivered with the pulled ones.",
    )
    def events_pushed(self, delivery: EventDelivery) -> None:
        self._pushed.extend(delivery.events)
        self._count_set_aside(delivery.set_aside)

    @workflow.signal(
        name=POLL_NOW_SIGNAL,
        description="Poll now, without waiting for the interval; ends a pause after a failure.",
    )
    def poll_now(self) -> None:
        self._poll_now = True

    @workflow.run
    async def run(self, params: WarehouseIntakeInput) -> None:
        self._recent = [*params.recent_event_ids, *self._recent]
        self._budget = params.payload_budget_bytes
        self._progress.set_aside += params.set_aside
        self._progress.last_set_aside = self._progress.last_set_aside or params.last_set_aside
        self._loop = PollLoop(
            params.polls_per_run,
            params.events_per_run,
            wake=lambda: self._poll_now or bool(self._pushed),
            interval=timedelta(seconds=params.poll_interval_seconds),
            calls=self._calls,
            after_pause=self._deliver_pushed,
            after_wait=self._deliver_pushed,
            at_end=self._deliver_pushed,
        )
        self._cursor = params.cursor
        await self._loop.run(
            lambda: self._pull(params),
            lambda: params.model_copy(
                update={
                    "cursor": self._cursor,
                    "recent_event_ids": self._recent[-RECENT_IDS_KEPT:],
                    "set_aside": self._progress.set_aside,
                    "last_set_aside": self._progress.last_set_aside,
                }
            ),
        )

    async def _pull(self, params: WarehouseIntakeInput) -> Next:
        """The cursor moves once the page is delivered: else it is pulled and delivered again."""
        self._poll_now = False  # a poke asks for the poll that starts now
        page = await self._calls.run(
            refs.PULL_WAREHOUSE_EVENTS,
            PullRequest(facility_id=params.facility_id, cursor=self._cursor),
            READ_TIMEOUT,
        )
        self._progress.polls += 1
        self._calls.succeeded()
        self._count_set_aside(page.set_aside)
        if not await self._deliver([*page.events, *self._take_pushed()]):
            return Next.MORE
        self._cursor = max(self._cursor, page.next_cursor)
        self._progress.cursor = self._cursor
        if page.more or len(page.events) >= PullRequest.model_fields["limit"].default:
            return Next.MORE  # more waiting: pull again at once
        return Next.WAIT

    async def _deliver_pushed(self) -> None:
        await self._deliver(self._take_pushed())

    def _take_pushed(self) -> list[FeedEvent]:
        pushed, self._pushed = self._pushed, []
        return pushed

    def _count_set_aside(self, notices: list[SetAsideNotice]) -> None:
        """An event both pulled and pushed is stored once, and counted once."""
        seen = set(self._recent)
        fresh = [n for n in notices if n.record_id not in seen]
        self._recent = [*self._recent, *(n.record_id for n in fresh)][-RECENT_IDS_KEPT:]
        count_set_aside(self._progress, fresh)

    async def _deliver(self, events: list[FeedEvent]) -> bool:
        """Order workflows dedupe too; dropping repeats here saves their history. Each delivery
        carries at most the payload budget (a batch of parts of a large dispatch).

        A delivery that fails for good pauses the intake instead of failing it, and answers
        False: what was not delivered is still in GXO's feed past the cursor (a pushed event is
        a copy of a feed entry), so the next pull brings it again."""
        seen = set(self._recent)
        fresh: list[FeedEvent] = []
        for event in sorted(events, key=lambda e: e.sequence):
            if event.event_id in seen:
                self._progress.duplicates_dropped += 1
                continue
            seen.add(event.event_id)
            fresh.append(event)
        for batch in batches(fresh, self._budget):
            try:
                report = await self._calls.run(
                    refs.DELIVER_WAREHOUSE_EVENTS,
                    EventDelivery(events=batch),
                    HAND_OVER_TIMEOUT,
                )
            except ActivityError as err:
                await self._loop.pause(err)
                return False
            self._recent = [*self._recent, *(e.event_id for e in batch)][-RECENT_IDS_KEPT:]
            self._progress.delivered += report.delivered
            self._progress.unmatched += report.unmatched
            self._progress.ignored += report.ignored
        return True


CONTRACT = WorkflowContract.of(
    WarehouseIntake,
    "WarehouseIntake",
    WarehouseIntakeInput,
    workflow_id_for,
    signals=(EVENTS_PUSHED_SIGNAL, POLL_NOW_SIGNAL),
    queries=(PROGRESS_QUERY,),
)
