"""redemptions carry the till's transaction id, unique per member

A till that fails over to a second API key sends the same redemption again; idempotency
keys are scoped to the API key, so only a natural key of the sale can tell it is the same
one. `transaction_id` is optional (NULL for redemptions made before it existed or sent
without one; NULLs never collide), and unique per member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("redemptions") as batch:
        batch.add_column(sa.Column("transaction_id", sa.String(length=128), nullable=True))
        batch.create_unique_constraint(
            "uq_redemptions_member_transaction", ["member_id", "transaction_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("redemptions") as batch:
        batch.drop_constraint("uq_redemptions_member_transaction", type_="unique")
        batch.drop_column("transaction_id")
