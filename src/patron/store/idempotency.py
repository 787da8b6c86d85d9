"""Idempotency keys: a key claimed for one transaction, and the answer stored under it,
which commits with the write it answers (api/idempotency.py says why)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select

from patron.store import tables as t
from patron.store.base import Repo, insert_row

_GET = select(t.idempotency_keys).where(
    t.idempotency_keys.c.api_key_id == bindparam("api_key_id"),
    t.idempotency_keys.c.key == bindparam("key"),
)
_ADVISORY_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock_id")))


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """What a request under a key was answered, and the fingerprint of its body."""

    request_hash: str
    response_status: int
    response_body: str
    created_at: datetime


class Idempotency(Repo):
    def try_lock(self, api_key_id: int, key: str) -> bool:
        """Claim the key for this transaction; false if another transaction holds it.

        On PostgreSQL a transaction-scoped advisory lock, released at commit or rollback;
        SQLite needs none, as its writers already run one at a time (BEGIN IMMEDIATE).
        """
        if self.conn.dialect.name != "postgresql":
            return True
        digest = hashlib.blake2b(f"{api_key_id}:{key}".encode(), digest_size=8).digest()
        lock_id = int.from_bytes(digest, "big", signed=True)
        return bool(self.conn.execute(_ADVISORY_LOCK, {"lock_id": lock_id}).scalar_one())

    def get(self, api_key_id: int, key: str) -> StoredAnswer | None:
        row = self.conn.execute(_GET, {"api_key_id": api_key_id, "key": key}).first()
        if row is None:
            return None
        return StoredAnswer(
            request_hash=row.request_hash,
            response_status=int(row.response_status),
            response_body=row.response_body,
            created_at=row.created_at,
        )

    def store(
        self, api_key_id: int, key: str, request_hash: str, status: int, body: str, at: datetime
    ) -> None:
        insert_row(
            self.conn,
            t.idempotency_keys,
            {
                "api_key_id": api_key_id,
                "key": key,
                "request_hash": request_hash,
                "response_status": status,
                "response_body": body,
                "created_at": at,
            },
        )

    def purge(self, before: datetime) -> int:
        result = self.conn.execute(
            delete(t.idempotency_keys).where(t.idempotency_keys.c.created_at < before)
        )
        return int(result.rowcount)
