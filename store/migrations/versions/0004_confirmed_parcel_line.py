"""confirmed_parcel_line: the units of each confirmed parcel per item (and the channel SKU),
so month-end compares a settlement with what consign actually confirmed.

Revision ID: 0004
Revises: 0003
Created: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confirmed_parcel_line",
        sa.Column("channel", AutoString(), nullable=False),
        sa.Column("account", AutoString(), nullable=False),
        sa.Column("order_id", AutoString(), nullable=False),
        sa.Column("parcel_id", AutoString(), nullable=False),
        sa.Column("item_code", AutoString(), nullable=False),
        sa.Column("sku", AutoString(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "order_id", "parcel_id", "item_code"),
    )


def downgrade() -> None:
    op.drop_table("confirmed_parcel_line")
