"""`patron apikey …`: create, list and revoke the API keys of points of sale and admins."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out

apikey_app = typer.Typer(help="API keys for points of sale and admins.", no_args_is_help=True)


@apikey_app.command("create")
def apikey_create(
    scope: Annotated[str, typer.Option(help="pos or admin")] = "pos",
    name: Annotated[str, typer.Option(help="a label for the key")] = "default",
    database_url: DbOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from patron.services.apikeys import create_key

    with open_patron(database_url) as patron:
        key = guard(lambda: patron.run(lambda uow, s: create_key(uow, s, name, cli_actor()), scope))
    sys.stdout.write(key + "\n")


@apikey_app.command("list")
def apikey_list(database_url: DbOption = None) -> None:
    """List API keys (never the keys themselves: only their prefixes)."""
    with open_patron(database_url) as patron:
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
    from patron.services.apikeys import revoke_key

    with open_patron(database_url) as patron:
        guard(lambda: patron.run(lambda uow, p: revoke_key(uow, p, cli_actor()), prefix))
    out.print(f"revoked the key ptr_{prefix}_…")
