"""the audit log is append-only, and its actions are named like events

Triggers refuse UPDATE and DELETE of `audit_log` rows on both stores, so no code path
(nor a hand-typed statement by the application's own user) can rewrite who did what.
TRUNCATE and DROP stay possible for the database owner: the triggers guard against
mistakes, not against the owner of the database. The one action written before with an
underscore, `apikey_revoked`, is renamed `apikey.revoked` first, like `points.adjusted`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_MESSAGE = "audit_log is append-only: its rows cannot be changed or deleted"


def upgrade() -> None:
    op.execute("UPDATE audit_log SET action = 'apikey.revoked' WHERE action = 'apikey_revoked'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION patron_audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'restrict_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION patron_audit_log_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation}"
                f" ON audit_log BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION patron_audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.execute("UPDATE audit_log SET action = 'apikey_revoked' WHERE action = 'apikey.revoked'")
