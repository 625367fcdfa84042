"""An order as the visibility store lists it: search attributes only, no query round-trip.
`consign orders`, the daily report and the health monitor read orders this way."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from temporalio.client import WorkflowExecution, WorkflowExecutionStatus

from domain.search_attributes import (
    CHANNEL,
    CHANNEL_ORDER_ID,
    EXCEPTION_KIND,
    FACILITY_ID,
    ORDER_STAGE,
    SHIP_BY,
)


class OrderRow(BaseModel):
    """One line of `consign orders`, read from search attributes only (no query round-trip)."""

    workflow_id: str
    channel: str
    order_id: str
    stage: str
    exception_kind: str
    facility: str
    ship_by: datetime | None
    running: bool


def row_from_execution(execution: WorkflowExecution) -> OrderRow:
    attrs = execution.typed_search_attributes
    return OrderRow(
        workflow_id=execution.id,
        channel=attrs.get(CHANNEL) or "",
        order_id=attrs.get(CHANNEL_ORDER_ID) or "",
        stage=attrs.get(ORDER_STAGE) or "",
        exception_kind=attrs.get(EXCEPTION_KIND) or "",
        facility=attrs.get(FACILITY_ID) or "",
        ship_by=attrs.get(SHIP_BY),
        running=execution.status == WorkflowExecutionStatus.RUNNING,
    )
