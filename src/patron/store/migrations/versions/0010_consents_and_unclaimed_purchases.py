"""members' consents (appended, never rewritten), a member's optional phone and card, and
purchases recorded before their customer was a member (linked when they join)

New tables `consents` and `unclaimed_purchases`; `members` gains `phone` and `card`
(unique), both NULL for every member enrolled before, and `portal_sessions_after`.
Nothing existing changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/joining.py, domain/limits.py)
PHONE_LENGTH = 16
CARD_LENGTH = 32
KEY_LENGTH = 128
EMAIL_LENGTH = 320
SHOP_LENGTH = 64
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # plain ADD COLUMN (no table copy on SQLite, which would drop 0007's triggers); the
    # card's uniqueness is a unique index, which both stores add to a table in place
    op.add_column("members", sa.Column("phone", sa.String(length=PHONE_LENGTH)))
    op.add_column("members", sa.Column("card", sa.String(length=CARD_LENGTH)))
    op.create_index("uq_members_card", "members", ["card"], unique=True)
    # the member's portal sessions issued before it are over (a logout; the first login by
    # a link, which proves the address: it ends the sessions a join opened)
    op.add_column("members", sa.Column("portal_sessions_after", sa.DateTime()))
    op.create_table(
        "consents",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=ACTOR_LENGTH)),
    )
    op.create_index("ix_consents_member", "consents", ["member_id", "purpose", "id"])
    op.create_table(
        "unclaimed_purchases",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("order_id", sa.String(length=KEY_LENGTH), nullable=False, unique=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(14, 2), nullable=False),
        sa.Column("email", sa.String(length=EMAIL_LENGTH)),
        sa.Column("phone", sa.String(length=PHONE_LENGTH)),
        sa.Column("card", sa.String(length=CARD_LENGTH)),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("shop", sa.String(length=SHOP_LENGTH)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id")),
        sa.Column("purchase_id", _ID, sa.ForeignKey("purchases.id")),
        sa.Column("linked_at", sa.DateTime()),
    )
    op.create_index("ix_unclaimed_purchases_email", "unclaimed_purchases", ["email"])


def downgrade() -> None:
    op.drop_index("ix_unclaimed_purchases_email", table_name="unclaimed_purchases")
    op.drop_table("unclaimed_purchases")
    op.drop_index("ix_consents_member", table_name="consents")
    op.drop_table("consents")
    op.drop_index("uq_members_card", table_name="members")
    # ALTER TABLE DROP COLUMN in place (SQLite 3.35+): a table copy would drop 0007's triggers
    op.drop_column("members", "portal_sessions_after")
    op.drop_column("members", "card")
    op.drop_column("members", "phone")
