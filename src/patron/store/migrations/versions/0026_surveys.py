"""surveys: NPS and CSAT surveys, and one answer per survey link

New tables `surveys` (the question per locale as JSON, open or closed, the one the
purchase journey invites to) and `survey_responses` (score, comment, when, and the
context: the purchase, its shop, the member's tier then), unique by `invitation`.

Revision ID: 0026
Revises: 0024
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/surveys.py, domain/limits.py)
NAME_LENGTH = 100
COMMENT_LENGTH = 2000
ACTOR_LENGTH = 100
SHOP_LENGTH = 64
TITLE_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=NAME_LENGTH), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("question", sa.JSON(), nullable=False),
        sa.Column("comment_question", sa.JSON()),
        sa.Column("after_purchase", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=ACTOR_LENGTH), nullable=False),
        sa.Column("closed_at", sa.DateTime()),
        sa.UniqueConstraint("name", name="uq_surveys_name"),
        sa.CheckConstraint("kind IN ('nps', 'csat')", name=op.f("ck_surveys_kind_known")),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("survey_id", _ID, sa.ForeignKey("surveys.id"), nullable=False),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("purchase_id", _ID, sa.ForeignKey("purchases.id")),
        sa.Column("invitation", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=COMMENT_LENGTH)),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=False),
        sa.Column("shop", sa.String(length=SHOP_LENGTH)),
        sa.Column("tier", sa.String(length=TITLE_LENGTH), nullable=False),
        sa.UniqueConstraint("invitation", name="uq_survey_responses_invitation"),
        sa.CheckConstraint(
            "score >= 0 AND score <= 10", name=op.f("ck_survey_responses_score_in_scale")
        ),
    )
    op.create_index("ix_survey_responses_survey", "survey_responses", ["survey_id", "responded_at"])
    op.create_index("ix_survey_responses_member", "survey_responses", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_responses_member", table_name="survey_responses")
    op.drop_index("ix_survey_responses_survey", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_table("surveys")
