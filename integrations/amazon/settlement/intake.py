"""The settlement intake's steps, written as the bodies of its future activities so the
SettlementIntake workflow (on a Temporal Schedule, per seller account) is a thin loop: list the
reports not stored yet, then fetch, parse, attribute and store each one, then reconcile it with
what consign shipped. Not registered with a worker yet (that needs the channel registry); each
step is idempotent: storing is keyed by settlement id, differences are replaced as a set.

Inputs and outputs are single pydantic models, as Temporal activities' are."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Engine

from domain.settlement_attribution import attribute
from domain.settlement_differences import (
    DEFAULT_UNSETTLED_AFTER,
    ShippedOrder,
    differences,
)
from integrations.amazon.reports import ReportEntry, ReportsApi
from integrations.amazon.settings import CHANNEL
from integrations.amazon.settlement.flat_file import parse_settlement
from store.settlements import (
    load_settlement,
    replace_differences,
    settled_order_ids,
    store_settlement,
    stored_report_ids,
)

MAX_PAGES = 20  # 2,000 reports: far more than 90 days of settlements


class NewReportsRequest(BaseModel):
    account: str
    created_since: datetime | None = None  # None: Amazon's default, 90 days


class NewReports(BaseModel):
    reports: list[ReportEntry]  # oldest first, so reserves are stored in their order


class StoreReportRequest(BaseModel):
    account: str
    report: ReportEntry


class StoredReport(BaseModel):
    settlement_id: str
    new: bool  # False: it was already stored (a retry, or listed again)
    deposit: str  # Decimal as text: the deposit, for the workflow's log
    rows: int


class ReconcileRequest(BaseModel):
    settlement_id: str
    shipped: list[ShippedOrder]
    unsettled_after: timedelta = DEFAULT_UNSETTLED_AFTER


class Reconciled(BaseModel):
    settlement_id: str
    differences: int


async def list_new_settlement_reports(
    reports: ReportsApi, engine: Engine, request: NewReportsRequest
) -> NewReports:
    """DONE settlement reports with a document, not stored for the account yet."""
    known = await asyncio.to_thread(stored_report_ids, engine, request.account)
    found: list[ReportEntry] = []
    page = await reports.list_settlement_reports(created_since=request.created_since)
    for _ in range(MAX_PAGES):
        found += [
            entry
            for entry in page.reports
            if entry.report_document_id and entry.report_id not in known
        ]
        if page.next_token is None:
            break
        page = await reports.list_settlement_reports(next_token=page.next_token)
    found.sort(key=lambda entry: (entry.created_time, entry.report_id))
    return NewReports(reports=found)


async def fetch_and_store_settlement(
    reports: ReportsApi, engine: Engine, request: StoreReportRequest
) -> StoredReport:
    """Download, parse (refusing a file that does not sum: SettlementTotalMismatch, permanent),
    attribute and store one settlement report."""
    entry = request.report
    if not entry.report_document_id:
        raise ValueError(f"report {entry.report_id} has no document yet")
    document = await reports.fetch_document(entry.report_document_id)
    settlement = parse_settlement(document.text)
    attribution = attribute(settlement)
    new = await asyncio.to_thread(
        store_settlement,
        engine,
        settlement,
        attribution,
        channel=CHANNEL,
        account=request.account,
        report_id=entry.report_id,
        report_document_id=entry.report_document_id,
    )
    return StoredReport(
        settlement_id=settlement.settlement_id,
        new=new,
        deposit=str(settlement.total),
        rows=len(settlement.rows),
    )


async def reconcile_settlement(engine: Engine, request: ReconcileRequest) -> Reconciled:
    """The settlement's differences against what consign shipped, replacing the last ones."""

    def run() -> int:
        settlement = load_settlement(engine, request.settlement_id)
        if settlement is None:
            raise ValueError(f"settlement {request.settlement_id} is not stored")
        found = differences(
            attribute(settlement),
            request.shipped,
            settled_before=settled_order_ids(engine, other_than=request.settlement_id),
            unsettled_after=request.unsettled_after,
        )
        replace_differences(engine, request.settlement_id, found)
        return len(found)

    count = await asyncio.to_thread(run)
    return Reconciled(settlement_id=request.settlement_id, differences=count)
