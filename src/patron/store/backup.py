"""`patron backup` and `patron restore` for a SQLite store, with SQLite's online backup API.

Design overview. A backup is taken while the server keeps writing: the backup API copies
every page of the store in one step, inside one read transaction, so the copy is the
store as of one instant (the last commit before the step began), and in WAL mode writers
are not held up while it runs. Every write acknowledged before the backup started is in
it; the ones after are not, and none is half in it (tests/integration/test_backup.py
checks this under write load). The copy is written beside the target as `*.partial` and
renamed when complete, so a crash never leaves a truncated file under the backup's name,
and it is a self-contained file (rollback journal, no -wal beside it).

A restore checks the file first: a SQLite database that passes `quick_check`, holding
a Patron schema at the revision this version migrates to. It refuses to replace a store
that holds any row unless forced, then copies the file into the store with the same API
(which takes the store's write lock, so no reader sees half a restore).

PostgreSQL stores are backed up with pg_dump and restored with pg_restore
(docs/operations.md); these functions say so instead of guessing.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from patron.domain.errors import Conflict, InvalidInput
from patron.store.migrate import head_revision


@dataclass(frozen=True)
class StoreFacts:
    """What a backup holds, for the operator to check at a glance."""

    revision: str
    members: int
    purchases: int


def sqlite_file(url: str, action: str) -> Path:
    """The file of a SQLite store's URL; refused, with the way to go, for other stores."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        raise InvalidInput(
            f"{action} works on a SQLite store; this one is PostgreSQL: back it up with"
            f" `pg_dump -Fc -f FILE '{libpq}'` and restore it with `pg_restore --clean"
            f" --if-exists --no-owner -d '{libpq}' FILE` (docs/operations.md, PostgreSQL)"
        )
    if parsed.get_backend_name() != "sqlite":
        raise InvalidInput(f"{action} works on a SQLite store, not {parsed.get_backend_name()}")
    if not parsed.database or parsed.database == ":memory:":
        raise InvalidInput(f"{action} needs a SQLite file, not an in-memory store ({url})")
    return Path(parsed.database)


def backup(url: str, target: Path, *, force: bool = False) -> StoreFacts:
    """Copy the store at `url` to `target` while it may be serving."""
    source = sqlite_file(url, "backup")
    if not source.is_file():
        raise InvalidInput(f"no store at {source}: nothing to back up")
    if target.exists() and target.resolve() == source.resolve():
        raise InvalidInput(f"{target} is the store itself: name another file")
    if target.exists() and not force:
        raise Conflict(f"{target} exists: name another file, or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source, timeout=60)) as src:
        with closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # pages=-1: all in one step, one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            facts = _facts(dst, source)
    os.replace(partial, target)
    return facts


def restore(file: Path, url: str, *, force: bool = False) -> StoreFacts:
    """Replace the store at `url` with the backup `file`, after checking the file."""
    target = sqlite_file(url, "restore")
    if not file.is_file():
        raise InvalidInput(f"no such file: {file}")
    if target.exists() and target.resolve() == file.resolve():
        raise InvalidInput(f"{file} is the store itself: restore from another file")
    with closing(_open_readonly(file)) as src:
        facts = _facts(src, file)
        if not force and _holds_rows(target):
            raise Conflict(
                f"the store {target} is not empty: restore into a new path, or pass --force"
                " to replace it (stop the server first)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(target, timeout=60)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # how Patron runs its stores (db.py)
    return facts


def _open_readonly(file: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        check = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{file} is not a readable SQLite database ({exc})") from None
    if check != ("ok",):
        conn.close()
        raise InvalidInput(f"{file} is damaged: SQLite's quick_check says {check[0]!r}")
    return conn


def _facts(conn: sqlite3.Connection, file: Path) -> StoreFacts:
    """The file's schema revision (it must be this version's) and its size in people."""
    expected = head_revision()
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        purchases = conn.execute("SELECT count(*) FROM purchases").fetchone()[0]
    except sqlite3.DatabaseError:
        raise InvalidInput(f"{file} is not a Patron store (no Patron schema in it)") from None
    revision = row[0] if row else None
    if revision != expected:
        raise InvalidInput(
            f"{file} holds a Patron store at schema revision {revision}, this version of"
            f" Patron expects {expected}: restore it with the version that made it"
        )
    return StoreFacts(revision, int(members), int(purchases))


def _holds_rows(path: Path) -> bool:
    """Whether the file at `path` holds any row (a schema without rows counts as empty)."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        with closing(sqlite3.connect(path, timeout=60)) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
                )
            ]
            return any(
                conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() is not None
                for name in names
            )
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} holds something that is not a SQLite store ({exc})") from None
