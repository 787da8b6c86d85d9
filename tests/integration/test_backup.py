"""Backups an operator can count on: taken while purchases keep being recorded, restored
elsewhere, they verify clean and hold every purchase acknowledged before the backup began
(and none that was never acknowledged). SQLite through `patron backup` / `patron restore`;
PostgreSQL through the pg_dump / pg_restore commands docs/operations.md gives.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from tests.conftest import PG_ADMIN_URL, Clock, _pg_admin_engine, load_example, make_patron
from tests.integration.helpers import assert_verified, buy, member

runner = CliRunner()


class Writers:
    """Threads recording purchases through the use cases, each remembering the ids of the
    purchases whose transaction committed (the acknowledged writes)."""

    def __init__(self, patron: Patron, members: list[int], threads: int = 2) -> None:
        self.patron, self.members = patron, members
        self.acknowledged: list[int] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._write, args=(n,), daemon=True) for n in range(threads)
        ]

    def _write(self, n: int) -> None:
        count = 0
        while not self._stop.is_set():
            who = self.members[count % len(self.members)]
            try:
                done = buy(self.patron, who, f"w{n}-{count}", ("A1", "books", 1, "12.50"))
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(exc)
                return
            self.acknowledged.append(done.purchase_id)
            count += 1

    def wait_for(self, acknowledged: int) -> None:
        deadline = time.monotonic() + 120
        while len(self.acknowledged) < acknowledged:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, "the writers stalled"
            time.sleep(0.01)

    @contextmanager
    def running(self) -> Iterator[Writers]:
        for thread in self._threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in self._threads:
                thread.join(timeout=60)
        assert not self.errors, self.errors


def under_load(patron: Patron, take_backup: Callable[[], None]) -> tuple[set[int], set[int]]:
    """Run `take_backup` while two writers record purchases; the ids acknowledged before
    it began, and all the ids acknowledged by the end."""
    members = [member(patron, f"c-{n}") for n in range(6)]
    with Writers(patron, members).running() as writers:
        writers.wait_for(40)
        before = set(writers.acknowledged)
        take_backup()
        writers.wait_for(len(writers.acknowledged) + 20)  # the writers went on meanwhile
    return before, set(writers.acknowledged)


def purchase_ids(url: str) -> set[int]:
    restored = Patron.from_url(url)
    try:
        assert_verified(restored)
        with restored.engine.connect() as conn:
            return set(conn.execute(text("SELECT id FROM purchases")).scalars())
    finally:
        restored.dispose()


def test_a_sqlite_backup_under_write_load_restores_every_acknowledged_purchase(
    sqlite_patron: Patron, tmp_path: Path
) -> None:
    url = sqlite_patron.engine.url.render_as_string()
    backup_file = tmp_path / "backups" / "patron-backup.db"

    def take_backup() -> None:
        result = runner.invoke(app, ["backup", str(backup_file), "--database-url", url])
        assert result.exit_code == 0, result.output
        assert f"backup written to {backup_file}" in result.output

    # given a backup taken while purchases are being recorded
    before, acknowledged = under_load(sqlite_patron, take_backup)
    assert not (tmp_path / "backups" / "patron-backup.db.partial").exists()
    assert not (tmp_path / "backups" / "patron-backup.db-wal").exists()  # one file

    # when it is restored into a new path
    restored_url = f"sqlite:///{tmp_path / 'elsewhere' / 'restored.db'}"
    result = runner.invoke(app, ["restore", str(backup_file), "--database-url", restored_url])
    assert result.exit_code == 0, result.output
    assert "ledger consistent" in result.output

    # then it verifies clean, holds every purchase acknowledged before the backup began,
    # and nothing that was never acknowledged
    restored = purchase_ids(restored_url)
    assert before <= restored <= acknowledged
    assert len(restored) < len(acknowledged)  # a snapshot: later writes are not in it


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_pg_dump_under_write_load_restores_every_acknowledged_purchase(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    patron = make_patron("postgres", tmp_path, Clock(), request)
    load_example(patron)
    libpq = make_url(request.getfixturevalue("pg_database")).set(drivername="postgresql")
    dump = tmp_path / "patron.dump"

    def take_backup() -> None:  # the command of docs/operations.md
        pg = libpq.render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), pg], check=True, timeout=300)

    try:
        before, acknowledged = under_load(patron, take_backup)
    finally:
        patron.dispose()
    name = f"patron_restore_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = libpq.set(database=name).render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", target, str(dump)],
            check=True,
            timeout=300,
        )
        restored = purchase_ids(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert before <= restored <= acknowledged
    assert len(restored) < len(acknowledged)


# -- what backup and restore refuse, changing nothing ----------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Patron, str]]:
    """A SQLite store holding three members, and its URL."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    patron = Patron.from_url(url)
    patron.migrate()
    load_example(patron)
    for n in range(3):
        member(patron, f"m-{n}")
    yield patron, url
    patron.dispose()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def members_in(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM members").fetchone()[0])


def test_backup_refuses_postgresql_with_the_commands_to_use(tmp_path: Path) -> None:
    code, output = invoke(
        "backup", str(tmp_path / "b.db"), "--database-url", "postgresql+psycopg://u:pw@db/p"
    )
    assert code == 2
    assert "pg_dump -Fc -f FILE 'postgresql://u:***@db/p'" in output
    assert "pg_restore --clean --if-exists --no-owner -d 'postgresql://u:***@db/p'" in output
    assert "pw" not in output.replace("pwd", "")
    assert not (tmp_path / "b.db").exists()


def test_backup_refuses_a_missing_store_and_an_existing_file_without_force(
    store: tuple[Patron, str], tmp_path: Path
) -> None:
    _, url = store
    absent = tmp_path / "absent.db"
    code, output = invoke("backup", str(tmp_path / "b.db"), "--database-url", f"sqlite:///{absent}")
    assert code == 2 and f"no store at {absent}: nothing to back up" in output
    assert not absent.exists()  # not created by looking for it
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"keep me")
    code, output = invoke("backup", str(taken), "--database-url", url)
    assert code == 2 and "pass --force" in output
    assert taken.read_bytes() == b"keep me"
    assert invoke("backup", str(taken), "--force", "--database-url", url)[0] == 0
    assert members_in(taken) == 3


