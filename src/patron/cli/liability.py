"""`patron liability` and `patron breakage`: the points roll-forward with the liability in
money, and the breakage estimate behind it (analytics/liability.py, breakage.py).

`--format csv` is the accountant's export: one row per month, every line in points and
in the program's currency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import connect_store
from patron.cli.errors import cli_message
from patron.cli.present import FormatOption, Measured, print_rows, say, view
from patron.domain.errors import PatronError

if TYPE_CHECKING:
    from datetime import date

DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="PATRON_DATABASE_URL", help="default: sqlite:///patron.db"
    ),
]
FromOption = Annotated[
    str | None, typer.Option("--from", help="first month, YYYY-MM (default: the first entry's)")
]
ToOption = Annotated[str | None, typer.Option("--to", help="last month, YYYY-MM (default: now)")]
CapOption = Annotated[
    int,
    typer.Option(
        "--cap-months", help="where the projection of points that never expire stops (months)"
    ),
]
ReplicatesOption = Annotated[
    int, typer.Option("--replicates", help="bootstrap replicates of the interval (0: none)")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _month(text: str | None, field: str) -> date | None:
    from patron.domain.months import parse_month

    return parse_month(text, field) if text is not None else None


def _breakage_extra(found: Any) -> dict[str, Any]:
    if found is None:
        return {"breakage": None}
    return {
        "breakage": {
            "expected": found.expected,
            "low": found.low,
            "high": found.high,
            "on_issue": found.on_issue,
            "on_issue_low": found.on_issue_low,
            "on_issue_high": found.on_issue_high,
            "level": found.level,
            "replicates": found.replicates,
            "members": found.members,
            "life_days": found.life_days,
            "observed_to_days": found.extrapolated_from,
            "notes": list(found.notes),
        }
    }


def liability(
    first: FromOption = None,
    last: ToOption = None,
    fmt: FormatOption = "table",
    cap_months: CapOption = 36,
    replicates: ReplicatesOption = 200,
    by_rule: Annotated[
        bool,
        typer.Option(
            "--by-rule", help="the points issued with purchases by the program's rule instead"
        ),
    ] = False,
    database_url: DbOption = None,
) -> None:
    """Points roll-forward by month (opening, issued by kind, redeemed, expired, adjusted,
    refunds, closing, pending) in points and money, and the liability net of breakage."""
    from patron.analytics.breakage import MIN_REDEEMERS
    from patron.analytics.columns import encode_rows
    from patron.analytics.liability import report

    shown = view(fmt, None, True, None)
    patron = connect_store(database_url)
    try:
        start, end = _month(first, "from"), _month(last, "to")
        found = patron.read(
            lambda uow: report(uow, start, end, cap_months=cap_months, replicates=replicates)
        )
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    rows = found.rows()
    shown = view(fmt, None, True, found.currency)
    if by_rule:
        title = "points issued with purchases by rule (base, multipliers, bonuses, milestones)"
        print_rows(found.rule_rows(), "liability_rules", shown, title=title,
                   columns=["month", "rule", "points", "points_value"])  # fmt: skip
        return
    b = found.breakage
    if shown.format == "table":
        rows = [_short(r) for r in rows]
        if b is not None and not b.applicable:
            say(
                f"breakage: none applied, {b.redeemers} members have redeemed points (at least"
                f" {MIN_REDEEMERS} are needed to expect any); a point is worth"
                f" {found.point_value} {found.currency}"
            )
        elif b is not None:
            say(
                f"breakage of the outstanding points: {b.expected:.1%}"
                f" ({b.level:.0%} interval {b.low:.1%} to {b.high:.1%}, bootstrap over"
                f" {b.members} members); a point is worth {found.point_value} {found.currency}"
            )
    print_rows(
        rows,
        "liability",
        shown,
        title="points roll-forward and liability by month",
        as_of=Measured(found.as_of.date().isoformat(), "now: every entry dated before"),
        extra={
            "point_value": str(found.point_value),
            **_breakage_extra(b),
            "issued_by_rule": encode_rows("liability_rules", found.rule_rows()),
        },
    )
    if any(r["balanced"] != "yes" for r in rows):
        typer.echo("error: a month does not balance against the lots: run patron verify", err=True)
        raise typer.Exit(1)


_SHORT = (
    "month", "opening", "issued", "redeemed_rewards", "redeemed_discounts",
    "redemptions_cancelled", "expired", "adjusted_up", "adjusted_down", "refunds",
    "debt_settled", "closing", "pending", "balanced", "closing_value", "liability",
    "liability_change",
)  # fmt: skip


def _short(row: dict[str, Any]) -> dict[str, Any]:
    """The columns a person reads at a glance; csv and json carry every one."""
    return {name: row[name] for name in _SHORT}


def breakage(
    fmt: FormatOption = "table",
    cohorts: Annotated[
        bool, typer.Option("--cohorts", help="shares by month of issue instead of the curve")
    ] = False,
    cap_months: CapOption = 36,
    replicates: ReplicatesOption = 200,
    database_url: DbOption = None,
) -> None:
    """Breakage: the share of points expected never to be redeemed, with its interval, and
    the curve of points redeemed and expired by age (or per month of issue, --cohorts)."""
    from patron.analytics import liability as money

    shown = view(fmt, None, True, None)
    patron = connect_store(database_url)
    try:
        if cohorts:
            rows = patron.read(money.cohorts)
        else:
            found = patron.read(
                lambda uow: money.breakage(uow, cap_months=cap_months, replicates=replicates)
            )
    except PatronError as exc:
        raise _fail(cli_message(exc)) from None
    finally:
        patron.dispose()
    if cohorts:
        print_rows(rows, "breakage_cohorts", shown, title="points redeemed and expired by age,"
                   " per month of issue")  # fmt: skip
        return
    if found is None:
        raise _fail("no point was ever issued: there is no history to estimate breakage from")
    if shown.format == "table":
        say(
            f"breakage of the outstanding points {found.expected:.1%} ({found.level:.0%}"
            f" interval {found.low:.1%} to {found.high:.1%}); of a point issued now"
            f" {found.on_issue:.1%} ({found.on_issue_low:.1%} to {found.on_issue_high:.1%})"
        )
        for note in found.notes:
            say(f"note: {note}")
    print_rows(found.by_month(), "breakage", shown, title="share of points by age in months",
               extra=_breakage_extra(found))  # fmt: skip
