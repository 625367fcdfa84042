"""SettlementIntake: one run per channel account each time its Temporal Schedule fires (the
worker keeps the schedule, workflows/schedules.py). A run lists the settlement reports the
channel filed that the store does not hold yet, then reads, stores and reconciles each one in
turn. A report that cannot be stored (its rows do not add up: SETTLEMENT_UNBALANCED; or it
cannot be read) is named in the run's progress and result and in its ExceptionKind search
attribute, and the others keep flowing; the next run lists it again, so it stays visible until
someone acts.

The run is short and ends, so it never continues as new; the schedule's overlap policy skips a
firing while a run is still busy (retrying a call that keeps failing, say)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import queues, refs
    from activities.settlement_models import (
        ReconcileRequest,
        SettlementFetchRequest,
        SettlementListRequest,
    )
    from domain.exceptions import ExceptionKind
    from domain.settlement_differences import DEFAULT_UNSETTLED_AFTER
    from workflows.contracts import WorkflowContract
    from workflows.intakes import HAND_OVER_TIMEOUT, READ_TIMEOUT, IntakeCalls, IntakeHealth
    from workflows.waits import failure_kind, failure_text

PROGRESS_QUERY = "progress"


def settlement_intake_id(channel: str, account: str) -> str:
    """The schedule's id, and the prefix of its runs' ids (Temporal appends the time)."""
    return f"settlements:{channel}:{account}"


class SettlementIntakeInput(BaseModel):
    channel: str
    account: str
    unsettled_after_days: float = DEFAULT_UNSETTLED_AFTER.days
    created_since: datetime | None = None  # None: every report the channel still keeps


class RefusedReport(BaseModel):
    report_id: str
    kind: ExceptionKind
    message: str


class SettlementIntakeProgress(IntakeHealth):
    listed: int = 0  # reports the store did not hold
    stored: list[str] = Field(default_factory=list)  # settlement ids this run stored
    already_stored: int = 0  # stored by an earlier attempt (a retry)
    refused: list[RefusedReport] = Field(default_factory=list)
    differences: dict[str, int] = Field(default_factory=dict)  # per kind, over the run


@workflow.defn(name="SettlementIntake")
class SettlementIntake:
    def __init__(self) -> None:
        self._progress = SettlementIntakeProgress()
        self._calls = IntakeCalls(self._progress)

    @workflow.query(
        name=PROGRESS_QUERY,
        description=(
            "Settlement reports listed, stored, refused, differences by kind, last error and its "
            "kind."
        ),
    )
    def progress(self) -> SettlementIntakeProgress:
        return self._progress

    @workflow.run
    async def run(self, params: SettlementIntakeInput) -> SettlementIntakeProgress:
        main = workflow.info().task_queue
        try:
            listed = await self._calls.run(
                refs.LIST_SETTLEMENT_REPORTS,
                SettlementListRequest(
                    channel=params.channel,
                    account=params.account,
                    created_since=params.created_since,
                ),
                READ_TIMEOUT,
                queues.settlement_list_queue(params.channel, main),
            )
        except ActivityError as err:
            self._calls.failed(err)  # the next firing lists again
            return self._progress
        self._progress.listed = len(listed.reports)
        for report in listed.reports:
            try:
                stored = await self._calls.run(
                    refs.STORE_SETTLEMENT_REPORT,
                    SettlementFetchRequest(
                        channel=params.channel, account=params.account, report=report
                    ),
                    HAND_OVER_TIMEOUT,
                    queues.settlement_fetch_queue(params.channel, main),
                )
                reconciled = await self._calls.run(
                    refs.RECONCILE_SETTLEMENT,
                    ReconcileRequest(
                        channel=params.channel,
                        account=params.account,
                        settlement_id=stored.settlement_id,
                        unsettled_after_days=params.unsettled_after_days,
                    ),
                    READ_TIMEOUT,
                )
            except ActivityError as err:
                self._refused(report.report_id, err)
                continue
            if stored.new:
                self._progress.stored.append(stored.settlement_id)
            else:
                self._progress.already_stored += 1
            for kind, count in reconciled.differences.items():
                self._progress.differences[kind] = self._progress.differences.get(kind, 0) + count
        if not self._progress.refused:
            self._calls.succeeded()
        return self._progress

    def _refused(self, report_id: str, err: ActivityError) -> None:
        refused = RefusedReport(
            report_id=report_id, kind=failure_kind(err), message=failure_text(err)
        )
        self._progress.refused.append(refused)
        workflow.logger.warning("settlement report %s refused: %s", report_id, refused.message)
        self._calls.failed(err)
        workflow.set_current_details(
            f"{len(self._progress.refused)} report(s) refused; last: {report_id} "
            f"({refused.kind.value})"
        )


CONTRACT = WorkflowContract.of(
    SettlementIntake,
    "SettlementIntake",
    SettlementIntakeInput,
    settlement_intake_id,
    queries=(PROGRESS_QUERY,),
)
