"""The API keys repository: keys as typed records, stored by the hash of the key.

A key's secret is never stored, only its SHA-256; listings leave even the hash out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from patron.store import tables as t
from patron.store.base import Repo, insert_row

_K = t.api_keys


@dataclass(frozen=True, slots=True)
class NewApiKey:
    name: str
    prefix: str
    key_hash: str
    scope: str
    created_at: datetime
    shop: str | None
    operations: tuple[str, ...] | None  # None: every operation


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None  # set by a rotation: the key stops working then
    shop: str | None
    operations: tuple[str, ...] | None


def _record(row: Row[Any]) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=int(row.id),
        name=row.name,
        prefix=row.prefix,
        scope=row.scope,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        shop=row.shop,
        operations=None if row.operations is None else tuple(row.operations),
    )


_LISTED = [c for c in _K.c if c.name != "key_hash"]


class ApiKeys(Repo):
    def add(self, key: NewApiKey) -> int:
        operations = None if key.operations is None else list(key.operations)
        return insert_row(
            self.conn,
            _K,
            {
                "name": key.name,
                "prefix": key.prefix,
                "key_hash": key.key_hash,
                "scope": key.scope,
                "created_at": key.created_at,
                "shop": key.shop,
                "operations": operations,
            },
        )

    def by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """The key with this hash unless it was revoked (its expiry is the caller's rule)."""
        row = self.conn.execute(
            select(*_LISTED).where(_K.c.key_hash == key_hash, _K.c.revoked_at.is_(None))
        ).first()
        return None if row is None else _record(row)

    def all(self) -> list[ApiKeyRecord]:
        return [_record(r) for r in self.conn.execute(select(*_LISTED).order_by(_K.c.id))]

    def unrevoked(self, prefix: str, *, lock: bool = False) -> ApiKeyRecord | None:
        """The key with this prefix that was not revoked, if any."""
        query = select(*_LISTED).where(_K.c.prefix == prefix, _K.c.revoked_at.is_(None))
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query.order_by(_K.c.id)).first()
        return None if row is None else _record(row)

    def set_expiry(self, key_id: int, expires_at: datetime) -> None:
        self.conn.execute(update(_K).where(_K.c.id == key_id).values(expires_at=expires_at))

    def revoke(self, prefix: str, at: datetime) -> ApiKeyRecord | None:
        """Revoke the key with this prefix that was not revoked yet; None when there is none.
        The record returned is the key as it was before."""
        active = self.unrevoked(prefix, lock=True)
        if active is not None:
            self.conn.execute(update(_K).where(_K.c.id == active.id).values(revoked_at=at))
        return active
