"""The server's own secrets, made once and shared by every worker and every restart.

Two workers starting together may both find no secret and both try to add one: the insert
runs in a savepoint, and the one that loses reads the winner's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from patron.store import tables as t
from patron.store.base import Repo

_S = t.server_secrets


class ServerSecrets(Repo):
    def get_or_create(self, name: str, make: Callable[[], str], now: datetime) -> str:
        found = self._get(name)
        if found is not None:
            return found
        try:
            with self.conn.begin_nested():
                self.conn.execute(_S.insert(), {"name": name, "value": make(), "created_at": now})
        except IntegrityError:
            pass  # another worker made it first
        made = self._get(name)
        assert made is not None
        return made

    def get(self, name: str) -> str | None:
        """The secret `name`, or None when none was made yet (a read that writes nothing)."""
        return self._get(name)

    def _get(self, name: str) -> str | None:
        value = self.conn.execute(select(_S.c.value).where(_S.c.name == name)).scalar()
        return None if value is None else str(value)
