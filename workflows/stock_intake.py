"""StockIntake: one per GXO facility. Loads the facility's inventory once, then applies its
stock changes by cursor to the store and tells every inventory sync which items moved."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        FacilityRequest,
        PullRequest,
        SnapshotLoaded,
        StockNotice,
        StockPulled,
    )
    from workflows.waits import failure_text, pause_after_failure, wait_until

RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))
TIMEOUT = timedelta(minutes=2)


def stock_intake_id(facility_id: str) -> str:
    return f"stock:{facility_id}"


class StockIntakeInput(BaseModel):
    facility_id: str
    cursor: int | None = None  # None: start from a full inventory snapshot
    poll_interval_seconds: float = 30
    polls_per_run: int = 500
    inventory_syncs: list[str] = Field(default_factory=list)  # workflow ids to notify


class StockIntakeProgress(BaseModel):
    cursor: int | None = None
    polls: int = 0
    changes: int = 0
    last_error: str | None = None


@workflow.defn(name="StockIntake")
class StockIntake:
    def __init__(self) -> None:
        self._progress = StockIntakeProgress()
        self._poll_now = False

    @workflow.query(name="progress")
    def progress(self) -> StockIntakeProgress:
        return self._progress

    @workflow.signal(name="poll_now")
    def poll_now(self) -> None:
        self._poll_now = True

    @workflow.run
    async def run(self, params: StockIntakeInput) -> None:
        cursor = params.cursor
        for _ in range(params.polls_per_run):
            self._poll_now = False
            try:
                if cursor is None:
                    snapshot = await workflow.execute_activity(
                        "load_stock_snapshot",
                        FacilityRequest(facility_id=params.facility_id),
                        result_type=SnapshotLoaded,
                        start_to_close_timeout=TIMEOUT,
                        retry_policy=RETRY,
                    )
                    cursor, moved = snapshot.cursor, snapshot.items
                else:
                    pulled = await workflow.execute_activity(
                        "pull_stock_changes",
                        PullRequest(facility_id=params.facility_id, cursor=cursor),
                        result_type=StockPulled,
                        start_to_close_timeout=TIMEOUT,
                        retry_policy=RETRY,
                    )
                    cursor, moved = pulled.next_cursor, pulled.items
                    self._progress.changes += pulled.count
                if moved and params.inventory_syncs:
                    await workflow.execute_activity(
                        "notify_stock_changed",
                        StockNotice(items=moved, targets=params.inventory_syncs),
                        start_to_close_timeout=TIMEOUT,
                        retry_policy=RETRY,
                    )
            except ActivityError as err:
                self._progress.last_error = failure_text(err)
                await pause_after_failure(err, lambda: self._poll_now)
                continue
            self._progress.polls += 1
            self._progress.cursor = cursor
            self._progress.last_error = None
            if workflow.info().is_continue_as_new_suggested():
                break
            await wait_until(
                lambda: self._poll_now, timedelta(seconds=params.poll_interval_seconds)
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(params.model_copy(update={"cursor": cursor}))
