"""What GXO's returns desk sends that consign cannot act on by itself, pulled from the event
feed and handed on through the real activities to a real ReturnFulfillment (stand-in channel
and GXO calls) on the shared dev server: a receipt that names no RMA is kept unmatched while the
good receipt beside it reaches its return; a disposition with no policy row is read as text,
reaches its return and parks it as UNMAPPED_DISPOSITION with the receipt kept in its status."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from activities.delivery import DeliveryActivities
from activities.models import EventDelivery, PullRequest
from activities.warehouse import WarehouseActivities
from domain.returns import ReturnFulfillmentInput, ReturnRef, ReturnStage
from integrations.gxo import wire
from integrations.gxo.rest import RestWarehouse
from store.unmatched import list_unmatched
from tests.activities.temporal_server import DevServer
from tests.activities.test_intake_set_aside import AT, FakeGxo, rest_over, until
from tests.corpus import kept
from tests.corpus.activity import attempt
from tests.corpus.cases import Case, Corpus, Observed, Outcome, missing, one
from tests.workflows.test_return_fulfillment import Returnside
from workflows.return_fulfillment import STATUS_QUERY, ReturnFulfillment, ReturnStatus

Record = dict[str, Any]
SURFACE = "GXO return receipt"


@pytest.fixture
def facility(unique: Callable[[str], str]) -> str:
    return unique("GXO-R-")


@pytest.fixture
async def feed_and_rest() -> AsyncIterator[tuple[FakeGxo, RestWarehouse]]:
    feed = FakeGxo()
    async with rest_over(feed, 5) as rest:
        yield feed, rest


@pytest.fixture
async def a_return(dev_server: DevServer, facility: str) -> AsyncIterator[WorkflowHandle[Any, Any]]:
    """A running ReturnFulfillment (notice: 2 x GXO-1, 1 x GXO-2) awaiting its receipts."""
    queue = f"corpus-returns-{uuid.uuid4()}"
    ref = ReturnRef(channel="centra", account=f"brand-{facility}", rma="7001")
    async with Worker(
        dev_server.client,
        task_queue=queue,
        workflows=[ReturnFulfillment],
        activities=Returnside().activities(),
    ):
        handle = await dev_server.client.start_workflow(
            ReturnFulfillment.run,
            ReturnFulfillmentInput(ref=ref),
            id=ref.workflow_id,
            task_queue=queue,
        )
        await status_until(handle, lambda s: s.stage is ReturnStage.AWAITING_RECEIPT)
        yield handle
        await handle.terminate("corpus case done")


async def status_until(
    handle: WorkflowHandle[Any, Any], done: Callable[[ReturnStatus], bool]
) -> ReturnStatus:
    async def probe() -> ReturnStatus:
        found: ReturnStatus = await handle.query(STATUS_QUERY, result_type=ReturnStatus)
        return found

    found: ReturnStatus = await until(probe, done)
    return found


def receipt_event(
    facility: str, sequence: int, rma: str | None, account: str, *lines: tuple[str, int, str]
) -> Record:
    return wire.ReturnEvent(
        event_id=f"RV-{facility}-{sequence}",
        sequence=sequence,
        kind="RETURN_RECEIVED",
        facility_id=facility,
        occurred_at=AT,
        receipt=wire.ReturnReceipt(
            receipt_id=f"RC-{facility}-{sequence}",
            rma=rma,
            channel="centra" if rma else None,
            account=account if rma else None,
            received_at=AT,
            lines=[
                wire.ReceiptLine(line_number=n, item_code=code, quantity=qty, disposition=d)
                for n, (code, qty, d) in enumerate(lines, start=1)
            ],
        ),
    ).model_dump(mode="json")


async def pulled_and_delivered(
    feed: FakeGxo,
    rest: RestWarehouse,
    dev_server: DevServer,
    engine: Engine,
    facility: str,
    events: list[Record],
) -> tuple[int, Observed | None]:
    """The real pull and delivery: the receipts handed on to returns, or the failure."""
    feed.events = events
    pulled = await attempt(
        WarehouseActivities(rest, engine).pull_events, PullRequest(facility_id=facility, cursor=0)
    )
    if isinstance(pulled, Observed):
        return 0, pulled
    if pulled.set_aside:
        return 0, Observed("set aside", "; ".join(n.summary() for n in pulled.set_aside))
    delivery = DeliveryActivities(dev_server.client, engine, dev_server.task_queue)
    report = await attempt(delivery.deliver_warehouse_events, EventDelivery(events=pulled.events))
    if isinstance(report, Observed):
        return 0, report
    return report.returns, None


NO_RMA = Case(
    "gxo-return-no-rma",
    SURFACE,
    "a receipt for a parcel that names no RMA, beside a good receipt",
    Outcome("kept unmatched NO_RMA", "naming no RMA"),
)


@one(NO_RMA)
async def test_a_receipt_naming_no_rma(
    case: Case,
    facility: str,
    feed_and_rest: tuple[FakeGxo, RestWarehouse],
    dev_server: DevServer,
    engine: Engine,
    a_return: WorkflowHandle[Any, Any],
    corpus: Corpus,
) -> None:
    account = f"brand-{facility}"
    good = receipt_event(facility, 1, "7001", account, ("GXO-1", 1, "SELLABLE"))
    bad = receipt_event(facility, 2, None, account, ("GXO-9", 1, "SELLABLE"))
    returns, failed = await pulled_and_delivered(
        *feed_and_rest, dev_server, engine, facility, [good, bad]
    )

    assert failed is None, f"the pull or delivery failed: {failed}"
    reasons = [entry.reason or "" for entry in list_unmatched(engine)]
    reason = reasons[0] if len(reasons) == 1 else f"{len(reasons)} unmatched: {reasons}"
    observed = Observed(f"kept unmatched {reason.partition(':')[0]}", reason.partition(": ")[2])
    observed.lost += kept.unmatched(engine, "NO_RMA", json.dumps(bad))
    observed.lost += missing("the good receipt handed on", 1, returns)
    status = await status_until(a_return, lambda s: bool(s.receipts))
    observed.lost += missing(
        "the good receipt at its return",
        [f"RC-{facility}-1"],
        [r.receipt_id for r in status.receipts],
    )
    corpus.check(case, observed)


UNKNOWN_DISPOSITION = Case(
    "gxo-return-unknown-disposition",
    SURFACE,
    "a receipt line with disposition WATER_DAMAGE, which the policy has no row for",
    Outcome("parks UNMAPPED_DISPOSITION", "WATER_DAMAGE"),
)


@one(UNKNOWN_DISPOSITION)
async def test_a_disposition_with_no_policy_row(
    case: Case,
    facility: str,
    feed_and_rest: tuple[FakeGxo, RestWarehouse],
    dev_server: DevServer,
    engine: Engine,
    a_return: WorkflowHandle[Any, Any],
    corpus: Corpus,
) -> None:
    account = f"brand-{facility}"
    sent = receipt_event(
        facility, 1, "7001", account, ("GXO-1", 2, "SELLABLE"), ("GXO-2", 1, "WATER_DAMAGE")
    )
    returns, failed = await pulled_and_delivered(
        *feed_and_rest, dev_server, engine, facility, [sent]
    )

    assert failed is None, f"the pull or delivery failed: {failed}"
    status = await status_until(a_return, lambda s: s.exception is not None)
    assert status.exception is not None
    observed = Observed(f"parks {status.exception.kind.value}", status.exception.message)
    observed.lost += missing("the receipt handed on", 1, returns)
    observed.lost += missing(
        "the receipt kept in the return's status",
        ["WATER_DAMAGE"],
        [
            line.disposition
            for r in status.receipts
            for line in r.lines
            if line.item_code == "GXO-2"
        ],
    )
    corpus.check(case, observed)
