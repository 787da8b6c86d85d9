"""webhooks: subscriptions, one delivery per (event, subscription) with its state, and the
log of every attempt; the outbox notes when the worker routed an event

New tables `webhook_subscriptions`, `webhook_deliveries`, `webhook_attempts`; a nullable
column `outbox.routed_at` and indexes on it and on `outbox.published_at`. Events written
before are routed by the first worker to run (to the subscriptions existing then).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# the lengths when this migration was written (domain/webhooks.py, domain/limits.py)
URL_LENGTH = 2000
DESCRIPTION_LENGTH = 200
ERROR_LENGTH = 500
ACTOR_LENGTH = 100
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("routed_at", sa.DateTime()))
    op.create_index("ix_outbox_routed_at", "outbox", ["routed_at"])
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(length=URL_LENGTH), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=DESCRIPTION_LENGTH), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=ACTOR_LENGTH), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", _ID, sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column(
            "subscription_id", _ID, sa.ForeignKey("webhook_subscriptions.id"), nullable=False
        ),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime()),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.String(length=ERROR_LENGTH)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime()),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_webhook_deliveries_event_id"),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_webhook_deliveries_attempts_not_negative")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_state", "webhook_deliveries", ["state", "next_attempt_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_member_id",
        "webhook_deliveries",
        ["member_id", "subscription_id", "event_id"],
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", _ID, sa.ForeignKey("webhook_deliveries.id"), nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.String(length=ERROR_LENGTH)),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempts_delivery_id", table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_deliveries_member_id", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_state", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
    op.drop_index("ix_outbox_routed_at", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("routed_at")
