"""The audit log repository: entries are added and read, never changed or removed.

The database holds the promise too: migration 0004 installs triggers that refuse UPDATE
and DELETE on `audit_log` on both stores, so not even a bug in Patron can rewrite it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from patron.domain.audit import AuditAction, AuditEntry, AuditQuery
from patron.store import tables as t

_LOG = t.audit_log
_ADD = insert(_LOG)


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=int(row.id),
        at=row.at,
        actor=row.actor,
        action=row.action,
        member_id=None if row.member_id is None else int(row.member_id),
        reason=row.reason,
        details=dict(row.details or {}),
    )


class AuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        at: datetime,
        actor: str,
        action: AuditAction,
        member_id: int | None,
        reason: str | None,
        details: dict[str, Any],
    ) -> None:
        self.conn.execute(
            _ADD,
            {
                "at": at,
                "actor": actor,
                "action": action.value,
                "member_id": member_id,
                "reason": reason,
                "details": details,
            },
        )

    def search(self, query: AuditQuery) -> list[AuditEntry]:
        """The entries the query selects, oldest first, at most `query.limit`."""
        stmt = select(_LOG).where(_LOG.c.id > query.after)
        if query.actor is not None:
            stmt = stmt.where(_LOG.c.actor == query.actor)
        if query.action is not None:
            stmt = stmt.where(_LOG.c.action == query.action)
        if query.member_id is not None:
            stmt = stmt.where(_LOG.c.member_id == query.member_id)
        if query.since is not None:
            stmt = stmt.where(_LOG.c.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(_LOG.c.at < query.until)
        rows = self.conn.execute(stmt.order_by(_LOG.c.id).limit(query.limit))
        return [_entry(r) for r in rows]

    def for_member(self, member_id: int) -> list[AuditEntry]:
        return self.search(AuditQuery(member_id=member_id, limit=1_000_000))
