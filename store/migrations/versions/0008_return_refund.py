"""return_refund: the ledger of refunds submitted through a channel that processes them later
(an order-adjustment feed), one row per return: never paid twice.

Revision ID: 0008
Revises: 0007
Created: 2026-11-30 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from store.types import UtcDateTime

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "return_refund",
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("rma", AutoString(), nullable=False),
        sa.Column("prepared", AutoString(), nullable=False),
        sa.Column("sent", AutoString(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "rma"),
    )


def downgrade() -> None:
    op.drop_table("return_refund")
