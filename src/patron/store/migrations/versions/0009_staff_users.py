"""Staff users: the people who log in to the console, with a role and an Argon2 hash; the
server's secrets (the key that signs the console's session cookies); and the members'
magic links to the portal (the SHA-256 of each token, never the token)

New tables, and an index on members' addresses compared without regard to case (the
portal looks a member up by the address they type); nothing existing changes. Staff
e-mails are stored lower-cased and unique.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

EMAIL_LENGTH = 95  # domain/staff.EMAIL_LENGTH when this migration was written
NAME_LENGTH = 200


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("email", sa.String(length=EMAIL_LENGTH), nullable=False, unique=True),
        sa.Column("name", sa.String(length=NAME_LENGTH)),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled_at", sa.DateTime()),
        sa.Column("last_login_at", sa.DateTime()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime()),
        sa.Column("sessions_after", sa.DateTime()),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "login_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("members.id"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime()),
    )
    op.create_index("ix_login_links_member_time", "login_links", ["member_id", "created_at"])
    op.create_index("ix_members_email_lower", "members", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_members_email_lower", table_name="members")
    op.drop_index("ix_login_links_member_time", table_name="login_links")
    op.drop_table("login_links")
    op.drop_table("server_secrets")
    op.drop_table("staff_users")
