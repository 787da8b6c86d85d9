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
        """The key with this hash unless it was revoked (its expiry is the caller's rule)."""
        return self.conn.execute(
            select(t.api_keys).where(
                t.api_keys.c.key_hash == key_hash, t.api_keys.c.revoked_at.is_(None)
            )
        ).first()

    def all(self) -> Sequence[Row[Any]]:
        columns = [c for c in t.api_keys.c if c.name != "key_hash"]
        return self.conn.execute(select(*columns).order_by(t.api_keys.c.id)).all()

    def unrevoked(self, prefix: str, *, lock: bool = False) -> Row[Any] | None:
        """The key with this prefix that was not revoked, if any."""
        query = select(t.api_keys).where(
            t.api_keys.c.prefix == prefix, t.api_keys.c.revoked_at.is_(None)
        )
        if lock:
            query = query.with_for_update()
        return self.conn.execute(query.order_by(t.api_keys.c.id)).first()

    def update(self, key_id: int, **values: Any) -> None:
        self.conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_id).values(**values))

    def revoke(self, prefix: str, at: datetime) -> Row[Any] | None:
        """Revoke the key with this prefix that was not revoked yet; None when there is none.
        The row returned is the key as it was before."""
        active = self.unrevoked(prefix, lock=True)
        if active is not None:
            self.update(int(active.id), revoked_at=at)
        return active
