"""No invisible retries in the intakes: a read that keeps failing for a passing reason shows in
the intake's progress (`retrying`: which call, attempts, last failure) and as ACTIVITY_RETRYING
in its ExceptionKind search attribute once a round of retries runs out, both cleared when the
read succeeds, and what it then reads flows on. A page that breaks the contract fails for good
at once (no retries): the intake shows the named kind until a poke reads it again.

Each intake runs here with stand-in activities on the time-skipping server. Before the change
the intakes retried without bound and showed nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import (
    ChangeBatch,
    ChangeSet,
    DeliveryReport,
    EventDelivery,
    EventsPulled,
    PollRequest,
    PullRequest,
    StartReport,
    StockNotice,
    StockPulled,
)
from domain import search_attributes as sa
from domain.exceptions import ExceptionKind
from integrations.registry import Channel
from tests.workflows.fakes import dispatch, make_order, parcel
from tests.workflows.test_intakes import change
from tests.workflows.time_skipping import round_span, skip
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress
from workflows.intakes import QUICK_FIRST_ROUND, IntakeHealth
from workflows.stock_intake import StockIntake, StockIntakeInput, StockIntakeProgress
from workflows.warehouse_intake import (
    WarehouseIntake,
    WarehouseIntakeInput,
    WarehouseIntakeProgress,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
QUIET = 24 * 3600.0  # poll interval: after a poll the intake waits for the test
FIRST = QUICK_FIRST_ROUND.maximum_attempts


def outage(attempts: int) -> list[Exception]:
    """A passing failure, as activities/errors.classify raises one for a 503."""
    return [
        ApplicationError("GXO events: HTTP 503 SERVICE_UNAVAILABLE", type="GXO_TRANSIENT")
        for _ in range(attempts)
    ]


def broken(kind: ExceptionKind) -> list[Exception]:
    """A page that breaks the contract, as activities/errors.classified raises it."""
    return [ApplicationError("response does not match the contract", type=kind, non_retryable=True)]


@dataclass
class Read:
    """The intake's read: `failures` first, one per call, then its page."""

    failures: list[Exception]
    calls: int = 0
    handed: list[str] = field(default_factory=list)  # what the intake handed on afterwards

    def answer(self) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)


@dataclass
class Intake:
    """One intake as the test starts it: its workflow, input, activities and what it reads."""

    name: str
    workflow: Any  # the workflow class
    params: BaseModel
    progress: type[IntakeHealth]
    read_name: str
    activities: Callable[[Read], dict[str, list[Callable[..., Any]]]]  # queue -> activities
    expected: list[str]  # what the read's page hands on
    kind: ExceptionKind  # what a page breaking the contract is named


def channel_activities(read: Read) -> dict[str, list[Callable[..., Any]]]:
    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        read.answer()
        return ChangeBatch(changes=[change("A")], cursor=T0 + timedelta(hours=1))

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        read.handed.extend(c.ref.order_id for c in batch.changes)
        return StartReport(signalled=len(batch.changes))

    return {"": [start, poll]}  # polls run on the main queue since wip/notify


EVENT = dispatch(make_order(), 1, parcel("P1", ("10000", 1)))


def warehouse_activities(read: Read) -> dict[str, list[Callable[..., Any]]]:
    @activity.defn(name="pull_warehouse_events")
    async def pull(request: PullRequest) -> EventsPulled:
        read.answer()
        return EventsPulled(events=[EVENT] if request.cursor == 0 else [], next_cursor=1)

    @activity.defn(name="deliver_warehouse_events")
    async def deliver(batch: EventDelivery) -> DeliveryReport:
        read.handed.extend(e.event_id for e in batch.events)
        return DeliveryReport(delivered=len(batch.events))

    return {"": [pull, deliver]}


def stock_activities(read: Read) -> dict[str, list[Callable[..., Any]]]:
    @activity.defn(name="pull_stock_changes")
    async def pull(request: PullRequest) -> StockPulled:
        read.answer()
        items = ["I-1"] if request.cursor == 0 else []
        return StockPulled(next_cursor=1, items=items, count=len(items))

    @activity.defn(name="notify_stock_changed")
    async def notify(notice: StockNotice) -> None:
        read.handed.extend(notice.items)

    return {"": [pull, notify]}


INTAKES = [
    Intake(
        "channel",
        ChannelIntake,
        ChannelIntakeInput(
            channel=Channel.AMAZON, account="A1", cursor=T0, poll_interval_seconds=QUIET
        ),
        IntakeProgress,
        "poll_channel_changes",
        channel_activities,
        ["A"],
        ExceptionKind.INVALID_CHANNEL_DATA,
    ),
    Intake(
        "warehouse",
        WarehouseIntake,
        WarehouseIntakeInput(facility_id="GXO-UK-DAV", poll_interval_seconds=QUIET),
        WarehouseIntakeProgress,
        "pull_warehouse_events",
        warehouse_activities,
        [EVENT.event_id],
        ExceptionKind.INVALID_WAREHOUSE_DATA,
    ),
    Intake(
        "stock",
        StockIntake,
        StockIntakeInput(
            facility_id="GXO-UK-DAV",
            cursor=0,
            poll_interval_seconds=QUIET,
            inventory_syncs=["inventory:amazon:A1"],
        ),
        StockIntakeProgress,
        "pull_stock_changes",
        stock_activities,
        ["I-1"],
        ExceptionKind.INVALID_WAREHOUSE_DATA,
    ),
]


