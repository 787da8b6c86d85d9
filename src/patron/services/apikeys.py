"""API keys: created once, shown once, stored only as a hash; scoped; rotated; audited.

Keys are 32 random bytes, so a plain SHA-256 is enough to store them (unlike passwords,
they cannot be guessed from a dictionary) and lets a request be authenticated with one
indexed lookup.

A pos key may be bound to a shop and to a list of operations (domain/access.py). Admin
keys are for people: each one carries its person's name, which the audit log records as
`apikey:<name>` with everything the key does, so an admin key is refused without a name,
and never bound to a shop or to operations. A rotation issues a new key with the old
one's name and scope and gives the old one an `expires_at`: both work until then, so the
tills can be moved to the new key one by one. Creating, rotating and revoking a key are
audited (the key itself never is).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from patron.domain.access import (
    KeyStatus,
    Operation,
    checked_operations,
    checked_overlap,
    checked_shop,
    key_status,
)
from patron.domain.audit import AuditAction
from patron.domain.errors import InvalidInput, KeyRotated, NotFound
from patron.domain.limits import API_KEY_NAME_LENGTH, text_problem
from patron.store.apikeys import ApiKeyRecord, NewApiKey
from patron.store.uow import UnitOfWork

POS_DEFAULT_NAME = "default"


class Scope(StrEnum):
    POS = "pos"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The caller behind a key, as the API's routes check it."""

    key_id: int
    name: str
    scope: Scope
    shop: str | None = None  # None: every shop
    operations: frozenset[Operation] | None = None  # None: every operation of its scope
    prefix: str = ""
    expires_at: datetime | None = None  # set by a rotation

    @property
    def actor(self) -> str:
        return f"apikey:{self.name}"

    def may(self, operation: Operation) -> bool:
        return self.scope is Scope.ADMIN or self.operations is None or operation in self.operations

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class NewKey:
    scope: str = Scope.POS.value
    name: str | None = None  # required for admin keys; a pos key's defaults to "default"
    shop: str | None = None
    operations: Sequence[str] | None = None


@dataclass(frozen=True)
class KeyInfo:
    """A key as it is listed: never the key, nor its hash."""

    key_id: int
    prefix: str
    name: str
    scope: str
    shop: str | None
    operations: tuple[str, ...] | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: KeyStatus


@dataclass(frozen=True)
class Issued:
    key: str  # shown once
    info: KeyInfo


@dataclass(frozen=True)
class Rotated:
    issued: Issued
    replaced: KeyInfo  # the old key, working until its expires_at


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    uow: UnitOfWork,
    scope: str,
    name: str | None = None,
    actor: str = "cli",
    *,
    shop: str | None = None,
    operations: Sequence[str] | None = None,
) -> str:
    """A new key, shown once; its creation is audited (the key itself never is)."""
    return issue_key(uow, NewKey(scope, name, shop, operations), actor).key


def issue_key(uow: UnitOfWork, new: NewKey, actor: str) -> Issued:
    """A new key and how it is listed; InvalidInput naming the field that cannot be."""
    scope, name, shop, operations = _checked(new)
    issued = _insert(uow, scope, name, shop, operations)
    uow.audit.record(uow.now, actor, AuditAction.APIKEY_CREATED, None, None, _details(issued.info))
    return issued


def list_keys(uow: UnitOfWork) -> list[KeyInfo]:
    return [_info(row, uow.now) for row in uow.api_keys.all()]


def authenticate(uow: UnitOfWork, key: str) -> Principal | None:
    """The caller behind `key`, or None for a key unknown, revoked or past its expiry."""
    row = uow.api_keys.by_hash(hash_key(key))
    if row is None:
        return None
    principal = Principal(
        row.id,
        row.name,
        Scope(row.scope),
        row.shop,
        None if row.operations is None else frozenset(Operation(o) for o in row.operations),
        row.prefix,
        row.expires_at,
    )
    return None if principal.expired(uow.now) else principal


