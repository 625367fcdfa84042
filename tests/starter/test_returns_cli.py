"""`consign returns` and `consign return show|retry` against the shared dev server, with the
real ReturnFulfillment and stand-in activities (tests/workflows/test_return_fulfillment.py):
a return that never arrives parks as RETURN_NOT_ARRIVED within a second (a fraction of a day),
is listed by stage and exception, shown, and closed by `retry --accept`; returns whose refund
the policy left to a person are listed by `--refund-due`, and the JSON rows name the decision."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.worker import Worker

from domain.returns import (
    RETURN_RECEIVED_SIGNAL,
    ReturnFulfillmentInput,
    ReturnRef,
    ReturnStage,
)
from integrations.centra.module import CENTRA
from integrations.registry import get_settings
from starter.client import CliError
from starter.returns_cli import resolve_return_id, returns_query
from tests.starter.conftest import Invoke, OrderServer, unique_account
from tests.workflows.test_return_fulfillment import Returnside, receipt
from workflows.return_fulfillment import ReturnFulfillment

SECOND_IN_DAYS = 1 / 86400


def test_the_query_validates_stage_exception_and_channel() -> None:
    assert returns_query(stage="exception", exception="return_not_arrived", channel="CENTRA") == (
        "WorkflowType = 'ReturnFulfillment' AND ReturnStage = 'EXCEPTION' "
        "AND ExceptionKind = 'RETURN_NOT_ARRIVED' AND Channel = 'centra'"
    )
    with pytest.raises(CliError, match="unknown stage"):
        returns_query(stage="lost")
    with pytest.raises(CliError, match="no returns for channel 'ebay'"):
        returns_query(channel="ebay")


def test_a_bare_rma_takes_the_channel_given_and_its_account() -> None:
    full = "return:centra:shop1:42"
    assert resolve_return_id(full, None, None) == full
    assert resolve_return_id("42", "centra", "shop1") == full
    get_settings.cache_clear()
    account = CENTRA.settings_of(get_settings()).account
    assert resolve_return_id("42", "centra", None) == f"return:centra:{account}:42"
    with pytest.raises(CliError, match="give --channel"):  # Amazon and Centra both take returns
        resolve_return_id("42", None, None)
    with pytest.raises(CliError, match="not a workflow id"):
        resolve_return_id("return:centra", None, None)


@pytest.fixture
async def returns_worker(order_server: OrderServer) -> AsyncIterator[str]:
    queue = f"returns-cli-{uuid.uuid4()}"
    side = Returnside()
    async with Worker(
        order_server.client,
        task_queue=queue,
        workflows=[ReturnFulfillment],
        activities=side.activities(),
    ):
        yield queue


async def test_list_show_and_accept_a_return_that_never_arrived(
    order_server: OrderServer, returns_worker: str, cli: Invoke
) -> None:
    account = unique_account()
    ref = ReturnRef(channel="centra", account=account, rma="501")
    handle = await order_server.client.start_workflow(
        ReturnFulfillment.run,
        ReturnFulfillmentInput(ref=ref, not_arrived_days=SECOND_IN_DAYS),
        id=ref.workflow_id,
        task_queue=returns_worker,
    )
    query = f"ChannelAccount = '{account}' AND ReturnStage = 'EXCEPTION'"
    await order_server.wait_visible(query, 1)
    where = ["--address", order_server.address]

    listed = await cli("returns", *where, "--account", account, "--exception", "return_not_arrived")
    assert listed.exit_code == 0, listed.output
    assert "501" in listed.output and "RETURN_NOT_ARRIVED" in listed.output
    assert "1 return(s)" in listed.output
    other = await cli("returns", *where, "--account", account, "--stage", "done")
    assert "0 return(s)" in other.output

    shown = await cli("return", "show", "501", *where, "--channel", "centra", "--account", account)
    assert shown.exit_code == 0, shown.output
    assert "RETURN_NOT_ARRIVED" in shown.output and "GXO-1" in shown.output

    retried = await cli("return", "retry", ref.workflow_id, *where, "--accept", "--reason", "lost")
    assert retried.exit_code == 0, retried.output
    assert f"retry of {ref.workflow_id}" in retried.output
    done = await handle.result()
    assert done.stage is ReturnStage.DONE and done.completed and not done.refunded
    assert any("(accept): lost" in note for note in done.history)

    again = await cli("return", "retry", "501", *where, "--channel", "centra", "--account", account)
    assert again.exit_code != 0 and "already closed" in again.output


def test_refund_due_asks_for_the_decisions_left_to_a_person() -> None:
    assert returns_query(account="shop1", refund_due=True) == (
        "WorkflowType = 'ReturnFulfillment' AND RefundDecision IN ('OPERATOR', 'CREDIT_DUE') "
        "AND ChannelAccount = 'shop1'"
    )


async def test_refund_due_lists_the_closed_returns_a_person_must_refund(
    order_server: OrderServer, returns_worker: str, cli: Invoke
) -> None:
    """Two returns close: one refunded by consign, one with a unit GXO reported NOT_RECEIVED
    (decision OPERATOR, completed without a refund). Only the second is refund-due; --json
    rows carry each decision."""
    account = unique_account()
    receipts = {
        "601": (("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "SELLABLE")),
        "602": (("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "NOT_RECEIVED")),
    }
    for rma, lines in receipts.items():
        ref = ReturnRef(channel="centra", account=account, rma=rma)
        handle = await order_server.client.start_workflow(
            ReturnFulfillment.run,
            ReturnFulfillmentInput(ref=ref),
            id=ref.workflow_id,
            task_queue=returns_worker,
        )
        await handle.signal(RETURN_RECEIVED_SIGNAL, receipt(rma, f"RC-{rma}", *lines))
        assert (await handle.result()).stage is ReturnStage.DONE
    await order_server.wait_visible(
        f"ChannelAccount = '{account}' AND ExecutionStatus = 'Completed'", 2
    )
    where = ["--address", order_server.address, "--account", account]

    due = await cli("returns", *where, "--refund-due", "--json")
    assert due.exit_code == 0, due.output
    assert [(row["rma"], row["refund_decision"]) for row in json.loads(due.output)] == [
        ("602", "OPERATOR")
    ]
    every = await cli("returns", *where, "--stage", "done", "--json")
    decisions = {row["rma"]: row["refund_decision"] for row in json.loads(every.output)}
    assert decisions == {"601": "REFUND", "602": "OPERATOR"}
    table = await cli("returns", *where, "--refund-due")
    assert "1 return(s)" in table.output and "OPERATOR" in table.output
