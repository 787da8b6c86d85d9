"""`patron clubs …`: the program's clubs (docs/clubs.md). List them, see a club's members,
invitations or requests, invite, add, remove, approve or refuse, and evaluate the rule
clubs (from cron, like `patron expire`).

A member is named as in `patron member`: Patron's id when the argument is a number, else
the business's external id. Every change is recorded in the club's history with the CLI
user as its actor.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out, progress

clubs_app = typer.Typer(
    help="Clubs: list, members, invite, add, remove, requests, approve, refuse, evaluate.",
    no_args_is_help=True,
)
ClubArg = Annotated[str, typer.Argument(help="the club's id in the program file")]
MemberArg = Annotated[str, typer.Argument(help="Patron's member id, or the external id")]
ReasonOpt = Annotated[str | None, typer.Option(help="why (kept in the club's history)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _table(rows: list[dict[str, Any]], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"count": len(rows), "data": rows}, default=str))
        return
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for name in rows[0] if rows else []:
        grid.add_column(name.replace("_", " "))
    for r in rows:
        grid.add_row(*("" if v is None else str(v) for v in r.values()))
    out.print(grid)


def _step(club: str, member: str, step: str, reason: str | None, database_url: str | None) -> None:
    from patron.domain.clubs import Step
    from patron.services.clubs import ClubStep
    from patron.services.clubs import step as run_step
    from patron.services.commands import MemberRef

    command = ClubStep(club, MemberRef.named(member), Step(step), cli_actor(), reason)
    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(run_step, command))
    standing = done.standing.value if done.standing else "out"
    out.print(
        f"club {done.club_id}: member {done.member_id} {done.change.value} (now {standing})",
        highlight=False,
    )


@clubs_app.command("list")
def list_clubs(as_json: JsonOpt = False, database_url: DbOption = None) -> None:
    """The program's clubs, how each is joined, its multiplier, and its counts."""
    from patron.services.clubs import list_clubs as query

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(query))
    rows = [
        {
            "id": s.club.id,
            "name": s.club.name,
            "join": s.club.join.value,
            "multiplier": str(s.club.multiplier),
            "categories": " ".join(s.club.categories),
            "members": s.members,
            "invited": s.invited,
            "requested": s.requested,
        }
        for s in found
    ]
    _table(rows, "clubs", as_json)


def _standing_rows(club: str, standing: str, database_url: str | None) -> list[dict[str, Any]]:
    from patron.domain.clubs import Standing
    from patron.services.clubs import club_members

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(club_members, club, Standing(standing)))
    return [{"member_id": m.member_id, "since": f"{m.since:%Y-%m-%d %H:%M}"} for m in found]


@clubs_app.command("members")
def members(
    club: ClubArg,
    invited: Annotated[bool, typer.Option("--invited", help="the invitations instead")] = False,
    history: Annotated[
        bool, typer.Option("--history", help="every join and leave instead, oldest first")
    ] = False,
    as_json: JsonOpt = False,
    database_url: DbOption = None,
) -> None:
    """A club's members (or its open invitations, or its whole history)."""
    if history:
        from patron.services.clubs import club_history

        with open_patron(database_url) as patron:
            changes = guard(lambda: patron.read(club_history, club))
        rows = [
            {
                "at": f"{c.at:%Y-%m-%d %H:%M}",
                "member_id": c.member_id,
                "change": c.change.value,
                "by": c.actor,
                "reason": c.reason,
            }
            for c in changes
        ]
        _table(rows, f"club {club}: history", as_json)
        return
    standing = "invited" if invited else "member"
    _table(_standing_rows(club, standing, database_url), f"club {club}: {standing}", as_json)


@clubs_app.command("requests")
def requests(club: ClubArg, as_json: JsonOpt = False, database_url: DbOption = None) -> None:
    """The members who asked to join a club and wait for a decision."""
    _table(_standing_rows(club, "requested", database_url), f"club {club}: requests", as_json)


@clubs_app.command("invite")
def invite(
    club: ClubArg, member: MemberArg, reason: ReasonOpt = None, database_url: DbOption = None
) -> None:
    """Invite a member to an invitation club; they accept in the portal."""
    _step(club, member, "invite", reason, database_url)


@clubs_app.command("add")
def add(
    club: ClubArg, member: MemberArg, reason: ReasonOpt = None, database_url: DbOption = None
) -> None:
    """Put a member straight into an invitation or request club."""
    _step(club, member, "add", reason, database_url)


@clubs_app.command("remove")
def remove(
    club: ClubArg, member: MemberArg, reason: ReasonOpt = None, database_url: DbOption = None
) -> None:
    """Take a member out of an invitation or request club."""
    _step(club, member, "remove", reason, database_url)


@clubs_app.command("approve")
def approve(
    club: ClubArg, member: MemberArg, reason: ReasonOpt = None, database_url: DbOption = None
) -> None:
    """Approve a member's request to join: they are in."""
    _step(club, member, "approve", reason, database_url)


@clubs_app.command("refuse")
def refuse(
    club: ClubArg, member: MemberArg, reason: ReasonOpt = None, database_url: DbOption = None
) -> None:
    """Refuse a member's request to join."""
    _step(club, member, "refuse", reason, database_url)


@clubs_app.command("evaluate")
def evaluate(
    club: Annotated[
        str | None, typer.Argument(help="one rule club (default: every rule club)")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Admit the members each rule club's rule holds for and remove those it no longer
    holds for, each join and leave recorded; one transaction per club. Run it daily:
    run again on the same purchases it changes nothing."""
    from functools import partial

    from patron.services.clubs import Evaluated, evaluate_club, rule_clubs

    with open_patron(database_url) as patron:
        ids = [club] if club is not None else guard(lambda: patron.read(rule_clubs))
        done: list[Evaluated] = []
        with progress() as bar:
            task = bar.add_task("evaluating clubs", total=len(ids))
            for club_id in ids:
                done.append(guard(partial(patron.run, evaluate_club, club_id)))
                bar.advance(task)
    for found in done:
        out.print(
            f"club {found.club_id}: {len(found.admitted)} admitted, {len(found.removed)} removed",
            highlight=False,
        )
    if not ids:
        out.print("no rule clubs in the program", highlight=False)