def test_restore_refuses_what_is_not_a_patron_store_at_this_revision(
    store: tuple[Patron, str], tmp_path: Path
) -> None:
    patron, url = store
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
    old = tmp_path / "old.db"
    assert invoke("backup", str(old), "--database-url", url)[0] == 0
    with closing(sqlite3.connect(old)) as conn:
        head = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
        conn.commit()

    cases = {
        junk: f"{junk} is not a readable SQLite database",
        other: f"{other} is not a Patron store",
        old: f"{old} holds a Patron store at schema revision 0001, this version of Patron"
        f" expects {head}",
        tmp_path / "absent.db": f"no such file: {tmp_path / 'absent.db'}",
    }
    for file, message in cases.items():
        code, output = invoke("restore", str(file), "--database-url", target_url)
        assert (code, message in output) == (2, True), output
    assert not (tmp_path / "target.db").exists()  # nothing was written


def test_restore_refuses_a_store_with_rows_unless_forced(
    store: tuple[Patron, str], tmp_path: Path
) -> None:
    _, url = store
    backup_file = tmp_path / "b.db"
    assert invoke("backup", str(backup_file), "--database-url", url)[0] == 0
    # given another store holding one member
    busy_url = f"sqlite:///{tmp_path / 'busy.db'}"
    busy = Patron.from_url(busy_url)
    busy.migrate()
    load_example(busy)
    member(busy, "somebody")
    busy.dispose()
    code, output = invoke("restore", str(backup_file), "--database-url", busy_url)
    assert code == 2 and "is not empty" in output and "--force" in output
    assert members_in(tmp_path / "busy.db") == 1  # untouched
    # a store with the schema and no rows (`patron init`) is empty: no --force needed
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert invoke("init", "--database-url", fresh_url)[0] == 0
    assert invoke("restore", str(backup_file), "--database-url", fresh_url)[0] == 0
    assert members_in(tmp_path / "fresh.db") == 3
    # --force replaces the store with the backup
    code, output = invoke("restore", str(backup_file), "--force", "--database-url", busy_url)
    assert code == 0 and "3 members, ledger consistent" in output
    assert members_in(tmp_path / "busy.db") == 3


def test_restore_refuses_postgresql(tmp_path: Path, store: tuple[Patron, str]) -> None:
    _, url = store
    backup_file = tmp_path / "b.db"
    assert invoke("backup", str(backup_file), "--database-url", url)[0] == 0
    code, output = invoke(
        "restore", str(backup_file), "--database-url", "postgresql+psycopg://u@db/p"
    )
    assert code == 2 and "pg_restore --clean --if-exists --no-owner" in output
