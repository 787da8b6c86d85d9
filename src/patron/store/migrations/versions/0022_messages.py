"""messages: the message core's queue of messages to members, the suppression list and
the templates staff write

New tables `messages`, `suppressions` and `message_templates`; nothing existing changes.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/messages.py, domain/limits.py)
KEY_LENGTH = 200
TEMPLATE_LENGTH = 100
ADDRESS_LENGTH = 320
ERROR_LENGTH = 500
SHORT_LENGTH = 50
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("member_id", _ID, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=TEMPLATE_LENGTH), nullable=False),
        sa.Column("key", sa.String(length=KEY_LENGTH), nullable=False),
        sa.Column("campaign_id", _ID),
        sa.Column("journey", sa.String(length=SHORT_LENGTH)),
        sa.Column("variant", sa.String(length=SHORT_LENGTH)),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refusal", sa.String(length=16)),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", sa.DateTime()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("address", sa.String(length=ADDRESS_LENGTH)),
        sa.Column("error", sa.String(length=ERROR_LENGTH)),
        sa.UniqueConstraint("key", name=op.f("uq_messages_key")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_messages_attempts_not_negative")),
    )
    op.create_index("ix_messages_status", "messages", ["status", "not_before"])
    op.create_index("ix_messages_member_id", "messages", ["member_id", "queued_at"])
    op.create_index("ix_messages_campaign_id", "messages", ["campaign_id", "status"])
    op.create_table(
        "suppressions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=ADDRESS_LENGTH), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=SHORT_LENGTH), nullable=False),
        sa.Column("actor", sa.String(length=ACTOR_LENGTH)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("channel", "address", name="uq_suppressions_address"),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=TEMPLATE_LENGTH), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=ACTOR_LENGTH)),
        sa.UniqueConstraint("name", "locale", name="uq_message_templates_name"),
    )


def downgrade() -> None:
    op.drop_table("message_templates")
    op.drop_table("suppressions")
    op.drop_index("ix_messages_campaign_id", table_name="messages")
    op.drop_index("ix_messages_member_id", table_name="messages")
    op.drop_index("ix_messages_status", table_name="messages")
    op.drop_table("messages")
