"""The server's secrets: made on first use, kept in the store, so that every worker of
`patron serve --workers N` and every restart signs and checks with the same key, and an
operator has nothing to configure (docs/staff.md says how to replace one)."""

from __future__ import annotations

import secrets

from patron.store.uow import UnitOfWork

SESSION_KEY = "console.sessions"


def server_secret(uow: UnitOfWork, name: str) -> str:
    """The secret `name`, made now (256 random bits) when there is none yet."""
    return uow.secrets.get_or_create(name, lambda: secrets.token_urlsafe(32), uow.now)
