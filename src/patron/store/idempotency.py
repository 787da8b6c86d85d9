"""Idempotency keys: a key claimed for one transaction, and the answer stored under it,
which commits with the write it answers (api/idempotency.py says why).

An answer is written when the unit of work commits (or before a key is looked up again
in it): on PostgreSQL in the same statement as the outbox's events (`written_with`), one
round trip for both at the end of every idempotent write."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select

from patron.store import tables as t
from patron.store.base import Repo, insert_row
from patron.store.driver import driver

_K = t.idempotency_keys
_GET = select(_K.c.request_hash, _K.c.response_status, _K.c.response_body, _K.c.created_at).where(
    _K.c.api_key_id == bindparam("api_key_id"), _K.c.key == bindparam("key")
)
_STORE = insert(_K).values({name: bindparam(name) for name in _K.c.keys() if name != "id"})
_ADVISORY_LOCK = select(func.pg_try_advisory_xact_lock(bindparam("lock_id")))


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """What a request under a key was answered, and the fingerprint of its body."""

    request_hash: str
    response_status: int
    response_body: str
    created_at: datetime


_STORE_COLUMNS = [name for name in _K.c.keys() if name != "id"]
_STORE_WITH = f"""\
WITH stored_answer AS (
  INSERT INTO idempotency_keys ({", ".join(_STORE_COLUMNS)})
  VALUES ({", ".join(f"%(answer_{c})s" for c in _STORE_COLUMNS)})
)"""


def stored_key(key: str) -> str:
    """What is stored of a client's `Idempotency-Key`: its SHA-256, in hex. A key is the
    client's text, and may name a customer (`enroll-ana.novak`); an erasure cannot find
    it among the keys, so no key is kept as written (migration 0027 hashed the earlier
    ones). A retry sends the same key, which hashes to the same digest."""
    return hashlib.sha256(key.encode()).hexdigest()


class Idempotency(Repo):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._unstored: list[dict[str, Any]] = []

    def try_lock(self, api_key_id: int, key: str) -> bool:
        """Claim the key for this transaction; false if another transaction holds it.

        On PostgreSQL a transaction-scoped advisory lock, released at commit or rollback;
        SQLite needs none, as its writers already run one at a time (BEGIN IMMEDIATE).
        """
        if self.conn.dialect.name != "postgresql":
            return True
        digest = hashlib.blake2b(f"{api_key_id}:{key}".encode(), digest_size=8).digest()
        lock_id = int.from_bytes(digest, "big", signed=True)
        pg = driver(self.conn)
        assert pg is not None
        found = pg.one(_ADVISORY_LOCK, {"lock_id": lock_id})
        return bool(found and found[0])

    def get(self, api_key_id: int, key: str) -> StoredAnswer | None:
        self.flush()
        params = {"api_key_id": api_key_id, "key": stored_key(key)}
        pg = driver(self.conn)
        if pg is not None:
            row = pg.one(_GET, params)
        else:
            row = self.conn.execute(_GET, params).first()
        if row is None:
            return None
        request_hash, status, body, created_at = row
        return StoredAnswer(
            request_hash=request_hash,
            response_status=int(status),
            response_body=body,
            created_at=created_at,
        )

    def store(
        self, api_key_id: int, key: str, request_hash: str, status: int, body: str, at: datetime
    ) -> None:
        """Store the answer under the key: written when the unit of work commits."""
        self._unstored.append(
            {
                "api_key_id": api_key_id,
                "key": stored_key(key),
                "request_hash": request_hash,
                "response_status": status,
                "response_body": body,
                "created_at": at,
            }
        )

    def flush(self) -> None:
        """Write the answers stored so far."""
        unstored, self._unstored = self._unstored, []
        pg = driver(self.conn)
        for values in unstored:
            if pg is not None:
                pg.execute(_STORE, values)
            else:
                insert_row(self.conn, _K, values)

    def written_with(self) -> tuple[str, dict[str, Any]]:
        """PostgreSQL: the one answer stored so far as a WITH clause and its parameters,
        for the outbox to send with its events (("", {}) when there is none, or more than
        one, which `flush` writes itself)."""
        if len(self._unstored) != 1 or driver(self.conn) is None:
            self.flush()
            return "", {}
        values = self._unstored.pop()
        return _STORE_WITH, {f"answer_{c}": v for c, v in values.items()}

    def purge(self, before: datetime) -> int:
        self.flush()
        result = self.conn.execute(
            delete(t.idempotency_keys).where(t.idempotency_keys.c.created_at < before)
        )
        return int(result.rowcount)
