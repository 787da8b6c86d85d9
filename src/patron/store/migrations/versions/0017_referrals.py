"""referrals: a friend linked to the member whose code they enrolled with, paid on their
qualifying purchase; payment_fingerprints: the card fingerprint a till may send

New tables `referrals` (one row per friend enrolled with a code from now on; members
referred before keep `members.referred_by` and were paid at their enrolment, as the rule
was then) and `payment_fingerprints`. Nothing existing changes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/limits.py)
FINGERPRINT_LENGTH = 128
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "member_id",
            _ID,
            sa.ForeignKey("members.id", name=op.f("fk_referrals_member_id_members")),
            nullable=False,
        ),
        sa.Column(
            "referrer_id",
            _ID,
            sa.ForeignKey("members.id", name=op.f("fk_referrals_referrer_id_members")),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24)),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column(
            "purchase_id",
            _ID,
            sa.ForeignKey("purchases.id", name=op.f("fk_referrals_purchase_id_purchases")),
        ),
        sa.Column("qualified_at", sa.DateTime()),
        sa.Column("rewards_at", sa.DateTime()),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("referrer_points", sa.BigInteger(), nullable=False),
        sa.Column("friend_points", sa.BigInteger(), nullable=False),
        sa.Column(
            "referrer_lot",
            _ID,
            sa.ForeignKey("point_lots.id", name=op.f("fk_referrals_referrer_lot_point_lots")),
        ),
        sa.Column(
            "friend_lot",
            _ID,
            sa.ForeignKey("point_lots.id", name=op.f("fk_referrals_friend_lot_point_lots")),
        ),
        sa.CheckConstraint(
            "state IN ('enrolled', 'qualified', 'taken_back', 'refused')",
            name=op.f("ck_referrals_state_known"),
        ),
        sa.CheckConstraint(
            "state <> 'refused' OR reason IS NOT NULL", name=op.f("ck_referrals_refusal_has_reason")
        ),
        sa.CheckConstraint(
            "referrer_points >= 0 AND friend_points >= 0",
            name=op.f("ck_referrals_points_not_negative"),
        ),
        sa.UniqueConstraint("member_id", name=op.f("uq_referrals_member_id")),
    )
    op.create_index("ix_referrals_referrer", "referrals", ["referrer_id", "qualified_at"])
    op.create_index("ix_referrals_purchase", "referrals", ["purchase_id"])
    op.create_table(
        "payment_fingerprints",
        sa.Column(
            "purchase_id",
            _ID,
            sa.ForeignKey(
                "purchases.id", name=op.f("fk_payment_fingerprints_purchase_id_purchases")
            ),
            primary_key=True,
        ),
        sa.Column(
            "member_id",
            _ID,
            sa.ForeignKey("members.id", name=op.f("fk_payment_fingerprints_member_id_members")),
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(length=FINGERPRINT_LENGTH), nullable=False),
    )
    op.create_index(
        "ix_payment_fingerprints_fingerprint",
        "payment_fingerprints",
        ["fingerprint", "member_id"],
    )
    op.create_index("ix_payment_fingerprints_member", "payment_fingerprints", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_fingerprints_member", table_name="payment_fingerprints")
    op.drop_index("ix_payment_fingerprints_fingerprint", table_name="payment_fingerprints")
    op.drop_table("payment_fingerprints")
    op.drop_index("ix_referrals_purchase", table_name="referrals")
    op.drop_index("ix_referrals_referrer", table_name="referrals")
    op.drop_table("referrals")
