"""acquisition spend, and the channel that acquired each member

What a business spent on acquiring customers, per month and channel, so that CAC,
CLV/CAC and payback can be computed against the members each channel brought in
(`members.acquisition_channel`, nullable: members enrolled before it existed have none).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acquisition_spend",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_acquisition_spend_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acquisition_spend")),
    )
    op.create_index("ix_acquisition_spend_month_channel", "acquisition_spend", ["month", "channel"])
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("acquisition_channel", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("acquisition_channel")
    op.drop_index("ix_acquisition_spend_month_channel", table_name="acquisition_spend")
    op.drop_table("acquisition_spend")
