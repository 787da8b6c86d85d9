"""Bonuses from the command line: `patron adjust` (a credit or debit by hand, a credit
that burns with `--valid-days`), `patron birthdays` (the daily birthday-bonus run) and
`patron member birthday` (set or forget a member's birthday).

A member is named as in the API: Patron's id when the argument is a number, else the
business's external id (`--by external_id` forces the latter).
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from patron.cli.common import (
    DbOption,
    cli_actor,
    guard,
    open_patron,
    out,
    parse_as_of,
    refuse_future_as_of,
)

MemberArg = Annotated[str, typer.Argument(help="Patron's member id, or the external id")]
ByOption = Annotated[
    Literal["id", "external_id"] | None,
    typer.Option(help="how to read MEMBER: id or external_id (default: by its form)"),
]


def adjust(
    member: MemberArg,
    points: Annotated[
        int,
        typer.Argument(help="a credit (positive) or a debit (negative: after `--`, as `-- -50`)"),
    ],
    reason: Annotated[str, typer.Option(help="why (audited with who and when)")],
    valid_days: Annotated[
        int | None,
        typer.Option(help="a credit that burns: valid this many days, spent before older points"),
    ] = None,
    by: ByOption = None,
    database_url: DbOption = None,
) -> None:
    """Credit or debit a member's points by hand; audited. `--valid-days 14` makes a bonus
    that burns in 14 days ("200 points, valid 14 days")."""
    from patron.services.adjust import adjust as run_adjust
    from patron.services.commands import Adjust, MemberRef
    from patron.services.members import find_member

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(find_member, MemberRef.named(member, by)))
        command = Adjust(found.id, points, reason, cli_actor(), valid_days)
        done = guard(lambda: patron.run(run_adjust, command))
    burns = f", expiring {done.expires_at:%Y-%m-%d %H:%M} UTC" if done.expires_at else ""
    out.print(
        f"member {done.member_id}: {done.points:+d} points{burns}; balance {done.balance}",
        highlight=False,
    )


def birthdays(
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (UTC); default now; not later than now")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="run as of a later day: grants bonuses early")
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Grant the birthday bonus to members in their birthday window (once a year each;
    idempotent: run it daily)."""
    from patron.services.birthdays import GrantBirthdays, grant_birthdays

    moment = parse_as_of(as_of)
    refuse_future_as_of(as_of, moment, force, "it would grant birthday bonuses early")
    with open_patron(database_url) as patron:
        report = guard(lambda: grant_birthdays(patron.new_uow, GrantBirthdays(moment)))
    out.print(
        f"{report.granted} birthday bonuses granted ({report.points} points,"
        f" {report.vouchers} vouchers); {report.due} members in their window"
    )


def birthday(
    member: MemberArg,
    date: Annotated[
        str | None, typer.Argument(help="YYYY-MM-DD, or MM-DD without the year")
    ] = None,
    forget: Annotated[bool, typer.Option("--forget", help="remove the birthday")] = False,
    by: ByOption = None,
    database_url: DbOption = None,
) -> None:
    """Show, set or forget a member's birthday (for the birthday bonus; audited)."""
    from patron.domain.birthdays import parse_birthday
    from patron.services.birthdays import SetBirthday, birthday_of, set_birthday
    from patron.services.commands import MemberRef

    ref = MemberRef.named(member, by)
    with open_patron(database_url) as patron:
        if date is None and not forget:
            shown = guard(lambda: patron.read(birthday_of, ref))
        else:
            value = guard(lambda: parse_birthday(date)) if date is not None else None
            shown = guard(lambda: patron.run(set_birthday, SetBirthday(ref, value, cli_actor())))
    out.print(f"birthday: {str(shown).removeprefix('--') if shown else 'none'}", highlight=False)
