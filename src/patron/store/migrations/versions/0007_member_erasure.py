"""members can be erased (GDPR Article 17), and an erasure is final

`members.erased_at` records when a member's personal fields were erased (docs/privacy.md).
Triggers make the erasure final on both stores: once `erased_at` is set, an UPDATE that
names the member's identifying columns (external_id, email, name, referral_code,
erased_at) is refused, and no UPDATE may leave an erased member with an e-mail or a name.
The counters the ledger moves (balance, debt, purchase_count, lifetime_spend, tier) are
not named, so refunds and expiry still run for an erased member and the triggers cost
nothing on the earn path. Like the audit log's (0004), they guard against mistakes, not
against the database's owner.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_FINAL = "member erasure is final: the identifying fields of an erased member cannot change"
_EMPTY = "an erased member holds no e-mail and no name"
_COLUMNS = "external_id, email, name, referral_code, erased_at"


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION patron_member_erasure_is_final() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF OLD.erased_at IS NOT NULL THEN
                    RAISE EXCEPTION '{_FINAL}' USING ERRCODE = 'restrict_violation';
                END IF;
                IF NEW.erased_at IS NOT NULL
                   AND (NEW.email IS NOT NULL OR NEW.name IS NOT NULL) THEN
                    RAISE EXCEPTION '{_EMPTY}' USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER members_erasure_is_final BEFORE UPDATE OF {_COLUMNS} ON members"
            " FOR EACH ROW EXECUTE FUNCTION patron_member_erasure_is_final()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER members_erasure_is_final BEFORE UPDATE OF {_COLUMNS} ON members"
            f" BEGIN SELECT RAISE(ABORT, '{_FINAL}') WHERE OLD.erased_at IS NOT NULL;"
            f" SELECT RAISE(ABORT, '{_EMPTY}') WHERE NEW.erased_at IS NOT NULL"
            " AND (NEW.email IS NOT NULL OR NEW.name IS NOT NULL); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER members_erasure_is_final ON members")
        op.execute("DROP FUNCTION patron_member_erasure_is_final()")
    else:
        op.execute("DROP TRIGGER members_erasure_is_final")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("erased_at")
