"""`patron init` and `patron program …`: create the schema, check and load program files."""

from __future__ import annotations

from pathlib import Path

import typer

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out

program_app = typer.Typer(help="Validate and load program definitions.", no_args_is_help=True)


def init(database_url: DbOption = None) -> None:
    """Create the store (a SQLite file, or the schema in an existing PostgreSQL database)
    or upgrade its schema."""
    with open_patron(database_url, create=True) as patron:
        out.print(f"database ready: {patron.engine.url.render_as_string(hide_password=True)}")


@program_app.command("validate")
def program_validate(file: Path) -> None:
    """Check a program file; print what is wrong, with the field, and exit 2 if invalid."""
    from patron.domain.program import parse_program

    program = guard(lambda: parse_program(file.read_text(), str(file)))
    out.print(
        f"[green]valid:[/green] {program.name} ({program.currency}),"
        f" {len(program.tiers.levels)} tiers, {len(program.rewards)} rewards"
    )


@program_app.command("load")
def program_load(file: Path, database_url: DbOption = None) -> None:
    """Load a program file as a new version; purchases keep the version that scored them."""
    from patron.services.program import load_program

    with open_patron(database_url) as patron:
        loaded = guard(
            lambda: patron.run(
                lambda uow, text: load_program(uow, text, str(file), cli_actor()), file.read_text()
            )
        )
    if not loaded.changed:
        out.print(f"no change: {file} defines the running program, version {loaded.version}")
        return
    out.print(f"loaded {loaded.name!r} as version {loaded.version} ({loaded.rewards} rewards)")
