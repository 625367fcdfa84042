"""Baseline: the store's seventeen tables as consign created them before it had migrations.

Revision ID: 0001
Revises:
Created: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from store.migrations.baseline import REVISION, baseline_schema

revision: str = REVISION
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    baseline_schema().create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    baseline_schema().drop_all(op.get_bind(), checkfirst=False)
