"""unsubscribes and locales: a consent record names the message whose unsubscribe link
made it; a member may have a language for their messages

A nullable column `consents.message_id` (no foreign key: a message may be purged, the
record stays) and an index on it, so a campaign counts its unsubscribes; a nullable
column `members.locale` (None: the program's default language).

Revision ID: 0023
Revises: 0022 (surveys reached main first, on 0022)
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("consents", sa.Column("message_id", _ID))
    op.create_index("ix_consents_message", "consents", ["message_id"])
    op.add_column("members", sa.Column("locale", sa.String(16)))


def downgrade() -> None:
    # a plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of `members` would
    # lose its expression index and the erasure triggers of migration 0007
    op.drop_column("members", "locale")
    op.drop_index("ix_consents_message", "consents")
    op.drop_column("consents", "message_id")
