"""idempotency keys without the lock columns

A request and the record of its answer now commit in one transaction, under an advisory
lock (PostgreSQL) or the single writer (SQLite), so a record is always finished: its
`status` was always "done" and `locked_until` never set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("status")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="done")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
