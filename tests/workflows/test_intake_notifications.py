"""An order created at Amazon reaches its OrderFulfillment through the ORDER_CHANGE
notification, not the poll: the Amazon sandbox in process publishes to an SQS queue (moto, in
process), the worker's reader (the Amazon module's listener, as worker.py starts it) hands the
order, with the change the notification's summary states, to ChannelIntake, which starts its
workflow without reading the order. The intake polls
every three days and has polled once before the order existed, so nothing but the notification
can bring the order in (without the reader this test fails at its bound)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import httpx
import pytest
import pytest_asyncio
from moto import mock_aws
from sqlalchemy import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.channel import ChannelActivities
from activities.delivery import DeliveryActivities
from domain.order import OrderChange, OrderRef
from domain.setaside import SetAsideRecord
from integrations.amazon.factory import build_amazon_client
from integrations.amazon.module import AMAZON
from integrations.amazon.port import AmazonChannel
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.generator import OrderSpec
from sandbox.amazon.notifications import Publisher, sqs_sender
from sandbox.amazon.state import AmazonSandbox
from store.migrate import open_store
from store.set_aside import keep_set_aside
from tests.amazon.sandboxed import START, CheckedTransport, ManualClock, sandbox_settings
from tests.workflows.test_intakes import poll_until
from webhooks import notify_intake
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress, intake_id

REGION = "eu-west-1"
AWS = f"https://sqs.{REGION}.amazonaws.com"  # moto answers for AWS's own endpoint
DAYS = 3 * 24 * 3600.0


@pytest.fixture
def sqs() -> Iterator[tuple[str, str]]:
    """An SQS queue in moto: (url, arn)."""
    with mock_aws():
        client = boto3.session.Session().client("sqs", region_name=REGION)
        url = client.create_queue(QueueName="consign-order-change")["QueueUrl"]
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        yield url, attributes["Attributes"]["QueueArn"]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path}/store.db")
    yield engine
    engine.dispose()


@dataclass
class Amazon:
    sandbox: AmazonSandbox
    channel: AmazonChannel


@pytest_asyncio.fixture
async def amazon(sqs: tuple[str, str]) -> AsyncIterator[Amazon]:
    """The sandbox at Amazon's real rates, subscribed to the queue (`consign amazon
    notifications setup`), its publisher sending to the queue in the background."""
    clock = ManualClock()
    sandbox = AmazonSandbox(clock=clock, rate_scale=1.0)
    _, arn = sqs
    publisher = Publisher(sandbox, sqs_sender(AWS))
    async with httpx.AsyncClient(transport=CheckedTransport(create_app(sandbox))) as http:
        client = build_amazon_client(
            sandbox_settings(), http=http, clock=clock, pacer=clock.pacer()
        )
        await client.notifications.setup(arn)
        publisher.start()
        try:
            yield Amazon(sandbox, AmazonChannel(client))
        finally:
            publisher.stop()


async def started(env: WorkflowEnvironment, workflow_id: str) -> WorkflowHandle:
    handle = env.client.get_workflow_handle(workflow_id)
    for _ in range(1200):  # a bound (30 s), not a timing assertion
        try:
            await handle.describe()
            return handle
        except RPCError:
            await asyncio.sleep(0.025)
    raise AssertionError(f"{workflow_id} was never started")


async def test_a_new_order_reaches_its_workflow_through_the_notification(
    time_env: WorkflowEnvironment,
    amazon: Amazon,
    sqs: tuple[str, str],
    engine: Engine,
) -> None:
    queue_url, _ = sqs
    seller = amazon.sandbox.seller_id
    main = f"consign-{uuid.uuid4()}"
    channel = ChannelActivities({(Channel.AMAZON, seller): amazon.channel}, engine)
    delivery = DeliveryActivities(time_env.client, engine, f"orders-{uuid.uuid4()}")
    intake = ChannelIntakeInput(
        channel=Channel.AMAZON,
        account=seller,
        cursor=START - timedelta(hours=1),
        poll_interval_seconds=DAYS,
    )
    settings = sandbox_settings().model_copy(
        update={"notifications_queue_url": queue_url, "sqs_region": REGION, "sqs_wait_seconds": 1}
    )
    listener = AMAZON.listener(settings)
    assert listener is not None

    async def notify(order_ids: list[str], changes: list[OrderChange]) -> None:
        await notify_intake(time_env.client, intake, main, order_ids, changes)

    async def set_aside(records: list[SetAsideRecord]) -> None:
        await asyncio.to_thread(keep_set_aside, engine, records)

    async with Worker(
        time_env.client,
        task_queue=main,
        workflows=[ChannelIntake],
        activities=[channel.poll_changes, delivery.start_order_workflows],
    ):
        handle = await time_env.client.start_workflow(
            ChannelIntake.run, intake, id=intake_id(Channel.AMAZON, seller), task_queue=main
        )
        first = await poll_until(handle, "progress", IntakeProgress, lambda p: p.polls == 1)
        reader = asyncio.create_task(listener(notify, set_aside))
        try:
            (order,) = amazon.sandbox.create([OrderSpec()])
            ref = OrderRef(channel=Channel.AMAZON, account=seller, order_id=order.order_id)
            fulfilment = await started(time_env, ref.workflow_id)
            progress = await poll_until(
                handle, "progress", IntakeProgress, lambda p: p.signalled == 1
            )
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        await handle.terminate("test done")

    # One scan before the order; the notification's summary was handed over as the change, so
    # the intake never read the order (its workflow reads it), and the cursor never moved on.
    assert progress.cursor == first.cursor and progress.polls == 1
    calls = amazon.sandbox.calls
    assert (calls["searchOrders"], calls["getOrder:2026-01-01"]) == (1, 0), calls
    history = await fulfilment.fetch_history()
    kinds = [event.event_type for event in history.events]
    assert kinds[0] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED in kinds
    # The message was deleted once the intake held the order.
    client = boto3.session.Session().client("sqs", region_name=REGION)
    left = client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert left == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
