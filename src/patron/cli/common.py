"""What every store command shares: the consoles, the `--database-url` option, opening the
store, and turning a domain error into one line on stderr and exit code 2.

This module imports no store and no analytics at import time, so `patron --help` stays
light; the store is opened (and migrated) only when a command runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from patron.cli.errors import EXIT_CODE, cli_message
from patron.domain.clock import to_utc_naive, utcnow
from patron.domain.errors import PatronError

if TYPE_CHECKING:
    from rich.progress import Progress

    from patron.bootstrap import Patron
    from patron.config import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error is one line, never wrapped
T = TypeVar("T")
DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="PATRON_DATABASE_URL", help="default: sqlite:///patron.db"
    ),
]


def load_settings() -> Settings:
    """The PATRON_* settings, read when a command needs them: pydantic-settings costs a
    fifth of a second to import, which `patron --help` should not pay."""
    from patron.config import get_settings

    return get_settings()


def cli_actor() -> str:
    """Who runs this command, for the audit log: PATRON_ACTOR when set (a script run on
    someone's behalf), else the operating-system user, as `cli:<name>`."""
    import getpass
    import os

    name = os.environ.get("PATRON_ACTOR", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no user name in the environment or the passwd file
            name = "unknown"
    return f"cli:{name[:90]}"


def connect_store(url: str | None, *, create: bool = False) -> Patron:
    """The store at `url` (default: the settings'), migrated.

    Only `patron init` and `patron demo` pass `create=True`: SQLite creates any file it is
    asked to open, so without this check `patron verify` run in the wrong folder would
    leave an empty `patron.db` there and report "ok: 0 members". Every other command says
    where it looked and what to run instead (exit code 2, no file made). A store that
    cannot be opened (a PostgreSQL database that does not exist, a server that does not
    answer) ends the command with one line too, not a traceback.
    """
    from patron.bootstrap import Patron, is_store_down, missing_sqlite_file

    given = url is not None  # Typer fills it from --database-url or PATRON_DATABASE_URL
    url = url or load_settings().database_url
    missing = None if create else missing_sqlite_file(url)
    if missing is not None:
        source = (
            "named by --database-url or PATRON_DATABASE_URL"
            if given
            else "the default; --database-url or PATRON_DATABASE_URL names another"
        )
        fail(
            f"no store at {missing.resolve()} ({url}, {source}): run `patron init` to create"
            " an empty store there, or `patron demo` for one filled with demo data"
        )
    patron = Patron.from_url(url)
    try:
        patron.migrate()
    except Exception as exc:
        patron.dispose()
        if is_store_down(exc):
            fail(unreachable(url, exc))
        raise
    return patron


def unreachable(url: str, exc: BaseException) -> str:
    """One line saying which store could not be opened and why, with what to do when the
    driver says the database does not exist."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    if parsed.get_backend_name() == "postgresql" and "does not exist" in reason:
        server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        return (
            f"the PostgreSQL server at {server} has no database {parsed.database!r} ({shown},"
            f" from --database-url or PATRON_DATABASE_URL): create it (`createdb"
            f" {parsed.database}`), then run `patron init`"
        )
    return f"cannot open the store {shown}: {reason}"


def console() -> Console:
    """The console for stdout: the terminal's width on a terminal; piped, as wide as
    the table needs (Rich's default there is 80 columns, which cuts cells short)."""
    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=100_000)


def fail(message: str) -> NoReturn:
    """End the command with `message` as one line on stderr (never wrapped) and exit
    code 2."""
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_CODE)


@contextmanager
def open_patron(url: str | None, *, create: bool = False) -> Iterator[Patron]:
    """The store at `url` (default: the settings'), migrated, disposed of on exit; a
    missing SQLite store is refused unless `create` (see `connect_store`)."""
    patron = connect_store(url, create=create)
    try:
        yield patron
    finally:
        patron.dispose()


def guard(action: Callable[[], T]) -> T:
    """Run `action`; a domain error or a missing file ends the command with exit code 2."""
    try:
        return action()
    except PatronError as exc:
        err.print(f"[red]error:[/red] {cli_message(exc)}", highlight=False)
        raise typer.Exit(EXIT_CODE) from None
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] no such file: {exc.filename}", highlight=False)
        raise typer.Exit(2) from None


def parse_as_of(text: str | None) -> datetime:
    """The `--as-of` date (now when absent); a bad date ends the command with exit code 2."""
    if text is None:
        return utcnow()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        err.print(f"[red]error:[/red] --as-of {text!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None


def refuse_future_as_of(text: str | None, moment: datetime, force: bool, harm: str) -> None:
    """End the command when `--as-of` is later than now and `--force` is not given: the
    jobs that take it act on members as of that moment, and what they do is not undone
    (a mistyped year would act a year early). `harm` says what it would do."""
    now = utcnow()
    if text is not None and to_utc_naive(moment) > now and not force:
        fail(
            f"--as-of {text} is later than now ({now:%Y-%m-%d %H:%M} UTC): {harm}; give"
            " today or an earlier day, or pass --force to do it on purpose"
        )


def progress() -> Progress:
    """A progress bar on stderr, so stdout keeps only the command's result."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )
