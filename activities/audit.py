"""Append one line to the audit trail of what was sent where (never personal data)."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine

from domain.order import Channel
from store.audit import record_audit
from store.tables import AuditOutcome, AuditRecord


async def audit(
    engine: Engine,
    *,
    system: str,
    operation: str,
    channel: Channel,
    account: str,
    order_id: str,
    outcome: AuditOutcome,
    detail: str = "",
    key: str | None = None,
) -> None:
    record = AuditRecord(
        system=system,
        operation=operation,
        channel=channel,
        account=account,
        order_id=order_id,
        idempotency_key=key,
        outcome=outcome,
        detail=detail[:500],
    )
    await asyncio.to_thread(record_audit, engine, record)
