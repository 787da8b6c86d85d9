"""a member's lifetime spend holds the most a member can spend

`members.lifetime_spend` sums a member's purchases. As NUMERIC(14,2) it stopped at 10^12,
ten purchases of the largest total: past it every purchase of the member failed on
PostgreSQL (SQLite took the value). A member may have at most 2^31 - 1 purchases of at
most 99,999,999,999.99 each (domain/limits.py), under 2.2 × 10^20: NUMERIC(23,2) holds it.

Widening loses nothing. The downgrade narrows it back, and fails on PostgreSQL if a
member's lifetime spend no longer fits.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.alter_column(
            "lifetime_spend",
            existing_type=sa.Numeric(precision=14, scale=2),
            type_=sa.Numeric(precision=23, scale=2),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.alter_column(
            "lifetime_spend",
            existing_type=sa.Numeric(precision=23, scale=2),
            type_=sa.Numeric(precision=14, scale=2),
            existing_nullable=False,
        )
