"""`patron backup FILE` and `patron restore FILE`: copies of a SQLite store taken while it
serves, and their return (store/backup.py says how; docs/operations.md when). PostgreSQL
stores are refused with the pg_dump and pg_restore commands to use instead.

A restore ends with `patron verify` on the restored store, so the operator sees at once
that the ledger they got back is consistent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.common import DbOption, err, guard, load_settings, open_patron, out

Force = Annotated[bool, typer.Option("--force", help="replace what is there")]


def backup(file: Path, force: Force = False, database_url: DbOption = None) -> None:
    """Back up the SQLite store to FILE while it serves (SQLite's online backup API)."""
    from patron.bootstrap import backup as run_backup

    url = database_url or load_settings().database_url
    facts = guard(lambda: run_backup(url, file, force=force))
    out.print(
        f"backup written to {file}: schema {facts.revision}, {facts.members} members,"
        f" {facts.purchases} purchases",
        highlight=False,
    )


def restore(file: Path, force: Force = False, database_url: DbOption = None) -> None:
    """Restore the SQLite store from the backup FILE, then verify the ledger."""
    from patron.bootstrap import restore as run_restore
    from patron.services.verify import verify

    url = database_url or load_settings().database_url
    facts = guard(lambda: run_restore(file, url, force=force))
    with open_patron(url) as patron:
        report = patron.read(verify)
    out.print(
        f"restored {file}: schema {facts.revision}, {facts.members} members,"
        f" {facts.purchases} purchases",
        highlight=False,
    )
    if not report.ok:
        for problem in report.problems[:50]:
            err.print(problem, highlight=False)
        err.print(f"[red]{len(report.problems)} problems: run `patron verify`[/red]")
        raise typer.Exit(1)
    out.print(f"[green]ok:[/green] {report.members} members, ledger consistent")
