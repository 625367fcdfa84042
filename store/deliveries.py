"""Signed webhook deliveries already accepted: shared by every worker process, so a captured
request replayed to another replica inside its timestamp window is still refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import col

from store.db import write_session
from store.tables import WebhookDeliveryRow
from store.upsert import dialect_insert


def claim_delivery(
    engine: Engine, delivery_id: str, source: str, expires_at: datetime, now: datetime
) -> bool:
    """Record the delivery; False when it was already claimed (a replay). Expired claims are
    dropped on the way, so the table holds one window's deliveries at most."""
    table = WebhookDeliveryRow.__table__  # type: ignore[attr-defined]
    values = {
        "delivery_id": delivery_id,
        "source": source,
        "accepted_at": now,
        "expires_at": expires_at,
    }
    with write_session(engine) as session:
        session.connection().execute(delete(table).where(col(table.c.expires_at) < now))
        statement = dialect_insert(session, table).values(values)
        inserted = session.connection().execute(
            statement.on_conflict_do_nothing(index_elements=["delivery_id"]).returning(
                table.c.delivery_id
            )
        )
        return inserted.first() is not None


def release_delivery(engine: Engine, delivery_id: str) -> None:
    """Forget a claim whose handling failed, so the sender's retry of it is accepted."""
    with write_session(engine) as session:
        session.connection().execute(
            delete(WebhookDeliveryRow).where(col(WebhookDeliveryRow.delivery_id) == delivery_id)
        )
