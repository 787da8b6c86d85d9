"""The store's tables as the analytics read them: one Ibis connection, opened once.

The composition root (bootstrap.Patron.analytics) builds a `StoreAnalytics` from the
engine's address, so no adapter renders a URL with its password or opens a connection per
request. Computations take turns on the connection: an SQLite connection belongs to one
thread unless told otherwise, a psycopg connection runs one statement at a time, and the
analytics are an admin's occasional questions, not a till's traffic. A computation that
fails drops the connection, so one cut by a restarted database is opened again next time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import ibis
from sqlalchemy.engine import URL, make_url

from patron.analytics.snapshot import StoreCopy, Version
from patron.domain.errors import InvalidInput, PatronError

if TYPE_CHECKING:
    from patron.analytics.frames import Source

R = TypeVar("R")


@dataclass(frozen=True)
class StoreAddress:
    """Where the store is: what a database URL says, without rendering its password."""

    dialect: str  # "sqlite" or "postgresql"
    database: str | None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def address_of(url: str | URL) -> StoreAddress:
    parsed = make_url(url)
    return StoreAddress(
        parsed.get_backend_name(),
        parsed.database,
        parsed.host,
        parsed.port,
        parsed.username,
        None if parsed.password is None else str(parsed.password),
    )


def connect(address: StoreAddress) -> ibis.BaseBackend:
    """An Ibis connection to the store; reading never creates a database."""
    if address.dialect == "sqlite":
        path = address.database or ":memory:"
        if path != ":memory:" and not Path(path).is_file():
            raise InvalidInput(f"no store at {path}: run `patron init` (or `patron demo`) first")
        # the connection is shared by the server's threads, one computation at a time
        return ibis.sqlite.from_connection(sqlite3.connect(path, check_same_thread=False))
    if address.dialect == "postgresql":
        given = {
            "host": address.host,
            "port": address.port,
            "user": address.user,
            "password": address.password,
            "database": address.database,
        }
        return ibis.postgres.connect(**{k: v for k, v in given.items() if v is not None})
    raise InvalidInput(f"analytics cannot read {address.dialect} stores yet")


class StoreAnalytics:
    """One connection to the store for every analytics computation of a process."""

    def __init__(self, address: StoreAddress) -> None:
        self.address = address
        self._lock = threading.Lock()
        self._con: ibis.BaseBackend | None = None
        self._copy = StoreCopy(self.run)

    def on_copy(self, version: Version, compute: Callable[[Source], R]) -> R:
        """`compute` on the in-memory copy of `version` of the store's purchases
        (analytics/snapshot.py: what the console's figures are computed on)."""
        return self._copy.run(version, compute)

    def run(self, compute: Callable[[ibis.BaseBackend], R]) -> R:
        with self._lock:
            if self._con is None:
                self._con = connect(self.address)
            try:
                return compute(self._con)
            except PatronError:
                raise  # the question was refused, the connection is fine
            except Exception:
                self._drop()
                raise

    def close(self) -> None:
        self._copy.close()
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            try:
                con.disconnect()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection may fail too
                pass
