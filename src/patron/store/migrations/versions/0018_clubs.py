"""clubs: where each member stands in each club, and every change of it

New tables `club_members` (one row per club and member: invited, requested or member) and
`club_changes` (append-only: invited, requested, joined, refused, declined, left, with
who, when and why). The clubs themselves live in the program file. Nothing existing
changes.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py)
CODE_LENGTH = 64
ACTOR_LENGTH = 100
REASON_LENGTH = 200
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "club_members",
        sa.Column("club_id", sa.String(length=CODE_LENGTH), primary_key=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("standing", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.CheckConstraint("standing IN ('invited', 'requested', 'member')", name="standing_known"),
    )
    op.create_index("ix_club_members_member", "club_members", ["member_id"])
    op.create_table(
        "club_changes",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("club_id", sa.String(length=CODE_LENGTH), nullable=False),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.Column("reason", sa.String(length=REASON_LENGTH)),
        sa.CheckConstraint(
            "change IN ('invited', 'requested', 'joined', 'refused', 'declined', 'left')",
            name="change_known",
        ),
    )
    op.create_index("ix_club_changes_club_member", "club_changes", ["club_id", "member_id"])
    op.create_index("ix_club_changes_member", "club_changes", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_club_changes_member", table_name="club_changes")
    op.drop_index("ix_club_changes_club_member", table_name="club_changes")
    op.drop_table("club_changes")
    op.drop_index("ix_club_members_member", table_name="club_members")
    op.drop_table("club_members")
