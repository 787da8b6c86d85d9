"""`patron referrals …`: the referral funnel of a period, the opinion leaders (the members
whose friends bring the most customers and revenue), and one member's referrals
(docs/referrals.md). A period is [--from, --to), by default the current month.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from patron.cli.cards import FormatOpt, _emit
from patron.cli.common import DbOption, guard, open_patron, out

referrals_app = typer.Typer(
    help="Referrals: the funnel of a period, the opinion leaders, a member's friends.",
    no_args_is_help=True,
)
FromOpt = Annotated[
    datetime | None,
    typer.Option("--from", formats=["%Y-%m-%d"], help="first day (default: this month's)"),
]
ToOpt = Annotated[
    datetime | None,
    typer.Option(
        "--to", formats=["%Y-%m-%d"], help="the day after the last (default: next month's first)"
    ),
]


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@referrals_app.command("funnel")
def funnel_command(
    start: FromOpt = None,
    end: ToOpt = None,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """Codes shared, friends enrolled, qualified, rewarded, taken back and refused."""
    from patron.services.referrals import funnel, period

    with open_patron(database_url) as patron:
        first, after = guard(lambda: patron.read(period, _day(start), _day(end)))
        figures = guard(lambda: patron.read(funnel, first, after))
    row = {"from": first.isoformat(), "to": after.isoformat(), **asdict(figures)}
    _emit([row], fmt, f"Referrals from {first} to {after} (excluded)")


@referrals_app.command("leaders")
def leaders_command(
    start: FromOpt = None,
    end: ToOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 10,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """The referrers whose friends spent the most in the period, with how many friends
    bought."""
    from patron.services.referrals import leaders, period

    with open_patron(database_url) as patron:
        first, after = guard(lambda: patron.read(period, _day(start), _day(end)))
        found = guard(lambda: patron.read(leaders, first, after, limit))
    rows = [{k: _plain(v) for k, v in asdict(leader).items()} for leader in found]
    _emit(rows, fmt, f"Opinion leaders from {first} to {after} (excluded)")


@referrals_app.command("show")
def show_command(
    member: Annotated[str, typer.Argument(help="Patron's member id, or the external id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    database_url: DbOption = None,
) -> None:
    """A member's referral code, who referred them, and each friend's referral."""
    from patron.services.commands import MemberRef
    from patron.services.referrals import referrals_of

    with open_patron(database_url) as patron:
        view = guard(lambda: patron.read(referrals_of, MemberRef.named(member, None)))
    friends = [{k: _plain(v) for k, v in asdict(f).items()} for f in view.friends]
    if as_json:
        answer = {
            "member_id": view.member_id,
            "referral_code": view.referral_code,
            "referred_by": view.referred_by,
            "points_earned": view.points_earned,
            "friends": friends,
        }
        typer.echo(json.dumps(answer))
        return
    out.print(
        f"member {view.member_id}: code {view.referral_code}, referred by"
        f" {view.referred_by or 'nobody'}, {view.points_earned} points from referrals"
    )
    if friends:
        _emit(friends, "table", "Friends")
