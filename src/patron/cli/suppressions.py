"""`patron suppressions …`: the addresses no marketing message may reach (docs/messages.md):
list them, add one (reason `manual` unless told), take one off. Each entry keeps who
added it (the CLI's user) and when."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import DbOption, cli_actor, guard, open_patron

suppressions_app = typer.Typer(
    help="The suppression list: addresses no marketing message may reach.",
    no_args_is_help=True,
)
ChannelArg = Annotated[str, typer.Argument(help="email, sms or push")]
AddressArg = Annotated[str, typer.Argument(help="the e-mail, the phone, or the push target")]


@suppressions_app.command("list")
def list_(
    channel: Annotated[str | None, typer.Option(help="email, sms or push (all: unset)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 500,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """The suppressed addresses, newest first."""
    from patron.services.suppressions import suppression_list

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(suppression_list, channel, limit))
    rows = [
        {
            "channel": s.channel.value,
            "address": s.address,
            "reason": s.reason.value,
            "source": s.source,
            "actor": s.actor,
            "created_at": s.created_at.isoformat(sep=" "),
        }
        for s in found
    ]
    _emit(rows, fmt, "Suppressed addresses")


@suppressions_app.command("add")
def add(
    channel: ChannelArg,
    address: AddressArg,
    reason: Annotated[
        str, typer.Option(help="manual, complaint, bounce or unsubscribe")
    ] = "manual",
    database_url: DbOption = None,
) -> None:
    """Suppress an address: no marketing message reaches it from now on."""
    from patron.services.suppressions import ChangeSuppression, add_suppression

    command = ChangeSuppression(channel, address, "cli", cli_actor(), reason)
    with open_patron(database_url) as patron:
        added = guard(lambda: patron.run(add_suppression, command))
    typer.echo("suppressed" if added else "already suppressed")


@suppressions_app.command("remove")
def remove(channel: ChannelArg, address: AddressArg, database_url: DbOption = None) -> None:
    """Take an address off the list (marketing reaches it again where consent allows)."""
    from patron.services.suppressions import ChangeSuppression, remove_suppression

    command = ChangeSuppression(channel, address, "cli", cli_actor())
    with open_patron(database_url) as patron:
        removed = guard(lambda: patron.run(remove_suppression, command))
    typer.echo("removed" if removed else "not on the list")
