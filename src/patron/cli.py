"""The `patron` command line (Typer + Rich): set up, load a program, import, run jobs, serve.

Errors a user can fix are printed as one clear line on stderr with a non-zero exit code;
machine-readable output (an API key) goes alone to stdout so it can be captured.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from patron.bootstrap import Patron
from patron.cli_analytics import analytics_app, clv_app
from patron.cli_economics import economics_app
from patron.cli_errors import EXIT_CODE, cli_message
from patron.config import get_settings
from patron.domain.clock import utcnow
from patron.domain.errors import PatronError
from patron.domain.program import parse_program
from patron.services.apikeys import create_key, revoke_key
from patron.services.commands import Expire, ReevaluateTiers
from patron.services.expire import expire as run_expire
from patron.services.housekeeping import purge_idempotency_keys
from patron.services.importer import ImportOptions, import_purchases
from patron.services.program import load_program
from patron.services.purchase_file import check_header
from patron.services.tiers import reevaluate_tiers
from patron.services.verify import verify as run_verify

app = typer.Typer(
    help="Patron: customer loyalty and retention.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
program_app = typer.Typer(help="Validate and load program definitions.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for points of sale and admins.", no_args_is_help=True)
import_app = typer.Typer(help="Import history from files.", no_args_is_help=True)
tiers_app = typer.Typer(help="Tier maintenance.", no_args_is_help=True)
app.add_typer(program_app, name="program")
app.add_typer(apikey_app, name="apikey")
app.add_typer(import_app, name="import")
app.add_typer(tiers_app, name="tiers")
app.add_typer(analytics_app, name="analytics")
app.add_typer(clv_app, name="clv")
app.add_typer(economics_app, name="economics")

out = Console(soft_wrap=True)
err = Console(stderr=True)
T = TypeVar("T")
DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="PATRON_DATABASE_URL", help="default: sqlite:///patron.db"
    ),
]
# the demo's program ships inside the package (a copy of examples/program.toml, kept
# identical by a test), so `patron demo` works wherever Patron is installed
DEFAULT_PROGRAM = Path(__file__).resolve().parent / "examples" / "program.toml"


@contextmanager
def _patron(url: str | None) -> Iterator[Patron]:
    patron = Patron.from_url(url or get_settings().database_url)
    try:
        patron.migrate()
        yield patron
    finally:
        patron.dispose()


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except PatronError as exc:
        err.print(f"[red]error:[/red] {cli_message(exc)}", highlight=False)
        raise typer.Exit(EXIT_CODE) from None
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] no such file: {exc.filename}", highlight=False)
        raise typer.Exit(2) from None


def _date(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        err.print(f"[red]error:[/red] --as-of {text!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None


@app.command()
def init(database_url: DbOption = None) -> None:
    """Create or upgrade the database schema."""
    with _patron(database_url) as patron:
        out.print(f"database ready: {patron.engine.url.render_as_string(hide_password=True)}")


@program_app.command("validate")
def program_validate(file: Path) -> None:
    """Check a program file; print what is wrong, with the field, and exit 2 if invalid."""
    program = _guard(lambda: parse_program(file.read_text(), str(file)))
    out.print(
        f"[green]valid:[/green] {program.name} ({program.currency}),"
        f" {len(program.tiers.levels)} tiers, {len(program.rewards)} rewards"
    )


@program_app.command("load")
def program_load(file: Path, database_url: DbOption = None) -> None:
    """Load a program file as a new version; purchases keep the version that scored them."""
    with _patron(database_url) as patron:
        loaded = _guard(
            lambda: patron.run(
                lambda uow, text: load_program(uow, text, str(file)), file.read_text()
            )
        )
    out.print(f"loaded {loaded.name!r} as version {loaded.version} ({loaded.rewards} rewards)")


@apikey_app.command("create")
def apikey_create(
    scope: Annotated[str, typer.Option(help="pos or admin")] = "pos",
    name: Annotated[str, typer.Option(help="a label for the key")] = "default",
    database_url: DbOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    with _patron(database_url) as patron:
        key = _guard(lambda: patron.run(lambda uow, s: create_key(uow, s, name), scope))
    sys.stdout.write(key + "\n")


@apikey_app.command("list")
def apikey_list(database_url: DbOption = None) -> None:
    """List API keys (never the keys themselves: only their prefixes)."""
    with _patron(database_url) as patron:
        rows = patron.read(lambda uow: uow.api_keys.all())
    table = Table("prefix", "name", "scope", "created", "revoked")
    for row in rows:
        revoked = str(row.revoked_at)[:19] if row.revoked_at else ""
        table.add_row(row.prefix, row.name, row.scope, str(row.created_at)[:19], revoked)
    out.print(table)


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="the part after ptr_ in the key")],
    database_url: DbOption = None,
) -> None:
    """Revoke a key: it stops working within 30 s on running servers."""
    with _patron(database_url) as patron:
        _guard(lambda: patron.run(revoke_key, prefix))
    out.print(f"revoked the key ptr_{prefix}_…")


@import_app.command("purchases")
def import_purchases_cmd(
    file: Path,
    map_: Annotated[list[str] | None, typer.Option("--map", help="field=Column")] = None,
    date_format: Annotated[str | None, typer.Option(help="strptime format, e.g. %Y%m%d")] = None,
    award_points: Annotated[bool, typer.Option(help="score purchases with the program")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 50_000,
    database_url: DbOption = None,
) -> None:
    """Import purchases from CSV; bad rows go to FILE.rejects.csv; safe to re-run."""
    mapping = {}
    for item in map_ or []:
        field, sep, column = item.partition("=")
        if not sep or not field or not column:
            err.print(f"[red]error:[/red] --map {item!r}: expected field=Column")
            raise typer.Exit(2)
        mapping[field.strip()] = column.strip()
    options = ImportOptions(mapping, date_format, award_points, batch_size)
    _guard(lambda: check_header(file, mapping))  # a refused file touches no store
    with _patron(database_url) as patron, _progress() as bar:
        task = bar.add_task("importing", total=None)
        report = _guard(
            lambda: import_purchases(
                patron.new_uow,
                file,
                options,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    out.print(
        f"{report.rows} rows read, {report.inserted} purchases imported,"
        f" {report.skipped} already present, {report.members_created} new members,"
        f" {report.rejected} rejected"
    )
    if report.rejects_file:
        err.print(f"rejected rows and reasons: {report.rejects_file}")


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


@app.command()
def expire(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default now")] = None,
    database_url: DbOption = None,
) -> None:
    """Burn expired points and warn members whose points expire soon (idempotent)."""
    with _patron(database_url) as patron:
        report = _guard(lambda: run_expire(patron.new_uow, Expire(_date(as_of))))
    out.print(
        f"{report.points_expired} points expired for {report.members} members;"
        f" {report.warnings} expiry warnings queued"
    )


@app.command("purge-idempotency-keys")
def purge_idempotency_keys_cmd(
    older_than: Annotated[int, typer.Option(help="hours (at least 24)")] = 48,
    database_url: DbOption = None,
) -> None:
    """Forget the idempotency keys of writes older than --older-than hours."""
    with _patron(database_url) as patron:
        purged = _guard(
            lambda: patron.run(
                lambda uow, hours: purge_idempotency_keys(uow, uow.now, hours), older_than
            )
        )
    out.print(f"{purged} idempotency keys purged")


@tiers_app.command("reevaluate")
def tiers_reevaluate(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    database_url: DbOption = None,
) -> None:
    """Re-qualify every member's tier (the only time a tier can go down)."""
    with _patron(database_url) as patron:
        report = _guard(lambda: reevaluate_tiers(patron.new_uow, ReevaluateTiers(_date(as_of))))
    out.print(f"{report.members} members: {report.upgraded} up, {report.downgraded} down")


