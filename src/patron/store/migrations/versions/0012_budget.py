"""the program's budget: planned amounts per month and category, and spend entries

A plan line holds one amount per month and category (set again, it is replaced; the
audit log keeps the old amount); spend entries are only added, for the categories whose
actual spend Patron does not compute itself (docs/budget.md).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
        nullable=False,
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "budget_plans",
        _id(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budget_plans_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_plans")),
        sa.UniqueConstraint("month", "category", name="uq_budget_plans_month_category"),
    )
    op.create_table(
        "budget_spend",
        _id(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budget_spend_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_spend")),
    )
    op.create_index("ix_budget_spend_month_category", "budget_spend", ["month", "category"])


def downgrade() -> None:
    op.drop_index("ix_budget_spend_month_category", table_name="budget_spend")
    op.drop_table("budget_spend")
    op.drop_table("budget_plans")
