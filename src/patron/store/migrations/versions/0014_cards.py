"""loyalty cards: a table of their own, members.card moved into it

New table `cards` (number unique, status issued/active/blocked, member, batch, times,
replaced_by). Every card a member typed at joining (members.card, migration 0010) becomes
an active card of that member, with no batch (an "external" card, docs/cards.md); then
members.card and its unique index go, so a card is kept in one place only.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/joining.py, domain/limits.py)
CARD_LENGTH = 32
SHORT_LENGTH = 50
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cards",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("number", sa.String(length=CARD_LENGTH), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "member_id", _ID, sa.ForeignKey("members.id", name=op.f("fk_cards_member_id_members"))
        ),
        sa.Column("batch", sa.String(length=SHORT_LENGTH)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("linked_at", sa.DateTime()),
        sa.Column("blocked_at", sa.DateTime()),
        sa.Column("replaced_by", sa.String(length=CARD_LENGTH)),
        sa.CheckConstraint(
            "status IN ('issued', 'active', 'blocked')", name=op.f("ck_cards_known_status")
        ),
        sa.CheckConstraint(
            "status <> 'active' OR member_id IS NOT NULL",
            name=op.f("ck_cards_active_has_member"),
        ),
        sa.UniqueConstraint("number", name=op.f("uq_cards_number")),
    )
    op.create_index("ix_cards_member", "cards", ["member_id"])
    op.create_index("ix_cards_batch", "cards", ["batch"])
    op.execute(
        "INSERT INTO cards (number, status, member_id, created_at, linked_at)"
        " SELECT card, 'active', id, enrolled_at, enrolled_at FROM members"
        " WHERE card IS NOT NULL AND erased_at IS NULL"
    )
    op.drop_index("uq_members_card", table_name="members")
    # ALTER TABLE DROP COLUMN in place (SQLite 3.35+): a table copy would drop 0007's triggers
    op.drop_column("members", "card")


def downgrade() -> None:
    op.add_column("members", sa.Column("card", sa.String(length=CARD_LENGTH)))
    op.create_index("uq_members_card", "members", ["card"], unique=True)
    # each member's newest active card goes back to members.card; the others are lost
    op.execute(
        "UPDATE members SET card = (SELECT c.number FROM cards c WHERE c.member_id = members.id"
        " AND c.status = 'active' ORDER BY c.linked_at DESC, c.id DESC LIMIT 1)"
    )
    op.drop_index("ix_cards_batch", table_name="cards")
    op.drop_index("ix_cards_member", table_name="cards")
    op.drop_table("cards")
