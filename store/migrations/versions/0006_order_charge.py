"""order_charge: what the channel says each order costs the buyer, so month-end can compare it
with what the settlement charged (the ORDER_TOTAL difference).

Revision ID: 0006
Revises: 0005
Created: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from store.types import ExactDecimal, UtcDateTime

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_charge",
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("order_id", AutoString(), nullable=False),
        sa.Column("currency", AutoString(), nullable=False),
        sa.Column("total", ExactDecimal(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "order_id"),
    )


def downgrade() -> None:
    op.drop_table("order_charge")
