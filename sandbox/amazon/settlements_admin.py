"""/_sandbox/settlements: how the demo and tests drive the settlement cadence Amazon keeps on
its own (close one now, with faults), refund a shipped order as the buyer, and see what was
filed. Never faulted."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from sandbox.amazon.settlements import CloseRequest, Report
from sandbox.amazon.state import AmazonSandbox
from sandbox.amazon.timefmt import to_wire


class RefundBody(BaseModel):
    order_id: str
    quantity: int | None = Field(default=None, ge=1)


def _dump(report: Report, sandbox: AmazonSandbox) -> dict[str, Any]:
    return {
        "settlement_id": report.settlement_id,
        "report_id": report.report_id,
        "report_document_id": report.document_id,
        "total": str(report.total),
        "status": report.status(sandbox.clock()),
        "start": to_wire(report.start),
        "end": to_wire(report.end),
        "compressed": report.compressed,
    }


def router(sandbox: AmazonSandbox) -> APIRouter:
    api = APIRouter(prefix="/_sandbox/settlements")

    @api.post("/close", status_code=201)
    async def close(body: CloseRequest | None = None) -> dict[str, Any]:
        """Close the running settlement now: its report lists in getReports at once (or after
        `late_seconds`)."""
        try:
            report = sandbox.close_settlement(body or CloseRequest())
        except LookupError as error:  # an unknown charset
            raise HTTPException(422, str(error)) from error
        return _dump(report, sandbox)

    @api.post("/refunds", status_code=201)
    async def refund(body: RefundBody) -> dict[str, Any]:
        try:
            done = sandbox.refund(body.order_id, body.quantity)
        except KeyError:
            raise HTTPException(404, f"no order {body.order_id}") from None
        except ValueError as error:
            raise HTTPException(409, str(error)) from error
        return {"order_id": done.order_id, "sku": done.sku, "quantity": done.quantity}

    @api.get("")
    async def listed() -> dict[str, Any]:
        with sandbox.lock:
            reports = list(sandbox.settlements.reports.values())
            return {"settlements": [_dump(report, sandbox) for report in reports]}

    return api
