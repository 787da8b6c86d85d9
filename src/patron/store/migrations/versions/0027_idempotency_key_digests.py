"""idempotency keys stored as their SHA-256 digests

A client's `Idempotency-Key` is its own text and may name a customer (`enroll-ana.novak`),
which an erasure cannot find; from now on only its SHA-256 (hex, 64 characters) is
stored (store/idempotency.py `stored_key`). The keys stored before are replaced by their
digests, so that a retry of a request answered before the upgrade is still recognised.
Not undone by a downgrade: a digest cannot be turned back into its key.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_KEYS = sa.table("idempotency_keys", sa.column("id", sa.Integer), sa.column("key", sa.String))
_BATCH = 1000


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_KEYS.c.id, _KEYS.c.key)).all()
    update = (
        sa.update(_KEYS)
        .where(_KEYS.c.id == sa.bindparam("row_id"))
        .values(key=sa.bindparam("digest"))
    )
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        conn.execute(
            update,
            [
                {"row_id": row.id, "digest": hashlib.sha256(row.key.encode()).hexdigest()}
                for row in batch
            ],
        )


def downgrade() -> None:
    """Nothing to undo: the digests stay (a digest cannot be turned back into its key)."""
