"""return_line: the units GXO received back per return and SKU, kept when the return closes, so
month-end matches the channel's refunds with consign's returns (per channel order).

Revision ID: 0009
Revises: 0008
Created: 2026-11-30 11:25:01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

from store.types import UtcDateTime

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "return_line",
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("rma", AutoString(), nullable=False),
        sa.Column("sku", AutoString(), nullable=False),
        sa.Column("order_id", AutoString(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "rma", "sku"),
    )
    with op.batch_alter_table("return_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_line_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("return_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_line_order_id"))
    op.drop_table("return_line")
