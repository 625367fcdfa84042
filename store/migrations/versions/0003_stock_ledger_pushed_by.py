"""stock_ledger.pushed_by: the push activity that got each answer, so a retried push (after a
throttle or a killed worker) resends none of the SKUs already answered.

Revision ID: 0003
Revises: 0002
Created: 2026-11-29 22:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_ledger") as batch:
        batch.add_column(sa.Column("pushed_by", AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_ledger") as batch:
        batch.drop_column("pushed_by")
