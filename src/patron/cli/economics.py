"""`patron economics …`: acquisition spend in, CAC, CLV/CAC and payback out.

Spend is entered per month and channel (`spend add`), listed (`spend list`), and set
against the members each channel brought in (`report`, see analytics/economics.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from patron.cli.common import connect_store
from patron.cli.errors import cli_message
from patron.cli.present import (
    AllOption,
    FormatOption,
    LimitOption,
    Measured,
    print_rows,
    view,
)
from patron.domain.errors import PatronError

if TYPE_CHECKING:
    from patron.bootstrap import Patron

economics_app = typer.Typer(
    help="Customer economics: acquisition spend, CAC, CLV/CAC, payback.", no_args_is_help=True
)
spend_app = typer.Typer(help="Acquisition spend per month and channel.", no_args_is_help=True)
economics_app.add_typer(spend_app, name="spend")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error is one line, never wrapped
DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="PATRON_DATABASE_URL", help="default: sqlite:///patron.db"
    ),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def _patron(url: str | None) -> Patron:
    """The store, migrated; a missing or unreachable one ends the command (common.py)."""
    return connect_store(url)


@spend_app.command("add")
def spend_add(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    channel: Annotated[str, typer.Option(help="e.g. web, store, referral")],
    amount: Annotated[str, typer.Option(help="e.g. 1200.00")],
    currency: Annotated[str, typer.Option(help="the program's currency, e.g. EUR")],
    note: Annotated[str | None, typer.Option()] = None,
    by: Annotated[str, typer.Option("--by", help="who records it")] = "cli",
    database_url: DbOption = None,
) -> None:
    """Record what was spent on acquiring customers in a month through a channel."""
    from patron.services.acquisition import RecordSpend, parse_amount, parse_month, record_spend

    patron = _patron(database_url)
    try:
        command = RecordSpend(
            parse_month(month), channel, parse_amount(amount), currency, f"cli:{by}", note
        )
        entry = patron.run(record_spend, command)
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    out.print(
        f"spend #{entry.id}: {entry.month:%Y-%m} {entry.channel} {entry.amount} {entry.currency}"
    )


@spend_app.command("list")
def spend_list(
    database_url: DbOption = None,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
) -> None:
    """Every spend entry, by month and channel."""
    from patron.services.acquisition import list_spend

    shown = view(fmt, limit, all_rows, None)
    patron = _patron(database_url)
    try:
        entries = patron.read(list_spend)
    finally:
        patron.dispose()
    rows = [
        {"id": e.id, "month": e.month, "channel": e.channel, "amount": e.amount,
         "currency": e.currency, "note": e.note, "recorded_by": e.recorded_by}
        for e in entries
    ]  # fmt: skip
    # an entry's amount is in its own currency, named in the next column
    print_rows(rows, "spend", shown, title=f"acquisition spend ({len(entries)} entries)")


@economics_app.command("report")
def report(
    by: Annotated[str, typer.Option("--by", help="cohort, channel or both")] = "both",
    database_url: DbOption = None,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
) -> None:
    """CAC, value per member, CLV/CAC and payback months, in the program's currency
    (--format json: the API's answer, money as decimal strings)."""
    from patron.analytics.economics import economics
    from patron.analytics.frames import program_currency

    shown = view(fmt, limit, all_rows, None)
    patron = _patron(database_url)
    try:
        result, currency = patron.analytics().run(
            lambda con: (economics(con, by), program_currency(con))
        )
        today = patron.clock().date().isoformat()
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    shown = view(fmt, limit, all_rows, currency)
    found: dict[str, Any] = result.as_dict()
    title = (
        f"customer economics by {by}: value = {result.basis} to date per member, CAC ="
        " acquisition spend per new member"
    )
    as_of = Measured(today, "today: every member and purchase in the store")
    rows = found["data"]
    if shown.format == "table":  # the grouping's columns only (JSON keeps the API's shape)
        unused = {"cohort": "channel", "channel": "month"}.get(by)
        rows = [{k: v for k, v in r.items() if k != unused} for r in rows]
    print_rows(rows, "economics", shown, title=title, as_of=as_of,
               extra={"by": result.by, "basis": result.basis})  # fmt: skip
