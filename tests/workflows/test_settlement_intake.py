"""SettlementIntake on the time-skipping server with stand-in activities: each report listed is
stored and reconciled in turn, on the channel's limited queues; a report refused for good is
named on the run (progress, result, ExceptionKind) while the others keep flowing; a failing
listing ends the run named, for the next firing to list again. With
CONSIGN_CAPTURE_HISTORIES=<dir> the first run is saved for the replay test."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.settlement_models import (
    Reconciled,
    ReconcileRequest,
    SettlementFetchRequest,
    SettlementListRequest,
    SettlementReports,
    StoredSettlementReport,
)
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from domain.settlement import SettlementReport
from tests.e2e.histories import decoded_json, save_histories
from workflows.settlement_intake import (
    SettlementIntake,
    SettlementIntakeInput,
    SettlementIntakeProgress,
    settlement_intake_id,
)

T0 = datetime(2026, 7, 1, tzinfo=UTC)
LIST_QUEUE, FETCH_QUEUE = "amazon-getReports", "amazon-getReportDocument"


def report(number: int) -> SettlementReport:
    return SettlementReport(report_id=f"R{number}", document_id=f"D{number}", created_at=T0)


class Standins:
    """The three activities, recording what each was asked, on which queue."""

    def __init__(self, listed: list[SettlementReport], refuse: set[str]) -> None:
        self.listed, self.refuse = listed, refuse
        self.calls: list[tuple[str, str, str]] = []  # (activity, queue, report or settlement)
        self.list_fails = False
        self.main = ""  # the workflow's own queue, where reconcile runs

    def workers(self, env: WorkflowEnvironment, main: str) -> list[Worker]:
        self.main = main

        @activity.defn(name="list_settlement_reports")
        async def list_reports(request: SettlementListRequest) -> SettlementReports:
            self.calls.append(("list", activity.info().task_queue, request.account))
            if self.list_fails:
                raise ApplicationError(
                    "LWA refused", type="CHANNEL_AUTH_FAILED", non_retryable=True
                )
            return SettlementReports(reports=self.listed)

        @activity.defn(name="store_settlement_report")
        async def store(request: SettlementFetchRequest) -> StoredSettlementReport:
            report_id = request.report.report_id
            self.calls.append(("store", activity.info().task_queue, report_id))
            if report_id in self.refuse:
                raise ApplicationError(
                    f"settlement S{report_id}: rows sum to 10.00, total-amount is 11.00",
                    type=ExceptionKind.SETTLEMENT_UNBALANCED.value,
                    non_retryable=True,
                )
            return StoredSettlementReport(
                report_id=report_id,
                settlement_id=f"S{report_id}",
                new=report_id != "R3",  # R3: stored by an earlier run's attempt
                deposit="10.00 USD",
                rows=4,
            )

        @activity.defn(name="reconcile_settlement")
        async def reconcile(request: ReconcileRequest) -> Reconciled:
            self.calls.append(("reconcile", activity.info().task_queue, request.settlement_id))
            return Reconciled(
                settlement_id=request.settlement_id, differences={"quantity_differs": 1}
            )

        return [
            Worker(
                env.client, task_queue=main, workflows=[SettlementIntake], activities=[reconcile]
            ),
            Worker(env.client, task_queue=LIST_QUEUE, activities=[list_reports]),
            Worker(env.client, task_queue=FETCH_QUEUE, activities=[store]),
        ]


async def run_intake(
    env: WorkflowEnvironment, standins: Standins
) -> tuple[WorkflowHandle[SettlementIntake, SettlementIntakeProgress], SettlementIntakeProgress]:
    main = f"settlements-{uuid.uuid4()}"
    workers = standins.workers(env, main)
    for worker in workers:
        await worker.__aenter__()
    try:
        handle = await env.client.start_workflow(
            SettlementIntake.run,
            SettlementIntakeInput(channel="amazon", account="A1"),
            id=f"{settlement_intake_id('amazon', 'A1')}-{uuid.uuid4()}",
            task_queue=main,
        )
        return handle, await handle.result()
    finally:
        for worker in reversed(workers):
            await worker.__aexit__(None, None, None)


async def exception_kind(
    handle: WorkflowHandle[SettlementIntake, SettlementIntakeProgress],
) -> str | None:
    described = await handle.describe()
    return described.typed_search_attributes.get(sa.EXCEPTION_KIND)


async def test_a_refused_report_is_named_and_the_others_flow(time_env: WorkflowEnvironment) -> None:
    standins = Standins([report(1), report(2), report(3)], refuse={"R2"})
    handle, result = await run_intake(time_env, standins)
    assert standins.calls == [
        ("list", LIST_QUEUE, "A1"),
        ("store", FETCH_QUEUE, "R1"),
        ("reconcile", standins.main, "SR1"),
        ("store", FETCH_QUEUE, "R2"),
        ("store", FETCH_QUEUE, "R3"),
        ("reconcile", standins.main, "SR3"),
    ]
    assert result.listed == 3
    assert result.stored == ["SR1"] and result.already_stored == 1
    [refused] = result.refused
    assert refused.report_id == "R2" and refused.kind is ExceptionKind.SETTLEMENT_UNBALANCED
    assert "total-amount" in refused.message
    assert result.differences == {"quantity_differs": 2}
    assert result.last_error_kind is ExceptionKind.SETTLEMENT_UNBALANCED
    assert await exception_kind(handle) == ExceptionKind.SETTLEMENT_UNBALANCED.value
    if target := os.environ.get("CONSIGN_CAPTURE_HISTORIES"):
        history = await handle.fetch_history()
        save_histories({"settlement_intake_refused": await decoded_json(history)}, Path(target))


async def test_a_clean_run_shows_no_exception(time_env: WorkflowEnvironment) -> None:
    standins = Standins([report(1)], refuse=set())
    handle, result = await run_intake(time_env, standins)
    assert result.stored == ["SR1"] and result.refused == []
    assert result.last_error is None and await exception_kind(handle) is None


async def test_a_listing_refused_for_good_ends_the_run_named(time_env: WorkflowEnvironment) -> None:
    standins = Standins([report(1)], refuse=set())
    standins.list_fails = True
    handle, result = await run_intake(time_env, standins)
    assert [call[0] for call in standins.calls] == ["list"]
    assert result.last_error_kind is ExceptionKind.CHANNEL_AUTH_FAILED
    assert await exception_kind(handle) == ExceptionKind.CHANNEL_AUTH_FAILED.value
