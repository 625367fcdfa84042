"""`consign orders retry`: retry every parked order a query finds, through one Temporal batch
operation (a batch signal: batch operations have no update), so a thousand orders parked by one
missing mapping are pushed on with one command and the server paces and records it.

Only running OrderFulfillment workflows in EXCEPTION are ever selected, whatever the query
says: `retry` on an order that is not parked means something else (ask GXO for parcels)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from pydantic import BaseModel
from temporalio.api.batch.v1 import BatchOperationSignal
from temporalio.api.enums.v1 import BatchOperationState
from temporalio.api.workflowservice.v1 import (
    DescribeBatchOperationRequest,
    StartBatchOperationRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError

from domain.lifecycle import RETRY_SIGNAL, OperatorRequest, OrderStage
from domain.search_attributes import ORDER_STAGE
from starter.client import CliError

PARKED = f"ExecutionStatus = 'Running' AND {ORDER_STAGE.name} = '{OrderStage.EXCEPTION.value}'"
BATCH_WAIT = timedelta(minutes=2)  # how long the command follows the batch before it returns
POLL_EVERY = 0.5  # seconds between looks at the batch's progress


class BatchOutcome(BaseModel):
    job_id: str
    state: str  # COMPLETED, RUNNING (still going when the command stopped looking), FAILED
    total: int
    done: int
    failed: int


def parked_query(base: str, extra: str | None) -> str:
    """`base` (WorkflowType and filters) narrowed to parked running orders and `extra`."""
    clauses = [base, PARKED] + ([f"({extra})"] if extra and extra.strip() else [])
    return " AND ".join(clauses)


async def retry_batch(client: Client, query: str, request: OperatorRequest) -> BatchOutcome:
    """Start the batch signal and follow it for up to BATCH_WAIT."""
    job_id = f"consign-retry-{uuid.uuid4()}"
    [payload] = await client.data_converter.encode([request])
    identity = f"consign-cli@{request.requested_by}"
    start = StartBatchOperationRequest(
        namespace=client.namespace,
        visibility_query=query,
        job_id=job_id,
        reason=request.reason or "bulk retry",
        signal_operation=BatchOperationSignal(signal=RETRY_SIGNAL, identity=identity),
    )
    start.signal_operation.input.payloads.append(payload)
    try:
        await client.workflow_service.start_batch_operation(start)
    except RPCError as err:
        raise CliError(f"Temporal refused the batch retry: {err.message}") from err
    return await follow(client, job_id)


async def follow(client: Client, job_id: str) -> BatchOutcome:
    ask = DescribeBatchOperationRequest(namespace=client.namespace, job_id=job_id)
    for _ in range(int(BATCH_WAIT.total_seconds() / POLL_EVERY)):
        described = await client.workflow_service.describe_batch_operation(ask)
        state = BatchOperationState.Name(described.state).removeprefix("BATCH_OPERATION_STATE_")
        outcome = BatchOutcome(
            job_id=job_id,
            state=state,
            total=described.total_operation_count,
            done=described.complete_operation_count,
            failed=described.failure_operation_count,
        )
        if state != "RUNNING":
            return outcome
        await asyncio.sleep(POLL_EVERY)
    return outcome
