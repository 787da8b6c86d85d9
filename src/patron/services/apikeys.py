"""API keys: created once, shown once, stored only as a hash.

Keys are 32 random bytes, so a plain SHA-256 is enough to store them (unlike passwords,
they cannot be guessed from a dictionary) and lets a request be authenticated with one
indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from patron.domain.audit import AuditAction
from patron.domain.errors import InvalidInput, NotFound
from patron.domain.limits import API_KEY_NAME_LENGTH, text_problem
from patron.store.uow import UnitOfWork


class Scope(StrEnum):
    POS = "pos"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    scope: Scope

    @property
    def actor(self) -> str:
        return f"apikey:{self.name}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(uow: UnitOfWork, scope: str, name: str = "default", actor: str = "cli") -> str:
    """A new key, shown once; its creation is audited (the key itself never is)."""
    try:
        valid = Scope(scope)
    except ValueError:
        raise InvalidInput(
            f"scope must be one of {[s.value for s in Scope]}, not {scope!r}"
        ) from None
    problem = text_problem(name, API_KEY_NAME_LENGTH)  # its actor, "apikey:<name>", must fit
    if problem is not None:
        raise InvalidInput(f"name: {problem}")
    prefix = secrets.token_hex(4)
    key = f"ptr_{prefix}_{secrets.token_urlsafe(32)}"
    key_id = uow.api_keys.add(
        name=name, prefix=prefix, key_hash=hash_key(key), scope=valid.value, created_at=uow.now
    )
    uow.audit.record(
        uow.now,
        actor,
        AuditAction.APIKEY_CREATED,
        None,
        None,
        {"key_id": key_id, "name": name, "prefix": prefix, "scope": valid.value},
    )
    return key


def authenticate(uow: UnitOfWork, key: str) -> Principal | None:
    row = uow.api_keys.by_hash(hash_key(key))
    if row is None:
        return None
    return Principal(int(row.id), row.name, Scope(row.scope))


def revoke_key(uow: UnitOfWork, prefix: str, actor: str = "cli") -> None:
    """Revoke a key by the prefix shown in it (`ptr_<prefix>_...`), and audit it.

    Servers keep authenticated keys for up to 30 s (api/deps.py), so a revoked key may
    work that much longer on a running server.
    """
    revoked = uow.api_keys.revoke(prefix, uow.now)
    if revoked is None:
        raise NotFound(f"no active API key with prefix {prefix!r}")
    uow.audit.record(
        uow.now,
        actor,
        AuditAction.APIKEY_REVOKED,
        None,
        None,
        {
            "key_id": int(revoked.id),
            "name": revoked.name,
            "prefix": prefix,
            "scope": revoked.scope,
        },
    )