@app.command()
def verify(database_url: DbOption = None) -> None:
    """Check that every balance equals its ledger entries and its open lots."""
    with _patron(database_url) as patron:
        report = patron.read(run_verify)
    if report.ok:
        out.print(f"[green]ok:[/green] {report.members} members, ledger consistent")
        return
    table = Table("problem")
    for problem in report.problems[:50]:
        table.add_row(problem)
    out.print(table)
    err.print(f"[red]{len(report.problems)} problems[/red]")
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    database_url: DbOption = None,
) -> None:
    """Serve the REST API (OpenAPI at /docs)."""
    import uvicorn

    settings = get_settings()
    url = database_url or settings.database_url
    with _patron(url):
        pass
    host, port = host or settings.host, port or settings.port
    out.print(f"Patron API at http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    if workers > 1:
        import os

        from patron.api.serving import serve_workers

        os.environ["PATRON_DATABASE_URL"] = url
        serve_workers(
            "patron.api.asgi:create_app",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            factory=True,
        )
    else:
        from patron.api.app import create_app

        patron = Patron.from_url(url, pool_size=settings.pool_size)
        uvicorn.run(create_app(patron), host=host, port=port, log_level="info")


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=1, max=1_000_000)] = 5000,
    seed: Annotated[int, typer.Option()] = 42,
    serve_api: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    reset: Annotated[bool, typer.Option(help="rebuild the demo data")] = False,
    port: Annotated[int | None, typer.Option()] = None,
    database_url: DbOption = None,
) -> None:
    """Fill the store with a synthetic customer base (two years) and serve the API."""
    from patron.synth import SynthParams, generate, write_csv

    url = database_url or get_settings().database_url
    if reset and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    with _patron(url) as patron:
        with patron.uow(readonly=True) as uow:
            populated = uow.members.count() > 0
        if populated:
            out.print("demo data already present (use --reset to rebuild)")
        else:
            patron.run(
                lambda uow, text: load_program(uow, text, str(DEFAULT_PROGRAM)),
                DEFAULT_PROGRAM.read_text(),
            )
            with tempfile.TemporaryDirectory() as tmp:
                csv_path = Path(tmp) / "demo.csv"
                rows = write_csv(csv_path, generate(SynthParams(customers=customers, seed=seed)))
                out.print(f"generated {customers} customers, {rows} purchase lines")
                with _progress() as bar:
                    task = bar.add_task("scoring purchases", total=None)
                    import_purchases(
                        patron.new_uow,
                        csv_path,
                        ImportOptions(award_points=True, batch_size=500),
                        lambda d, t: bar.update(task, completed=d, total=t),
                    )
            run_expire(patron.new_uow, Expire(utcnow()))
        key = patron.run(lambda uow, s: create_key(uow, s, "demo"), "admin")
    settings = get_settings()
    port = port or settings.port
    base = f"http://{settings.host}:{port}"
    out.print(
        f"\nTry it:\n  export KEY={key}\n"
        f'  curl -H "Authorization: Bearer $KEY" {base}/v1/members/C000001/balance\n'
        f"  open {base}/docs\n"
    )
    if serve_api:
        serve(host=None, port=port, workers=1, database_url=url)
