"""InventorySync's status as its `status` query shows it (workflows/inventory_sync.py), and the
drift lines a reconcile finds: models, so the daily report and the Monitor's activities read the
status without importing a workflow module."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.inventory import PushOutcome
from domain.lifecycle import RetryingActivity
from domain.order import Channel


class DriftLine(BaseModel):
    sku: str
    expected: int
    shown: int | None  # None: the channel does not list the SKU


class SubmissionShown(BaseModel):
    """A pending submission as the status shows it (without its quantities)."""

    submission: str
    skus: int
    since: datetime
    next_check: datetime
    checks: int


class InventorySyncStatus(BaseModel):
    channel: Channel
    account: str
    last_push_at: datetime | None = None
    pushes: int = 0
    skus_pushed: int = 0
    pending_items: list[str] = Field(default_factory=list)
    in_cycle: bool = False  # a cycle is under way: its items are out of pending_items meanwhile
    rejected: list[PushOutcome] = Field(default_factory=list)
    stalled: list[str] = Field(default_factory=list)
    last_reconcile_at: datetime | None = None
    drift: list[DriftLine] = Field(default_factory=list)
    unknown_to_gxo: list[str] = Field(default_factory=list)
    unmapped_items: list[str] = Field(default_factory=list)
    last_error: str | None = None
    retrying: RetryingActivity | None = None  # a call that keeps failing for a passing reason
    awaiting: list[SubmissionShown] = Field(default_factory=list)  # e.g. listings feeds
    held: list[str] = Field(default_factory=list)  # SKUs waiting for their submission to settle
