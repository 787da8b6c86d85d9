"""The composition root: the one place that wires the store to the use cases.

Adapters (CLI, API, tests, benchmarks) build a `Patron` from a database URL and ask it to
run use cases; nothing is created at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine

from patron.domain.clock import utcnow
from patron.domain.errors import PatronError
from patron.domain.program import Program
from patron.store.db import make_engine
from patron.store.db import missing_sqlite_file as missing_sqlite_file

# what the adapters may know of the store's failures (store/failures.py)
from patron.store.failures import STORE_DOWN as STORE_DOWN
from patron.store.failures import WriteRefused as WriteRefused
from patron.store.failures import integrity_summary as integrity_summary
from patron.store.failures import is_store_down as is_store_down

# the unit of work is handed to the adapters by name: they pass use cases that take one
from patron.store.uow import UnitOfWork as UnitOfWork

if TYPE_CHECKING:
    from pathlib import Path

    from patron.analytics.insights import CustomerBases
    from patron.analytics.kpi_catalogue import CatalogueMeasures
    from patron.analytics.store import StoreAnalytics
    from patron.domain.campaigns import Audience
    from patron.store.backup import StoreFacts
    from patron.store.campaigns import RunRecord

C = TypeVar("C")
R = TypeVar("R")


class Patron:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._programs: dict[int, Program] = {}
        self._analytics: StoreAnalytics | None = None
        self._analytics_lock = threading.Lock()

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

    def analytics(self) -> StoreAnalytics:
        """The store as the analytics read it: one Ibis connection, opened on first use."""
        with self._analytics_lock:
            if self._analytics is None:
                # imported here: Ibis is the analytics' cost, not every command's
                from patron.analytics.store import StoreAnalytics, address_of

                self._analytics = StoreAnalytics(address_of(self.engine.url))
            return self._analytics

    def measures(self) -> CatalogueMeasures:
        """The KPI catalogue measuring on this store, as the goals' use cases take it
        (services/goals.Measures)."""
        from patron.analytics.kpi_catalogue import CatalogueMeasures

        return CatalogueMeasures(self.analytics())

    def campaign_pick(
        self, audience: Audience, bases: CustomerBases | None = None
    ) -> frozenset[str] | None:
        """The customers an audience's model criteria (RFM segment, A/B/C class, P(alive),
        CLV) pick, from the customer base of today held in `bases` (the console's and the
        API's, fitted once a day) or fitted now; None when it names none. Read before the
        use case's transaction: no model is fitted while a write is open."""
        if not audience.needs_models:
            return None
        from patron.analytics.campaigns import picked
        from patron.analytics.insights import CustomerBases, store_base
        from patron.services.queries import data_version

        held = bases if bases is not None else CustomerBases()
        day = self.clock().date()
        return picked(store_base(held, self.analytics(), day, self.read(data_version)), audience)

    def run_due_campaigns(
        self, actor: str, bases: CustomerBases | None = None
    ) -> list[tuple[str, RunRecord | PatronError]]:
        """Run every campaign whose next run has come, each in its own transaction (for
        `patron campaigns run-due` and the worker); a campaign that cannot run (its
        audience's models cannot be fitted, say) is reported and the others still run."""
        from patron.services.campaigns import RunCampaign, due_campaigns, run_campaign

        done: list[tuple[str, RunRecord | PatronError]] = []
        for campaign in self.read(due_campaigns):
            try:
                chosen = self.campaign_pick(campaign.audience, bases)
                command = RunCampaign(str(campaign.id), actor, chosen)
                done.append((campaign.name, self.run(run_campaign, command)))
            except PatronError as exc:
                done.append((campaign.name, exc))
        return done

    def dispose(self) -> None:
        if self._analytics is not None:
            self._analytics.close()
        self.engine.dispose()


# Backups work on the SQLite file itself, before any Patron is built on it. Imported when
# used: the store's backup needs Alembic's revision, a tenth of a second at every start.


def backup(url: str, target: Path, *, force: bool = False) -> StoreFacts:
    """Copy the SQLite store at `url` to `target` while it serves (store/backup.py)."""
    from patron.store.backup import backup as copy

    return copy(url, target, force=force)


def restore(file: Path, url: str, *, force: bool = False) -> StoreFacts:
    """Put the backup `file` in place of the SQLite store at `url` (store/backup.py)."""
    from patron.store.backup import restore as put_back

    return put_back(file, url, force=force)
