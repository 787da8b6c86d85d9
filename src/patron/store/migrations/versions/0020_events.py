"""events: the seats of a scheduled event and the members' RSVPs

New tables `event_seats` (one row per event of the program with a date and a capacity,
written when the program is loaded) and `rsvps`. Nothing existing changes: an event
reward without a date is redeemed as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py)
CODE_LENGTH = 64
ACTOR_LENGTH = 100
TITLE_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "event_seats",
        sa.Column(
            "reward_id",
            sa.String(length=CODE_LENGTH),
            sa.ForeignKey("rewards.id"),
            primary_key=True,
        ),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=TITLE_LENGTH), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_event_seats_taken_not_negative")),
    )
    op.create_table(
        "rsvps",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "reward_id", sa.String(length=CODE_LENGTH), sa.ForeignKey("rewards.id"), nullable=False
        ),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("redemption_id", _ID, sa.ForeignKey("redemptions.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seated_at", sa.DateTime()),
        sa.Column("done_at", sa.DateTime()),
        sa.Column("done_by", sa.String(length=ACTOR_LENGTH)),
        sa.Column("reason", sa.Text()),
    )
    op.create_index("ix_rsvps_member_id", "rsvps", ["member_id"])
    op.create_index("ix_rsvps_reward_id_state", "rsvps", ["reward_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_rsvps_reward_id_state", table_name="rsvps")
    op.drop_index("ix_rsvps_member_id", table_name="rsvps")
    op.drop_table("rsvps")
    op.drop_table("event_seats")
