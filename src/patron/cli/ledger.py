"""The ledger's jobs: `patron expire`, `patron tiers reevaluate`, `patron verify` and
`patron purge-idempotency-keys`, the commands a scheduler runs.

They need the store and the ledger's use cases only: no analytics library is imported
here, so a nightly `patron verify` starts quickly.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from patron.cli.common import (
    DbOption,
    console,
    err,
    guard,
    open_patron,
    out,
    parse_as_of,
    refuse_future_as_of,
)

tiers_app = typer.Typer(help="Tier maintenance.", no_args_is_help=True)


def expire(
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (UTC); default now; not later than now")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="expire as of a later moment: burns points early")
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Burn expired points and warn members whose points expire soon (idempotent)."""
    from patron.services.commands import Expire
    from patron.services.expire import expire as run_expire

    moment = parse_as_of(as_of)
    refuse_future_as_of(as_of, moment, force, "it would burn points before they expire")
    with open_patron(database_url) as patron:
        report = guard(lambda: run_expire(patron.new_uow, Expire(moment)))
    out.print(
        f"{report.points_expired} points expired for {report.members} members;"
        f" {report.warnings} expiry warnings queued"
    )


def purge_idempotency_keys_cmd(
    older_than: Annotated[int, typer.Option(help="hours (at least 24)")] = 48,
    database_url: DbOption = None,
) -> None:
    """Forget the idempotency keys of writes older than --older-than hours."""
    from patron.services.housekeeping import purge_idempotency_keys

    with open_patron(database_url) as patron:
        purged = guard(
            lambda: patron.run(
                lambda uow, hours: purge_idempotency_keys(uow, uow.now, hours), older_than
            )
        )
    out.print(f"{purged} idempotency keys purged")


@tiers_app.command("reevaluate")
def tiers_reevaluate(
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (UTC); default now; not later than now")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="re-qualify as of a later moment: drops tiers early"),
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Re-qualify every member's tier (the only time a tier can go down)."""
    from patron.services.commands import ReevaluateTiers
    from patron.services.tiers import reevaluate_tiers

    moment = parse_as_of(as_of)
    # the qualifying window would end in the future: purchases that leave it by then no
    # longer count, and members would drop a tier they still hold today
    refuse_future_as_of(
        as_of, moment, force, "purchases still in the tier window would no longer count"
    )
    with open_patron(database_url) as patron:
        report = guard(lambda: reevaluate_tiers(patron.new_uow, ReevaluateTiers(moment)))
    out.print(f"{report.members} members: {report.upgraded} up, {report.downgraded} down")


def verify(database_url: DbOption = None) -> None:
    """Check that every balance equals its ledger entries and its open lots."""
    from patron.services.verify import verify as run_verify

    with open_patron(database_url) as patron:
        report = patron.read(run_verify)
    if report.ok:
        out.print(f"[green]ok:[/green] {report.members} members, ledger consistent")
        return
    table = Table("problem")
    for problem in report.problems[:50]:
        table.add_row(problem)
    console().print(table)  # piped: as wide as its lines, never cut short
    err.print(f"[red]{len(report.problems)} problems[/red]")
    raise typer.Exit(1)
