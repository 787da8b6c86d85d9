"""A copy of what the analytics read of the store, in an in-memory DuckDB, per version of
the data.

Why. The console's figures group and join every purchase. SQLite does that one row at a
time: on a store of a million purchases a period's KPIs take 20 seconds there and a fit
of the customer base two minutes, against well under a second and about ten seconds on
DuckDB's columns (bench/web.py; bench/README.md has the figures). So the purchases, their
lines and the program's currencies are read once per version of the data, as
`frames.from_store` defines them, into a DuckDB of this process, and every figure of
that version is computed there. The copy costs one read of the store (about fifteen
seconds for a million purchases with their lines) and its size in memory (about 170 MB
for the same); it is made again only when the data has changed and a figure of the new
data is asked for, and figures are recomputed at most so often (analytics/held.py).

The copy answers the same expressions as the store (the analytics are Ibis expressions
that give the same tables on SQLite, PostgreSQL and DuckDB: tests/integration/
test_analytics.py). Only the tables the sources read are copied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import ibis
import pyarrow as pa

from patron.analytics.frames import Source, from_store

R = TypeVar("R")
Version = tuple[int, ...]  # services.queries.figures_version: each part only grows
Reader = Callable[[ibis.BaseBackend], ibis.BaseBackend]
PROGRAMS = ("version", "currency")  # what store_currency reads of the programs


def copy_of_store(con: ibis.BaseBackend) -> ibis.BaseBackend:
    """An in-memory DuckDB holding the store's purchases and lines as `from_store` reads
    them (tables `purchases` and `lines`) and the programs' currencies."""
    source = from_store(con)
    assert source.lines is not None  # the store's source always has its lines
    tables: dict[str, pa.Table] = {
        "purchases": source.purchases.to_pyarrow(),
        "lines": source.lines.to_pyarrow(),
        "programs": con.table("programs").select(*PROGRAMS).to_pyarrow(),
    }
    duck = ibis.duckdb.connect()
    raw = duck.con  # DuckDB's own connection: it copies an Arrow table without pandas
    for name, table in tables.items():
        raw.register(f"arrow_{name}", table)
        raw.execute(f"CREATE TABLE {name} AS SELECT * FROM arrow_{name}")  # noqa: S608
        raw.unregister(f"arrow_{name}")
    return duck


def from_copy(duck: ibis.BaseBackend) -> Source:
    """The source of a copy made by `copy_of_store`."""
    return Source(duck.table("purchases"), duck.table("lines"))


class StoreCopy:
    """The copy of one version of the data; computations on it take turns (one DuckDB
    connection, used by one thread at a time)."""

    def __init__(self, read_store: Callable[[Reader], ibis.BaseBackend]) -> None:
        self._read_store = read_store
        self._lock = threading.Lock()
        self._held: tuple[Version, ibis.BaseBackend] | None = None

    def run(self, version: Version, compute: Callable[[Source], R]) -> R:
        """`compute` on the copy of `version` of the data (or of a later one), made first
        when an older version (or none) is held."""
        with self._lock:
            if self._held is None or not _as_new(self._held[0], version):
                self._drop()
                self._held = (version, self._read_store(copy_of_store))
            return compute(from_copy(self._held[1]))

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held[1].disconnect()


def _as_new(held: Version, asked: Version) -> bool:
    """Whether data of version `held` holds everything version `asked` does."""
    return len(held) == len(asked) and all(h >= a for h, a in zip(held, asked, strict=True))
