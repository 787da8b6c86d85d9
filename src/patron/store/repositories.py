"""The API keys repository, kept here while the API keys are reworked elsewhere.

Every other repository has a module of its own, one per aggregate: programs.py,
members.py, purchases.py, ledger.py, rewards.py, redemptions.py, idempotency.py,
outbox.py, totals.py (what `verify` compares), audit.py, spend.py, privacy.py, and the
import's bulk writer, bulk.py. They speak in typed records and never commit: the unit of
work does (docs/architecture.md, "The store").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from patron.store import tables as t
from patron.store.base import Repo as _Repo
from patron.store.base import insert_row as _insert


class ApiKeys(_Repo):
    def add(self, **values: Any) -> int:
        return _insert(self.conn, t.api_keys, values)

    def by_hash(self, key_hash: str) -> Row[Any] | None:
        return self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.key_hash == key_hash, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()

    def all(self) -> Sequence[Row[Any]]:
        columns = [c for c in t.api_keys.c if c.name != "key_hash"]
        return self.conn.execute(select(*columns).order_by(t.api_keys.c.id)).all()

    def revoke(self, prefix: str, at: datetime) -> Row[Any] | None:
        """Revoke the active key with this prefix; None when there is none."""
        active = self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.prefix == prefix, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()
        if active is not None:
            self.conn.execute(
                update(t.api_keys).where(t.api_keys.c.id == active.id).values(revoked_at=at)
            )
        return active
