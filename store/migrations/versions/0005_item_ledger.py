"""item_ledger and launch_wait: what GXO's item master accepted of the records ProductSync sent,
and the orders parked until an item is accepted (ITEM_NOT_LAUNCHED).

Revision ID: 0005
Revises: 0004
Created: 2026-11-29 22:36:36.758312
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from store.types import UtcDateTime

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_ledger",
        sa.Column("facility_id", AutoString(), nullable=False),
        sa.Column("item_code", AutoString(), nullable=False),
        sa.Column("sku", AutoString(), nullable=False),
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("digest", AutoString(), nullable=False),
        sa.Column("state", AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("detail", AutoString(), nullable=True),
        sa.Column("sent_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("facility_id", "item_code"),
    )
    with op.batch_alter_table("item_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_ledger_sku"), ["sku"], unique=False)

    op.create_table(
        "launch_wait",
        sa.Column("workflow_id", AutoString(), nullable=False),
        sa.Column("facility_id", AutoString(), nullable=False),
        sa.Column("item_code", AutoString(), nullable=False),
        sa.Column("sku", AutoString(), nullable=False),
        sa.Column("since", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "facility_id", "item_code"),
    )


def downgrade() -> None:
    op.drop_table("launch_wait")
    with op.batch_alter_table("item_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_ledger_sku"))

    op.drop_table("item_ledger")
