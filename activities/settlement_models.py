"""Inputs and results of the settlement intake's activities (activities/settlements.py):
single pydantic models, as every activity's are."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.settlement import SettlementReport
from domain.settlement_differences import DEFAULT_UNSETTLED_AFTER


class SettlementListRequest(BaseModel):
    channel: str
    account: str
    created_since: datetime | None = None  # None: as far back as the channel keeps them


class SettlementReports(BaseModel):
    reports: list[SettlementReport] = Field(default_factory=list)  # not stored yet, oldest first


class SettlementFetchRequest(BaseModel):
    channel: str
    account: str
    report: SettlementReport


class StoredSettlementReport(BaseModel):
    report_id: str
    settlement_id: str
    new: bool  # False: it was already stored (a retry, or listed again)
    deposit: str  # Decimal as text, with the currency: for the workflow's progress
    rows: int


class ReconcileRequest(BaseModel):
    channel: str
    account: str
    settlement_id: str
    unsettled_after_days: float = DEFAULT_UNSETTLED_AFTER.days


class Reconciled(BaseModel):
    settlement_id: str
    differences: dict[str, int] = Field(default_factory=dict)  # per DifferenceKind
