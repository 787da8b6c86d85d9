"""The composition root: the one place that wires the store to the use cases.

Adapters (CLI, API, tests, benchmarks) build a `Patron` from a database URL and ask it to
run use cases; nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine

from patron.domain.clock import utcnow
from patron.domain.program import Program
from patron.store.db import make_engine
from patron.store.uow import UnitOfWork

C = TypeVar("C")
R = TypeVar("R")


class Patron:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._programs: dict[int, Program] = {}

    @classmethod
    def from_url(
        cls, url: str, *, pool_size: int = 10, clock: Callable[[], datetime] = utcnow
    ) -> Patron:
        return cls(make_engine(url, pool_size=pool_size), clock)

    def migrate(self) -> None:
        # imported here: Alembic costs a tenth of a second at every start of the CLI
        from patron.store.migrate import upgrade

        upgrade(self.engine)

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly, clock=self.clock, programs=self._programs)

    @property
    def new_uow(self) -> Callable[[], UnitOfWork]:
        return partial(self.uow)

    def run(self, use_case: Callable[[UnitOfWork, C], R], command: C) -> R:
        """Run one use case in one transaction and commit it."""
        with self.uow() as uow:
            result = use_case(uow, command)
            uow.commit()
            return result

    def read(self, query: Callable[..., R], *args: object) -> R:
        """Run a query in a read-only transaction (no write lock on SQLite)."""
        with self.uow(readonly=True) as uow:
            return query(uow, *args)

    def dispose(self) -> None:
        self.engine.dispose()
