"""SMART goals and the value recorded for each on each day

New tables `goals` and `goal_values` (one row per goal and day). Nothing existing changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/goals.py, domain/limits.py)
NAME_LENGTH = 100
KPI_LENGTH = 40
KIND_LENGTH = 32
POPULATION_LENGTH = 100
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_VALUE = sa.Numeric(18, 6)


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(length=NAME_LENGTH)),
        sa.Column("kpi", sa.String(length=KPI_LENGTH), nullable=False),
        sa.Column("population_kind", sa.String(length=KIND_LENGTH), nullable=False),
        sa.Column("population_value", sa.String(length=POPULATION_LENGTH)),
        sa.Column("baseline", _VALUE, nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("target", _VALUE, nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.CheckConstraint("target <> baseline", name="target_moves"),
        sa.CheckConstraint("window_days > 0", name="window_positive"),
    )
    op.create_table(
        "goal_values",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("goal_id", _ID, sa.ForeignKey("goals.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", _VALUE, nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("goal_id", "day", name="uq_goal_values_goal_day"),
    )


def downgrade() -> None:
    op.drop_table("goal_values")
    op.drop_table("goals")