def revoke_key(uow: UnitOfWork, prefix: str, actor: str = "cli") -> KeyInfo:
    """Revoke a key by the prefix shown in it (`ptr_<prefix>_...`), and audit it.

    Servers keep authenticated keys for PATRON_KEY_CACHE_SECONDS (api/deps.py), so a
    revoked key may work that much longer on a running server."""
    revoked = uow.api_keys.revoke(prefix, uow.now)
    if revoked is None:
        raise NotFound(f"no active API key with prefix {prefix!r}")
    info = replace(_info(revoked, uow.now), revoked_at=uow.now, status=KeyStatus.REVOKED)
    uow.audit.record(uow.now, actor, AuditAction.APIKEY_REVOKED, None, None, _details(info))
    return info


def rotate_key(uow: UnitOfWork, prefix: str, overlap: timedelta, actor: str = "cli") -> Rotated:
    """A new key in place of the one with `prefix`, which keeps working for `overlap`."""
    overlap = checked_overlap(overlap)
    old = uow.api_keys.unrevoked(prefix, lock=True)
    if old is None:
        raise NotFound(f"no active API key with prefix {prefix!r}")
    if old.expires_at is not None:
        stops = old.expires_at.isoformat(sep=" ", timespec="seconds")
        raise KeyRotated(
            f"the key with prefix {prefix!r} was already rotated (it stops at {stops} UTC):"
            " rotate the key that replaced it, or revoke it"
        )
    issued = _insert(uow, old.scope, old.name, old.shop, old.operations)
    expires_at = uow.now + overlap
    uow.api_keys.set_expiry(old.id, expires_at)
    replaced = replace(
        _info(old, uow.now),
        expires_at=expires_at,
        status=key_status(None, expires_at, uow.now),
    )
    details = _details(issued.info) | {
        "replaces": replaced.prefix,
        "replaced_key_id": replaced.key_id,
        "replaced_expires_at": expires_at.isoformat(),
    }
    uow.audit.record(uow.now, actor, AuditAction.APIKEY_ROTATED, None, None, details)
    return Rotated(issued, replaced)


def _checked(new: NewKey) -> tuple[str, str, str | None, tuple[str, ...] | None]:
    try:
        scope = Scope(new.scope)
    except ValueError:
        raise InvalidInput(
            f"scope must be one of {[s.value for s in Scope]}, not {new.scope!r}"
        ) from None
    name = new.name
    if name is None and scope is Scope.ADMIN:
        raise InvalidInput(
            "name: an admin key is for a person: name them (e.g. alice); everything the key"
            " does is audited as apikey:<name>"
        )
    name = POS_DEFAULT_NAME if name is None else name
    problem = text_problem(name, API_KEY_NAME_LENGTH)  # its actor, "apikey:<name>", must fit
    if problem is None and not name.strip():
        problem = "must not be empty"
    if problem is not None:
        raise InvalidInput(f"name: {problem}")
    if scope is Scope.ADMIN and (new.shop is not None or new.operations is not None):
        raise InvalidInput(
            "shop, operations: an admin key acts for every shop and may do everything;"
            " bind a pos key instead"
        )
    shop = checked_shop(new.shop)
    operations = checked_operations(new.operations)
    return scope.value, name, shop, None if operations is None else tuple(operations)


def _insert(
    uow: UnitOfWork, scope: str, name: str, shop: str | None, operations: tuple[str, ...] | None
) -> Issued:
    prefix = secrets.token_hex(4)
    while uow.api_keys.unrevoked(prefix) is not None:  # prefixes name keys: keep them apart
        prefix = secrets.token_hex(4)
    key = f"ptr_{prefix}_{secrets.token_urlsafe(32)}"
    key_id = uow.api_keys.add(
        NewApiKey(name, prefix, hash_key(key), scope, uow.now, shop, operations)
    )
    info = KeyInfo(
        key_id, prefix, name, scope, shop, operations, uow.now, None, None, KeyStatus.ACTIVE
    )
    return Issued(key, info)


def _info(row: ApiKeyRecord, now: datetime) -> KeyInfo:
    return KeyInfo(
        row.id,
        row.prefix,
        row.name,
        row.scope,
        row.shop,
        row.operations,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        key_status(row.revoked_at, row.expires_at, now),
    )


def _details(info: KeyInfo) -> dict[str, Any]:
    """What the audit log keeps of a key: who and what it is for, never the key."""
    return {
        "key_id": info.key_id,
        "name": info.name,
        "prefix": info.prefix,
        "scope": info.scope,
        "shop": info.shop,
        "operations": None if info.operations is None else list(info.operations),
    }
