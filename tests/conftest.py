"""Shared fixtures: stores (SQLite always, PostgreSQL when reachable), a clock, a program.

Under CI=true a missing PostgreSQL is a failure, not a skip. PostgreSQL tests run in a
database created for this run and dropped at its end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from patron.bootstrap import Patron
from patron.domain.program import Program
from patron.services.apikeys import create_key
from patron.services.program import current_program, load_program
from patron.store.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PROGRAM = ROOT / "examples" / "program.toml"
PG_ADMIN_URL = os.environ.get("PATRON_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# A page always waits for the figures of the data as it is (analytics/held.py): a test
# that records a sale and reloads sees it, however slow the machine. Set before any app or
# served process reads the settings; tests/unit/test_held.py covers the other waits.
os.environ["PATRON_FIGURES_WAIT"] = "inf"
# headless Chromium and the served app for the browser tests (`chromium`, `visit`, `served_app`)
pytest_plugins = ["tests.support.browser"]


class Clock:
    """A clock the tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, 9, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated once, dropped at the end."""
    name = f"patron_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        admin.dispose()
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    patron = Patron.from_url(url)
    patron.migrate()
    patron.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# every sequence used since it was last restarted, restarted (ids start at 1 in each test)
_RESTART_SEQUENCES = """
DO $$ DECLARE s record; BEGIN
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$
"""


def _truncate_pg(patron: Patron) -> None:
    """Empty every table of the test's database and restart its ids. DELETE with the
    triggers off for this transaction (`session_replication_role = replica`: the foreign
    keys' and the append-only audit log's) instead of TRUNCATE: TRUNCATE makes new files
    for each of the 52 tables, 300 ms a test against 14 ms, and some 1,400 tests start so."""
    with patron.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))
        conn.execute(text(_RESTART_SEQUENCES))


_TEMPLATE: list[Path] = []


def _sqlite_template() -> Path:
    """A SQLite store migrated once per test process, copied for each test: migrating a
    fresh store takes half a second, and about 1,300 tests start from one."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="patron-template-"))
        atexit.register(shutil.rmtree, folder, True)
        store = Patron.from_url(f"sqlite:///{folder / 'template.db'}")
        store.migrate()
        store.dispose()
        leftovers = [p.name for p in folder.iterdir() if p.name != "template.db"]
        assert not leftovers, f"the template store left {leftovers}: a copy would miss them"
        _TEMPLATE.append(folder / "template.db")
    return _TEMPLATE[0]


def make_patron(
    kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest, pool_size: int = 10
) -> Patron:
    if kind == "sqlite":
        tmp_path.mkdir(parents=True, exist_ok=True)  # a test may name a folder of its own
        shutil.copyfile(_sqlite_template(), tmp_path / "patron.db")
        patron = Patron.from_url(f"sqlite:///{tmp_path / 'patron.db'}", clock=clock)
        patron.migrate()  # a no-op on the migrated copy (19 ms), kept: it is what a store does
    else:
        url = request.getfixturevalue("pg_database")
        patron = Patron.from_url(url, clock=clock, pool_size=pool_size)
        _truncate_pg(patron)
    return patron


def load_example(patron: Patron, text_: str | None = None) -> None:
    source = text_ if text_ is not None else EXAMPLE_PROGRAM.read_text()
    patron.run(lambda uow, s: load_program(uow, s, "test"), source)


def use_program(patron: Patron, text_: str) -> Program:
    """Load a test's own program text and return it as parsed: the numbers the test
    expects are read off the text beside it, not off examples/program.toml."""
    load_example(patron, text_)
    return patron.read(current_program)[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def patron(
    store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> Iterator[Patron]:
    """A migrated, empty store of each kind with the example program loaded."""
    p = make_patron(store_kind, tmp_path, clock, request)
    load_example(p)
    yield p
    p.dispose()


@pytest.fixture
def sqlite_patron(tmp_path: Path, clock: Clock, request: pytest.FixtureRequest) -> Iterator[Patron]:
    p = make_patron("sqlite", tmp_path, clock, request)
    load_example(p)
    yield p
    p.dispose()


def new_key(patron: Patron, scope: str) -> str:
    return patron.run(lambda uow, s: create_key(uow, s, f"test-{s}"), scope)
