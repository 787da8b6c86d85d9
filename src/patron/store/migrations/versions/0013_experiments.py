"""experiments against a control group, and each member's arm

New tables `experiments` (a holdout or a pilot: its salt, control share or shops, start
and end) and `experiment_assignments` (a member's arm, stored once). Nothing existing
changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py)
SHORT_LENGTH = 50
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(length=SHORT_LENGTH), nullable=False, unique=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("control_share", sa.Numeric(5, 4)),
        sa.Column("shops", sa.JSON()),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.CheckConstraint("kind IN ('holdout', 'pilot')", name="kind_known"),
        sa.CheckConstraint("control_share > 0 AND control_share < 1", name="share_between_0_and_1"),
    )
    op.create_table(
        "experiment_assignments",
        sa.Column("experiment_id", _ID, sa.ForeignKey("experiments.id"), primary_key=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("arm", sa.String(length=16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("arm IN ('control', 'treatment')", name="arm_known"),
    )
    op.create_index("ix_experiment_assignments_member", "experiment_assignments", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_experiment_assignments_member", table_name="experiment_assignments")
    op.drop_table("experiment_assignments")
    op.drop_table("experiments")
