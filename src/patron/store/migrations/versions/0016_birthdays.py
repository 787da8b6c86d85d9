"""member_birthdays and birthday_grants: a member's birthday and the birthday bonus
granted once a year

Two new tables; nothing existing changes. (Bonuses that burn need no column: a burning
bonus is a lot whose `expires_at` is its own.)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "member_birthdays",
        sa.Column(
            "member_id",
            _ID,
            sa.ForeignKey("members.id", name=op.f("fk_member_birthdays_member_id_members")),
            nullable=False,
        ),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer()),
        sa.CheckConstraint(
            "month BETWEEN 1 AND 12 AND day BETWEEN 1 AND 31",
            name=op.f("ck_member_birthdays_valid_day"),
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_birthdays")),
    )
    op.create_table(
        "birthday_grants",
        sa.Column(
            "member_id",
            _ID,
            sa.ForeignKey("members.id", name=op.f("fk_birthday_grants_member_id_members")),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column(
            "entry_id",
            _ID,
            sa.ForeignKey(
                "ledger_entries.id", name=op.f("fk_birthday_grants_entry_id_ledger_entries")
            ),
        ),
        sa.Column(
            "redemption_id",
            _ID,
            sa.ForeignKey(
                "redemptions.id", name=op.f("fk_birthday_grants_redemption_id_redemptions")
            ),
        ),
        sa.PrimaryKeyConstraint("member_id", "year", name=op.f("pk_birthday_grants")),
    )


def downgrade() -> None:
    op.drop_table("birthday_grants")
    op.drop_table("member_birthdays")
