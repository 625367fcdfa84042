"""A stand-in ChannelIntake for the Centra webhook tests: records the `orders_notified` signals
it receives (and the intake it was started as) instead of polling Centra. It runs on a task
queue of its own, so it never meets the real workflow or the shared stand-ins."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from workflows.channel_intake import ORDERS_NOTIFIED_SIGNAL, ChannelIntakeInput, OrdersNotified

NOTICES_QUERY = "notices"
STARTED_AS_QUERY = "started_as"


@workflow.defn(name="ChannelIntake")
class StandInChannelIntake:
    """One entry per `orders_notified` signal, in arrival order; runs until the server stops."""

    def __init__(self) -> None:
        self.notices: list[list[str]] = []
        self.params: ChannelIntakeInput | None = None

    @workflow.run
    async def run(self, params: ChannelIntakeInput) -> None:
        self.params = params
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name=ORDERS_NOTIFIED_SIGNAL)
    def orders_notified(self, notice: OrdersNotified) -> None:
        self.notices.append(list(notice.order_ids))

    @workflow.query(name=NOTICES_QUERY)
    def received(self) -> list[list[str]]:
        return self.notices

    @workflow.query(name=STARTED_AS_QUERY)
    def started_as(self) -> dict[str, str]:
        if self.params is None:
            return {}
        return {"channel": self.params.channel, "account": self.params.account}


@asynccontextmanager
async def centra_intake_worker(client: Client) -> AsyncIterator[str]:
    """A worker for the stand-in on a fresh task queue; yields the queue's name."""
    queue = f"centra-webhook-tests-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[StandInChannelIntake],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        yield queue
