"""API keys scoped to a shop and to operations, rotated with an overlap; purchases and
redemptions record the shop of the key that made them

`api_keys` gains `shop` (NULL: every shop), `operations` (a JSON list; NULL: every
operation of the key's scope) and `expires_at` (set when a key is rotated: it stops
working then). `purchases` and `redemptions` gain `shop`. Every column is nullable, and
existing rows keep NULL: existing keys act for every shop and every operation as before,
and existing purchases and redemptions belong to no shop, so only a key for every shop
may refund or cancel them (domain/access.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

SHOP_LENGTH = 64  # domain/limits.SHOP_LENGTH when this migration was written


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("shop", sa.String(length=SHOP_LENGTH), nullable=True))
        batch.add_column(sa.Column("operations", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    for table in ("purchases", "redemptions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("shop", sa.String(length=SHOP_LENGTH), nullable=True))


def downgrade() -> None:
    for table in ("redemptions", "purchases"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("shop")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("operations")
        batch.drop_column("shop")
