"""campaigns: the campaign, each member's arm and variant, its runs, the offers used

New tables `campaigns` (audience, variants, holdout share and salt, schedule, offer, status
and next run), `campaign_members` (a member's arm and variant, stored when first drawn,
and the window of their offer), `campaign_runs` (what each run did) and
`campaign_offer_uses` (a purchase that earned a campaign's offer and its points). Nothing
existing changes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/campaigns.py, domain/limits.py)
SHORT_LENGTH = 50
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=SHORT_LENGTH), nullable=False, unique=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("holdout_share", sa.Numeric(5, 4), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("first_at", sa.DateTime()),
        sa.Column("every_days", sa.Integer()),
        sa.Column("ends_at", sa.DateTime()),
        sa.Column("per_hour", sa.Integer()),
        sa.Column("offer", sa.JSON()),
        sa.Column("attribution_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("next_run_at", sa.DateTime()),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("first_run_at", sa.DateTime()),
        sa.Column("last_run_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'done', 'stopped')", name="status_known"
        ),
        sa.CheckConstraint(
            "holdout_share >= 0 AND holdout_share < 1", name="holdout_share_from_0_below_1"
        ),
    )
    op.create_index("ix_campaigns_due", "campaigns", ["status", "next_run_at"])
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", _ID, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), primary_key=True),
        sa.Column("arm", sa.String(length=16), nullable=False),
        sa.Column("variant", sa.String(length=16)),
        sa.Column("first_run", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("offer_from", sa.DateTime()),
        sa.Column("offer_until", sa.DateTime()),
        sa.CheckConstraint("arm IN ('control', 'treatment')", name="arm_known"),
    )
    op.create_index("ix_campaign_members_member", "campaign_members", ["member_id"])
    op.create_table(
        "campaign_runs",
        sa.Column("campaign_id", _ID, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("run", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.Column("holdout", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=ACTOR_LENGTH), nullable=False),
    )
    op.create_table(
        "campaign_offer_uses",
        sa.Column("purchase_id", _ID, sa.ForeignKey("purchases.id"), primary_key=True),
        sa.Column("campaign_id", _ID, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_campaign_offer_uses_campaign", "campaign_offer_uses", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_campaign_offer_uses_campaign", table_name="campaign_offer_uses")
    op.drop_table("campaign_offer_uses")
    op.drop_table("campaign_runs")
    op.drop_index("ix_campaign_members_member", table_name="campaign_members")
    op.drop_table("campaign_members")
    op.drop_index("ix_campaigns_due", table_name="campaigns")
    op.drop_table("campaigns")
