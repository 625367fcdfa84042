"""ChannelIntake hands each order notice over once: polls that re-read an overlapping window
(and sweeps of every open order) must not signal the same notice to an order again and again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.models import ChangeBatch, ChangeSet, PollRequest, StartReport
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from integrations.registry import Channel
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def change(order_id: str, updated: datetime, status: ChannelOrderStatus) -> OrderChange:
    return OrderChange(
        ref=OrderRef(channel=Channel.AMAZON, account="A1", order_id=order_id),
        status=status,
        fulfilled_by=FulfilledBy.MERCHANT,
        last_updated_at=updated,
    )


async def test_a_notice_re_read_by_every_poll_is_handed_over_once(
    time_env: WorkflowEnvironment,
) -> None:
    pending = change("A", T0, ChannelOrderStatus.PENDING)
    cleared = change("A", T0 + timedelta(minutes=5), ChannelOrderStatus.READY)
    window = [pending]  # what every poll re-reads of the overlapping window
    polls: list[PollRequest] = []
    handed: list[OrderChange] = []

    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        polls.append(request)
        return ChangeBatch(changes=list(window), cursor=request.since)

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        handed.extend(batch.changes)
        return StartReport(signalled=len(batch.changes))

    queue = f"intake-{uuid.uuid4()}"
    async with (
        Worker(
            time_env.client, task_queue=queue, workflows=[ChannelIntake], activities=[start, poll]
        ),
    ):
        handle = await time_env.client.start_workflow(
            ChannelIntake.run,
            ChannelIntakeInput(
                channel=Channel.AMAZON, account="A1", cursor=T0, poll_interval_seconds=1
            ),
            id=f"intake-{uuid.uuid4()}",
            task_queue=queue,
        )
        await time_env.sleep(timedelta(seconds=30))  # a 1 s poll: ~25 polls
        progress = await handle.query(ChannelIntake.progress)
        assert isinstance(progress, IntakeProgress)
        assert len(polls) >= 25
        assert handed == [pending]
        window.append(cleared)  # the order changes: that notice is news, once
        await time_env.sleep(timedelta(seconds=10))
        for _ in range(400):  # a bound (10 s), not a timing assertion
            if len(handed) == 2:
                break
            await asyncio.sleep(0.025)
        assert handed == [pending, cleared]
        await handle.terminate("test done")