@asynccontextmanager
async def running(
    env: WorkflowEnvironment, intake: Intake, read: Read
) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """The intake with its stand-in activities, terminated on the way out."""
    main = f"rounds-{uuid.uuid4()}"
    by_queue = intake.activities(read)
    async with AsyncExitStack() as stack:
        for queue, activities in by_queue.items():
            workflows = [intake.workflow] if not queue else []
            worker = Worker(
                env.client, task_queue=queue or main, workflows=workflows, activities=activities
            )
            await stack.enter_async_context(worker)
        handle = await env.client.start_workflow(
            intake.workflow.run, intake.params, id=f"{main}-{intake.name}", task_queue=main
        )
        yield handle
        await handle.terminate("test done")


async def progress_until(
    handle: WorkflowHandle[Any, Any], model: type[IntakeHealth], done: Callable[[Any], bool]
) -> Any:
    """A bound on attempts (60 s), not a timing assertion."""
    for _ in range(2400):
        progress = await handle.query("progress", result_type=model)
        if done(progress):
            return progress
        await asyncio.sleep(0.025)
    raise AssertionError(f"never reached; last {progress!r}")


async def shown_kind(handle: WorkflowHandle[Any, Any]) -> str | None:
    return (await handle.describe()).typed_search_attributes.get(sa.EXCEPTION_KIND)


async def shown_state(handle: WorkflowHandle[Any, Any]) -> str | None:
    return (await handle.describe()).typed_search_attributes.get(sa.INTAKE_STATE)


@pytest.mark.parametrize("intake", INTAKES, ids=[i.name for i in INTAKES])
async def test_a_read_that_keeps_failing_shows_until_it_recovers_and_nothing_is_lost(
    time_env: WorkflowEnvironment, intake: Intake
) -> None:
    read = Read(failures=outage(FIRST + 2))  # the first round runs out; the second recovers
    async with running(time_env, intake, read) as handle:
        # Past the first round (~3.3 min), before the next round's second attempt.
        await skip(
            time_env,
            round_span(QUICK_FIRST_ROUND) + timedelta(minutes=1),
            step=timedelta(minutes=1),
        )
        progress = await progress_until(handle, intake.progress, lambda p: p.retrying is not None)
        assert progress.retrying.activity == intake.read_name
        assert progress.retrying.attempts == FIRST
        assert "GXO_TRANSIENT" in progress.retrying.last_failure
        assert "HTTP 503" in progress.retrying.last_failure
        assert progress.last_error is None and progress.last_error_kind is None
        assert await shown_kind(handle) == ExceptionKind.ACTIVITY_RETRYING.value
        assert await shown_state(handle) == "RETRYING"
        assert read.handed == []

        await skip(time_env, timedelta(minutes=20), step=timedelta(minutes=1))  # round two
        recovered = await progress_until(
            handle, intake.progress, lambda p: p.retrying is None and p.polls >= 1
        )
        assert recovered.last_error is None
        assert await shown_kind(handle) is None and await shown_state(handle) is None
        assert read.handed == intake.expected  # what it read once it recovered flowed on
        assert read.calls == FIRST + 3


@pytest.mark.parametrize("intake", INTAKES, ids=[i.name for i in INTAKES])
async def test_a_page_that_breaks_the_contract_shows_its_kind_at_once_until_read_again(
    time_env: WorkflowEnvironment, intake: Intake
) -> None:
    read = Read(failures=broken(intake.kind))
    async with running(time_env, intake, read) as handle:
        failed = await progress_until(handle, intake.progress, lambda p: p.last_error is not None)
        assert failed.last_error_kind is intake.kind
        assert f"{intake.kind.value}: response does not match the contract" == failed.last_error
        assert failed.retrying is None
        assert await shown_kind(handle) == intake.kind.value
        assert await shown_state(handle) == "PAUSED"
        assert read.calls == 1  # not retried
        assert read.handed == []

        await handle.signal("poll_now")  # e.g. once GXO or the channel fixed its answer
        recovered = await progress_until(handle, intake.progress, lambda p: p.polls >= 1)
        assert recovered.last_error is None and recovered.last_error_kind is None
        assert await shown_kind(handle) is None and await shown_state(handle) is None
        assert read.handed == intake.expected
        assert read.calls == 2
