"""`patron budget …`: plan an amount per month and category, record spend on the
categories Patron does not know, and report plan against actual with the variance
(services/budget.py, analytics/budget.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from patron.cli.common import connect_store
from patron.cli.errors import cli_message
from patron.cli.liability import DbOption, _fail
from patron.cli.present import FormatOption, print_rows, view
from patron.domain.errors import PatronError

budget_app = typer.Typer(
    help="The program's budget: plans, spend, plan against actual.", no_args_is_help=True
)
Month = Annotated[str, typer.Option(help="YYYY-MM")]
Category = Annotated[
    str,
    typer.Option(
        help="rewards, points_liability, logistics, communication, staff, platform or other"
    ),
]
Amount = Annotated[str, typer.Option(help="e.g. 1200.00, in the program's currency")]
Currency = Annotated[str, typer.Option(help="the program's currency, e.g. EUR")]
Note = Annotated[str | None, typer.Option()]
By = Annotated[str, typer.Option("--by", help="who records it")]


@budget_app.command("plan")
def plan(
    month: Month,
    category: Category,
    amount: Amount,
    currency: Currency,
    note: Note = None,
    by: By = "cli",
    database_url: DbOption = None,
) -> None:
    """Plan an amount for a category in a month (replaces what was planned)."""
    from patron.domain.budget import category_of
    from patron.domain.months import parse_month
    from patron.services.acquisition import parse_amount
    from patron.services.budget import SetPlan, set_plan

    patron = connect_store(database_url)
    try:
        cmd = SetPlan(parse_month(month), category_of(category), parse_amount(amount), currency,
                      f"cli:{by}", note)  # fmt: skip
        line = patron.run(set_plan, cmd)
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    typer.echo(f"planned {line.month:%Y-%m} {line.category}: {line.amount} {line.currency}")


@budget_app.command("spend")
def spend(
    month: Month,
    category: Category,
    amount: Amount,
    currency: Currency,
    note: Note = None,
    by: By = "cli",
    database_url: DbOption = None,
) -> None:
    """Record spend on a category in a month (entries add up)."""
    from patron.domain.budget import category_of
    from patron.domain.months import parse_month
    from patron.services.acquisition import parse_amount
    from patron.services.budget import RecordBudgetSpend, record_budget_spend

    patron = connect_store(database_url)
    try:
        cmd = RecordBudgetSpend(parse_month(month), category_of(category), parse_amount(amount),
                                currency, f"cli:{by}", note)  # fmt: skip
        entry = patron.run(record_budget_spend, cmd)
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    typer.echo(
        f"spend #{entry.id}: {entry.month:%Y-%m} {entry.category} {entry.amount} {entry.currency}"
    )


@budget_app.command("report")
def report(
    first: Annotated[str, typer.Option("--from", help="first month, YYYY-MM")],
    last: Annotated[str, typer.Option("--to", help="last month, YYYY-MM")],
    fmt: FormatOption = "table",
    database_url: DbOption = None,
) -> None:
    """Plan against actual by month and category, with the variance (amount and %)."""
    from patron.analytics.budget import budget_report
    from patron.analytics.columns import encode_rows
    from patron.domain.months import parse_month

    shown = view(fmt, None, True, None)
    patron = connect_store(database_url)
    try:
        start, end = parse_month(first, "from"), parse_month(last, "to")
        found = patron.read(lambda uow: budget_report(uow, start, end))
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    shown = view(fmt, None, True, found.currency)
    rows = [r.as_dict() for r in found.rows]
    for row in rows:
        row["sources"] = ", ".join(f"{k} {v}" for k, v in row["sources"].items())
    columns = ["month", "category", "planned", "actual", "variance", "variance_pct", "sources"]
    print_rows(rows, "budget", shown, title="budget: plan against actual (variance = actual −"
               " planned)", columns=columns,
               extra={"totals": encode_rows("budget_totals", found.totals())})  # fmt: skip
