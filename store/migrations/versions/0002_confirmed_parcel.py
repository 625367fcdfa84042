"""confirmed_parcel: parcels whose units left the order demand, so a retried confirm takes
them out only once.

Revision ID: 0002
Revises: 0001
Created: 2026-11-29 21:17:13.262423
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from store.types import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confirmed_parcel",
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("order_id", AutoString(), nullable=False),
        sa.Column("parcel_id", AutoString(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "order_id", "parcel_id"),
    )


def downgrade() -> None:
    op.drop_table("confirmed_parcel")
