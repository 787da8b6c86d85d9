"""`patron apikey …`: create, list, rotate and revoke the API keys of points of sale and
admins. A new key goes alone to stdout, so a script can capture it; notes go to stderr."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Column, Table

from patron.cli.common import DbOption, cli_actor, err, guard, load_settings, open_patron, out
from patron.domain.access import MAX_OVERLAP

apikey_app = typer.Typer(help="API keys for points of sale and admins.", no_args_is_help=True)
_DURATION = re.compile(r"([0-9]+)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_COLUMNS = ("scope", "shop", "operations", "created", "expires", "status")


@apikey_app.command("create")
def apikey_create(
    scope: Annotated[str, typer.Option(help="pos or admin")] = "pos",
    name: Annotated[
        str | None,
        typer.Option(help="a till's name; for an admin key, required: the person's name"),
    ] = None,
    shop: Annotated[
        str | None, typer.Option(help="pos keys: the shop it acts for (default: every shop)")
    ] = None,
    operations: Annotated[
        str | None,
        typer.Option(
            help="pos keys: what it may do, comma-separated, of enroll, earn, refund, redeem,"
            " cancel, read_member, cards (default: all)"
        ),
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from patron.services.apikeys import create_key

    ops = None if operations is None else [o for o in operations.split(",") if o.strip()]
    with open_patron(database_url) as patron:
        key = guard(
            lambda: patron.run(
                lambda uow, s: create_key(uow, s, name, cli_actor(), shop=shop, operations=ops),
                scope,
            )
        )
    sys.stdout.write(key + "\n")


@apikey_app.command("list")
def apikey_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    database_url: DbOption = None,
) -> None:
    """List API keys with their shop, operations, expiry and status (never the keys
    themselves: only their prefixes)."""
    from patron.services.apikeys import list_keys

    with open_patron(database_url) as patron:
        keys = patron.read(list_keys)
    if as_json:
        for key in keys:
            row = {
                "prefix": key.prefix,
                "name": key.name,
                "scope": key.scope,
                "shop": key.shop,
                "operations": None if key.operations is None else list(key.operations),
                "created_at": key.created_at.isoformat(),  # UTC, to the microsecond
                "expires_at": _iso(key.expires_at),
                "revoked_at": _iso(key.revoked_at),
                "status": key.status.value,
            }
            out.print(json.dumps(row), soft_wrap=True, highlight=False)
        return
    # prefixes and names are never cut: they name the key; other cells fold when narrow
    table = Table(
        Column("prefix", no_wrap=True),
        Column("name", no_wrap=True),
        *(Column(title, overflow="fold") for title in _COLUMNS),
    )
    for key in keys:
        table.add_row(
            key.prefix,
            key.name,
            key.scope,
            key.shop or "all",
            ",".join(key.operations) if key.operations is not None else "all",
            _when(key.created_at),
            _when(key.expires_at),
            key.status.value,
        )
    out.print(table)


@apikey_app.command("rotate")
def apikey_rotate(
    prefix: Annotated[str, typer.Argument(help="the part after ptr_ in the key")],
    overlap: Annotated[
        str, typer.Option(help="how long the old key keeps working: 90s, 15m, 1h, 7d")
    ] = "1h",
    database_url: DbOption = None,
) -> None:
    """Print a new key in place of the old one, which keeps working for --overlap."""
    from patron.services.apikeys import rotate_key

    span = _duration(overlap)
    with open_patron(database_url) as patron:
        rotated = guard(
            lambda: patron.run(lambda uow, p: rotate_key(uow, p, span, cli_actor()), prefix)
        )
    sys.stdout.write(rotated.issued.key + "\n")
    err.print(
        f"the key ptr_{prefix}_… works until {_when(rotated.replaced.expires_at)} UTC,"
        f" then stops; its replacement is ptr_{rotated.issued.info.prefix}_…",
        highlight=False,
    )


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="the part after ptr_ in the key")],
    database_url: DbOption = None,
) -> None:
    """Revoke a key: running servers stop taking it within PATRON_KEY_CACHE_SECONDS."""
    from patron.services.apikeys import revoke_key

    with open_patron(database_url) as patron:
        guard(lambda: patron.run(lambda uow, p: revoke_key(uow, p, cli_actor()), prefix))
    delay = load_settings().key_cache_seconds
    out.print(
        f"revoked the key ptr_{prefix}_…: running servers stop taking it within"
        f" {delay:g} s (PATRON_KEY_CACHE_SECONDS)"
    )


def _duration(text: str) -> timedelta:
    """`90s`, `15m`, `1h`, `7d` or plain seconds; a clear error and exit code 2 otherwise."""
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        err.print(
            f"[red]error:[/red] --overlap {text!r} is not a duration such as 90s, 15m, 1h, 7d"
        )
        raise typer.Exit(2)
    seconds = int(found.group(1)) * _UNIT[found.group(2)]
    if seconds > MAX_OVERLAP.total_seconds():  # checked here too: timedelta has a limit
        err.print(f"[red]error:[/red] --overlap {text!r} is longer than the most, 30d")
        raise typer.Exit(2)
    return timedelta(seconds=seconds)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _when(at: datetime | None) -> str:
    return "" if at is None else at.isoformat(sep=" ", timespec="seconds")
