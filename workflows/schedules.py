"""The Temporal Schedules a deployment runs: one per SettlementIntake (workflows/deployment.py
`settlement_inputs`), firing every CONSIGN_SETTLEMENT_INTERVAL_MINUTES, and the health monitor's
(monitoring.py, every CONSIGN_MONITOR_MINUTES). The worker makes sure
of them on every start: a missing schedule is created, an existing one updated to today's
interval and input (so a changed setting takes effect on the next start), never duplicated."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from config import Settings
from domain import search_attributes as sa
from integrations.registry import account_queue
from workflows.deployment import settlement_inputs
from workflows.intakes import TASK_TIMEOUT
from workflows.settlement_intake import (
    SettlementIntake,
    SettlementIntakeInput,
    settlement_intake_id,
)


def settlement_schedule(
    intake: SettlementIntakeInput, every: timedelta, task_queue: str
) -> Schedule:
    """Fires every `every`; a firing while the last run is still busy is skipped."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            SettlementIntake.run,
            intake,
            id=settlement_intake_id(intake.channel, intake.account),
            task_queue=task_queue,
            task_timeout=TASK_TIMEOUT,
            typed_search_attributes=sa.of_account(intake.channel, intake.account),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_settlement_schedules(
    client: Client, settings: Settings, task_queue: str
) -> list[str]:
    """Create or update the settlement schedule of every account the settings run, starting
    its runs on `task_queue` (the intake queue: an update moves the next firing there; a
    non-default account's, with its suffix); their ids."""
    every = timedelta(minutes=settings.settlement_interval_minutes)

    def queue(channel: str, account: str) -> str:
        return account_queue(settings, channel, account, task_queue)

    return await ensure_schedules(client, settlement_inputs(settings), every, queue)


async def ensure_schedules(
    client: Client,
    intakes: Sequence[SettlementIntakeInput],
    every: timedelta,
    task_queue: str | Callable[[str, str], str],
) -> list[str]:
    """Each intake's schedule, starting it on `task_queue` or on the queue of its account the
    mapping gives (each account's activities run on its own queues)."""
    ids = []
    for intake in intakes:
        schedule_id = settlement_intake_id(intake.channel, intake.account)
        queue = task_queue(intake.channel, intake.account) if callable(task_queue) else task_queue
        await ensure_schedule(client, schedule_id, settlement_schedule(intake, every, queue))
        ids.append(schedule_id)
    return ids


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> None:
    """Create the schedule (its first action at once) or update the one there in place."""
    try:
        await client.create_schedule(schedule_id, schedule, trigger_immediately=True)
    except ScheduleAlreadyRunningError:

        def updated(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)
