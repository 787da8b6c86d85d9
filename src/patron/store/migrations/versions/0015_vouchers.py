"""fulfilments: the code, expiry and state of a redemption of a discount (a voucher), a
gift or a service

New table `fulfilments`, one row per such redemption made from now on; a redemption made
before has none (it is fulfilled as it was: by its number). Nothing existing changes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py)
CODE_LENGTH = 64
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fulfilments",
        sa.Column("redemption_id", _ID, sa.ForeignKey("redemptions.id"), primary_key=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column(
            "reward_id", sa.String(length=CODE_LENGTH), sa.ForeignKey("rewards.id"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime()),
        sa.Column("done_at", sa.DateTime()),
        sa.Column("done_by", sa.String(length=ACTOR_LENGTH)),
        sa.Column("transaction_id", sa.String(length=128)),
        sa.UniqueConstraint("code", name="uq_fulfilments_code"),
    )
    op.create_index("ix_fulfilments_member_id", "fulfilments", ["member_id"])
    op.create_index("ix_fulfilments_state_kind", "fulfilments", ["state", "kind"])


def downgrade() -> None:
    op.drop_index("ix_fulfilments_state_kind", table_name="fulfilments")
    op.drop_index("ix_fulfilments_member_id", table_name="fulfilments")
    op.drop_table("fulfilments")
