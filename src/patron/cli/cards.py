"""`patron cards …`: loyalty cards (docs/cards.md). A batch for the printer, a card linked
to a member, blocked when lost, replaced; and the member a card, phone or e-mail names.

A member is named as in `patron member`: Patron's id when the argument is a number, else
the business's external id. Card numbers may be typed with spaces or dashes.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, guard, open_patron, out

cards_app = typer.Typer(
    help="Loyalty cards: issue a batch, link, block, replace, find a member.",
    no_args_is_help=True,
)
NumberArg = Annotated[str, typer.Argument(help="the card's number (spaces and dashes allowed)")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv or json")]


def _emit(rows: list[dict[str, Any]], fmt: str, title: str) -> None:
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("--format: table, csv or json")
    if fmt == "json":
        typer.echo(json.dumps({"count": len(rows), "data": rows}))
        return
    names = list(rows[0]) if rows else []
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([["" if r[n] is None else r[n] for n in names] for r in rows])
        typer.echo(text.getvalue(), nl=False)
        return
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for name in names:
        grid.add_column(name.replace("_", " "))
    for r in rows:
        grid.add_row(*("" if r[n] is None else str(r[n]) for n in names))
    out.print(grid)


@cards_app.command("issue")
def issue(
    count: Annotated[int, typer.Option("--count", min=1, help="how many cards")],
    output: Annotated[
        Path | None, typer.Option("--out", help="the printer's CSV (default: stdout)")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """A batch of new card numbers for the printer, as CSV: number, batch, check digit
    valid, and the QR code's text (the number itself). Audited."""
    from patron.domain.cards import luhn_valid
    from patron.services.cards import IssueCards, issue_cards

    with open_patron(database_url) as patron:
        batch = guard(lambda: patron.run(issue_cards, IssueCards(count, cli_actor())))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["number", "batch", "check_digit_valid", "qr_payload"])
    for number in batch.numbers:
        writer.writerow([number, batch.batch, "yes" if luhn_valid(number) else "no", number])
    if output is None:
        typer.echo(text.getvalue(), nl=False)
    else:
        output.write_text(text.getvalue(), encoding="utf-8")
    print(f"batch {batch.batch}: {len(batch.numbers)} cards", file=sys.stderr)


def _member(member: str) -> Any:
    from patron.services.commands import MemberRef

    return MemberRef.named(member, None)


@cards_app.command("link")
def link(
    number: NumberArg,
    member: Annotated[str, typer.Argument(help="Patron's member id, or the external id")],
    database_url: DbOption = None,
) -> None:
    """Link a card to a member. Audited."""
    from patron.services.cards import LinkCard, link_card

    command = LinkCard(number, _member(member), cli_actor())
    with open_patron(database_url) as patron:
        card = guard(lambda: patron.run(link_card, command))
    out.print(f"card {card.number} linked to member {card.member_id}", highlight=False)


@cards_app.command("block")
def block(
    number: NumberArg,
    reason: Annotated[str | None, typer.Option(help="why (audited)")] = None,
    database_url: DbOption = None,
) -> None:
    """Block a lost or stolen card: it finds nobody from now on. Points stay. Audited."""
    from patron.services.cards import BlockCard, block_card

    with open_patron(database_url) as patron:
        card = guard(lambda: patron.run(block_card, BlockCard(number, cli_actor(), reason)))
    out.print(f"card {card.number} blocked", highlight=False)


@cards_app.command("replace")
def replace(
    number: NumberArg,
    new: Annotated[
        str | None, typer.Option("--new", help="the printed card handed over (default: digital)")
    ] = None,
    database_url: DbOption = None,
) -> None:
    """Block a member's card and link another in its place, points and tier kept."""
    from patron.services.cards import ReplaceCard, replace_card

    with open_patron(database_url) as patron:
        done = guard(lambda: patron.run(replace_card, ReplaceCard(number, cli_actor(), new)))
    out.print(
        f"card {done.blocked.number} blocked; member {done.card.member_id} now has card"
        f" {done.card.number}",
        highlight=False,
    )


@cards_app.command("find")
def find(
    card: Annotated[str | None, typer.Option(help="a card number")] = None,
    phone: Annotated[str | None, typer.Option(help="a phone number")] = None,
    email: Annotated[str | None, typer.Option(help="an e-mail address")] = None,
    buyer: Annotated[
        str | None, typer.Option(help="a business's buyer: e-mail, phone or card")
    ] = None,
    fmt: FormatOpt = "table",
    database_url: DbOption = None,
) -> None:
    """The member(s) a card, phone or e-mail names, with their cards (`--buyer`: the
    business a buyer buys for)."""
    from patron.services.cards import Lookup, find_members

    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(find_members, Lookup(card, phone, email, buyer)))
        rows = [
            {
                "member_id": m.id,
                "external_id": m.external_id,
                "tier": m.tier,
                "points": m.balance,
                "cards": " ".join(
                    f"{c.number}:{c.status.value}"
                    for c in patron.read(lambda uow, i=m.id: uow.cards.of_member(i))
                ),
            }
            for m in found
        ]
    _emit(rows, fmt, "members")
