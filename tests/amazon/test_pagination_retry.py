"""A page token stays valid for a retry: the reader sends it again after a failure and gets the
same page (the sandbox, in process, keeps Amazon's rule), and the intake workflow re-sends the
same token after a failed poll, whether Temporal retries the activity or the intake does. (A
token Amazon no longer knows: test_orders_v2026.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from activities.models import ChangeBatch, ChangeSet, PollRequest, StartReport
from domain.order import ChannelOrderStatus, FulfilledBy, OrderChange, OrderRef
from integrations.amazon.errors import AmazonUnavailable
from integrations.amazon.factory import build_amazon_client
from integrations.registry import Channel
from sandbox.amazon.app import create_app
from sandbox.amazon.generator import GenerateRequest
from sandbox.amazon.state import AmazonSandbox
from tests.amazon.sandboxed import CheckedTransport, ManualClock, sandbox_settings
from tests.workflows.conftest import start_time_skipping
from tests.workflows.test_intakes import poll_until
from workflows.channel_intake import ChannelIntake, ChannelIntakeInput, IntakeProgress

SINCE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> AmazonSandbox:
    state = AmazonSandbox(clock=clock, rate_scale=1000.0)
    state.generate(GenerateRequest(count=7, seed=5, spread_minutes=90, afn_share=0))
    clock.advance(600)  # every order has settled past Amazon's two-minute rule
    return state


class LosingTransport(CheckedTransport):
    """Amazon serves the request, then the answer is lost on the way back (a read timeout)."""

    lose_next = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if self.lose_next:
            self.lose_next = False
            raise httpx.ReadTimeout("response lost", request=request)
        return response


@pytest.mark.parametrize("reader", ["v2026", "v0"])
async def test_a_lost_page_is_read_again_with_the_same_token(
    sandbox: AmazonSandbox, clock: ManualClock, reader: str
) -> None:
    transport = LosingTransport(create_app(sandbox))
    async with httpx.AsyncClient(transport=transport) as http:
        client = build_amazon_client(sandbox_settings(reader), http=http, clock=clock)
        client.reader.page_size = 3  # type: ignore[attr-defined]
        first = await client.reader.search_changes(SINCE, None)
        assert first.next_page_token is not None
        transport.lose_next = True
        with pytest.raises(AmazonUnavailable):  # Amazon served the page; the answer was lost
            await client.reader.search_changes(SINCE, first.next_page_token)
        second = await client.reader.search_changes(SINCE, first.next_page_token)
        assert second.next_page_token is not None
        third = await client.reader.search_changes(SINCE, second.next_page_token)
    seen = [c.ref.order_id for page in (first, second, third) for c in page.changes]
    assert sorted(seen) == sorted(sandbox.orders)  # every order once: none skipped, none twice
    assert third.next_page_token is None and third.cursor > SINCE


def change(order_id: str) -> OrderChange:
    return OrderChange(
        ref=OrderRef(channel=Channel.AMAZON, account="A1", order_id=order_id),
        status=ChannelOrderStatus.READY,
        fulfilled_by=FulfilledBy.MERCHANT,
        last_updated_at=SINCE,
    )


async def test_the_intake_sends_the_same_page_token_after_a_failed_poll() -> None:
    polls: list[PollRequest] = []
    handed: list[list[str]] = []
    failures = ["transient", "permanent"]  # page two fails twice before it is read

    @activity.defn(name="poll_channel_changes")
    async def poll(request: PollRequest) -> ChangeBatch:
        polls.append(request)
        if request.page_token is None:
            return ChangeBatch(changes=[change("A")], next_page_token="p2", cursor=request.since)
        if failures:
            kind = failures.pop(0)
            raise ApplicationError(
                f"searchOrders failed ({kind})",
                type="AMAZON_TRANSIENT" if kind == "transient" else "CHANNEL_REJECTED",
                non_retryable=kind == "permanent",
            )
        return ChangeBatch(changes=[change("B")], cursor=SINCE + timedelta(hours=1))

    @activity.defn(name="start_order_workflows")
    async def start(batch: ChangeSet) -> StartReport:
        handed.append([c.ref.order_id for c in batch.changes])
        return StartReport(signalled=len(batch.changes))

    env = await start_time_skipping()
    queue = f"intake-{uuid.uuid4()}"
    try:
        async with (
            Worker(
                env.client, task_queue=queue, workflows=[ChannelIntake], activities=[start, poll]
            ),
        ):
            handle = await env.client.start_workflow(
                ChannelIntake.run,
                ChannelIntakeInput(channel=Channel.AMAZON, account="A1", cursor=SINCE),
                id=f"intake-{uuid.uuid4()}",
                task_queue=queue,
            )
            await poll_until(handle, "progress", IntakeProgress, lambda p: p.last_error is not None)
            await env.sleep(timedelta(minutes=6))  # the intake's pause after a failure ends
            await poll_until(
                handle, "progress", IntakeProgress, lambda p: p.cursor == SINCE + timedelta(hours=1)
            )
            await handle.terminate("test done")
    finally:
        await env.shutdown()
    assert [p.page_token for p in polls[:4]] == [None, "p2", "p2", "p2"]
    assert all(p.since == SINCE for p in polls[:4])  # the scan never restarted or moved on
    assert handed[:2] == [["A"], ["B"]]
