"""The outbox: every event a use case announces, written in its transaction, for a
consumer to publish (webhooks, the welcome journey). Events are buffered and written in
one statement when the unit of work commits; on PostgreSQL that statement also stores the
answer of an idempotent request (idempotency.py, `written_with`), sent to the driver
itself (driver.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from patron.domain.events import Event
from patron.store import tables as t
from patron.store.base import INSERT, Repo
from patron.store.driver import driver

_COLUMNS = {
    "member_id": "bigint[]",
    "type": "varchar[]",
    "payload": "json[]",
    "occurred_at": "timestamp[]",
    "created_at": "timestamp[]",
}
# PostgreSQL: every buffered event in one statement, one array per column, in their order
INSERT_EVENTS = f"""\
INSERT INTO outbox ({", ".join(_COLUMNS)})
SELECT * FROM unnest({", ".join(f"%(outbox_{c})s::{kind}" for c, kind in _COLUMNS.items())})"""


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """An event as written: `published_at` stays None until the consumer delivers it."""

    id: int
    member_id: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    created_at: datetime
    published_at: datetime | None


def event(row: Row[Any]) -> OutboxEvent:
    return OutboxEvent(
        id=int(row.id),
        member_id=int(row.member_id),
        type=row.type,
        payload=dict(row.payload or {}),
        occurred_at=row.occurred_at,
        created_at=row.created_at,
        published_at=row.published_at,
    )


class Outbox(Repo):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._pending: list[dict[str, Any]] = []

    def add(self, events: Iterable[Event], at: datetime) -> None:
        self._pending += [
            {
                "member_id": e.member_id,
                "type": e.type,
                "payload": e.data,
                "occurred_at": e.occurred_at,
                "created_at": at,
            }
            for e in events
        ]

    def flush(self, *, with_statement: str = "", params: dict[str, Any] | None = None) -> None:
        """Write the buffered events. On PostgreSQL `with_statement` (a WITH clause, with
        its `params`) is sent in the same statement: one round trip for both."""
        pending, self._pending = self._pending, []
        pg = driver(self.conn)
        if pg is None:
            assert not with_statement
            if pending:
                self.conn.execute(INSERT[t.outbox], pending)
            return
        if not pending and not with_statement:
            return
        values = dict(params or {})
        for column in _COLUMNS:
            values[f"outbox_{column}"] = [e[column] for e in pending]
        # the JSON text SQLAlchemy's JSON type would send: json.dumps with its defaults
        values["outbox_payload"] = [json.dumps(e["payload"]) for e in pending]
        pg.execute(f"{with_statement}\n{INSERT_EVENTS}", values)

    def for_member(self, member_id: int) -> list[OutboxEvent]:
        self.flush()
        rows = self.conn.execute(
            select(t.outbox).where(t.outbox.c.member_id == member_id).order_by(t.outbox.c.id)
        )
        return [event(r) for r in rows]

    def backlog(self) -> int:
        """Events not yet published (what the outbox consumer still has to deliver)."""
        query = select(func.count()).select_from(t.outbox).where(t.outbox.c.published_at.is_(None))
        return int(self.conn.execute(query).scalar_one())
