"""disposition_rule: the brand's returns policy per GXO disposition (refund action, restock),
replaced as a set by `consign mappings import dispositions`; empty means DEFAULT_POLICY.

Revision ID: 0007
Revises: 0006
Created: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disposition_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", AutoString(), nullable=True),
        sa.Column("disposition", AutoString(), nullable=False),
        sa.Column("action", AutoString(), nullable=False),
        sa.Column("restock", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("disposition_rule")
