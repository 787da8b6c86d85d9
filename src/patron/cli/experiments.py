"""`patron experiment …`: the program measured against a control group.

`create`, `edit`, `list` and `show` go through the use cases of services/experiments.py;
`report` and `power` compute in the store's engine (analytics/experiments.py). The
statistics and their assumptions are in docs/analytics.md, "Measuring the program
against a control group".
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, fail, guard, open_patron
from patron.cli.present import FormatOption, Measured, print_rows, say, view
from patron.domain.errors import PatronError

if TYPE_CHECKING:
    from patron.services.experiments import ExperimentFacts

experiment_app = typer.Typer(
    help="Experiments: a holdout or a pilot against a control group, and their report.",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="the experiment's name")]


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")


def _decimal(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        fail(f"{option} {text!r} is not a number (write 0.1)")


def _row(facts: ExperimentFacts) -> dict[str, Any]:
    e = facts.experiment
    return {
        "name": e.name,
        "kind": e.kind.value,
        "control_share": e.control_share,
        "shops": ", ".join(e.shops) or None,
        "starts_at": e.starts_at.isoformat(),
        "ends_at": e.ends_at.isoformat() if e.ends_at else None,
        "control": facts.members[_arm("control")],
        "treatment": facts.members[_arm("treatment")],
    }


def _arm(name: str) -> Any:
    from patron.domain.experiments import Arm

    return Arm(name)


@experiment_app.command("create")
def create(
    name: NameArg,
    kind: Annotated[str, typer.Option(help="holdout or pilot")] = "holdout",
    share: Annotated[
        str | None, typer.Option("--share", help="a holdout's control share, e.g. 0.1")
    ] = None,
    shop: Annotated[
        list[str] | None, typer.Option("--shop", help="a pilot's shop (repeat for several)")
    ] = None,
    starts: Annotated[str | None, typer.Option(help="UTC; default now")] = None,
    ends: Annotated[str | None, typer.Option(help="UTC; default open-ended")] = None,
    salt: Annotated[str | None, typer.Option(help="default: 16 random hex digits")] = None,
    database_url: DbOption = None,
) -> None:
    """Create an experiment; every member there is now is given an arm."""
    from patron.services.experiments import CreateExperiment, create_experiment

    command = CreateExperiment(
        name, kind, cli_actor(), _decimal(share, "--share"), tuple(shop or ()),
        _when(starts, "--starts"), _when(ends, "--ends"), salt,
    )  # fmt: skip
    with open_patron(database_url) as patron:
        facts = guard(lambda: patron.run(create_experiment, command))
    row = _row(facts)
    say(f"experiment {row['name']!r} ({row['kind']}): {row['control']:,} members in control,"
        f" {row['treatment']:,} treated, from {row['starts_at']}")  # fmt: skip


@experiment_app.command("edit")
def edit(
    name: NameArg,
    share: Annotated[str | None, typer.Option("--share", help="before the start only")] = None,
    salt: Annotated[str | None, typer.Option(help="before the start only")] = None,
    ends: Annotated[str | None, typer.Option(help="the end, UTC")] = None,
    database_url: DbOption = None,
) -> None:
    """Move the end; change the share or the salt before the start (the arms are redrawn)."""
    from patron.services.experiments import EditExperiment, edit_experiment

    command = EditExperiment(
        name, cli_actor(), _decimal(share, "--share"), salt, _when(ends, "--ends")
    )
    with open_patron(database_url) as patron:
        facts = guard(lambda: patron.run(edit_experiment, command))
    say(f"experiment {facts.experiment.name!r} changed")


@experiment_app.command("list")
def list_(database_url: DbOption = None, fmt: FormatOption = "table") -> None:
    """Every experiment with the members of each arm."""
    from patron.services.experiments import list_experiments

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        found = patron.read(list_experiments)
    print_rows([_row(f) for f in found], "experiments", shown,
               title=f"experiments ({len(found)})", columns=list(_COLUMNS))  # fmt: skip


_COLUMNS = ("name", "kind", "control_share", "shops", "starts_at", "ends_at", "control",
            "treatment")  # fmt: skip


@experiment_app.command("show")
def show(
    name: NameArg,
    member: Annotated[
        str | None, typer.Option("--member", help="also the arm of this member (id or external id)")
    ] = None,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """One experiment; with --member, that member's arm (for staff only: no till shows it)."""
    from patron.services.commands import MemberRef
    from patron.services.experiments import arm_of, show_experiment

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        facts = guard(lambda: patron.read(show_experiment, name))
        arm = None
        if member is not None:
            found = guard(lambda: patron.read(arm_of, name, MemberRef.named(member)))
            arm = found.value if found is not None else "none yet"
    extra = {"member": member, "arm": arm} if member is not None else None
    print_rows([_row(facts)], "experiments", shown, title=f"experiment {name!r}", extra=extra)
    if arm is not None and shown.format == "table":
        say(f"member {member}: {arm}")


@experiment_app.command("report")
def report(
    name: NameArg,
    from_: Annotated[
        str | None, typer.Option("--from", help="default: the experiment's start")
    ] = None,
    to: Annotated[str | None, typer.Option(help="default: its end, or now")] = None,
    other_cost: Annotated[
        float, typer.Option(help="rewards, communication, budget actuals of the period")
    ] = 0.0,
    margin_rate: Annotated[
        float | None, typer.Option(help="margin share of revenue, where lines carry no cost")
    ] = None,
    confidence: Annotated[float, typer.Option(help="of the intervals")] = 0.95,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Per arm, outcomes per member; the difference with its interval (Welch, and CUPED
    with the pre-period), incremental revenue and margin, cost, net and ROI; the split's
    sample ratio check."""
    from patron.analytics.experiments import Window, default_period, report_document
    from patron.analytics.experiments import report as compute
    from patron.analytics.frames import program_currency
    from patron.domain.clock import to_utc_naive
    from patron.services.experiments import show_experiment

    start, end = _when(from_, "--from"), _when(to, "--to")
    with open_patron(database_url) as patron:
        experiment = guard(lambda: patron.read(show_experiment, name)).experiment

        def run() -> Any:
            period = default_period(experiment, to_utc_naive(patron.clock()))
            if start is not None or end is not None:
                period = Window(
                    to_utc_naive(start) if start else period.start,
                    to_utc_naive(end) if end else period.end,
                )
            return patron.analytics().run(
                lambda con: (
                    compute(con, experiment, period, other_cost=other_cost,
                            margin_rate=margin_rate, confidence=confidence),
                    program_currency(con),
                )
            )  # fmt: skip

        try:
            found, currency = run()
        except PatronError as exc:
            fail(exc.message)
    shown = view(fmt, None, True, currency)
    if shown.format == "json":
        typer.echo(json.dumps(report_document(found)))
        return
    if shown.format == "csv":  # the effects: the one table a spreadsheet wants
        print_rows(found.effect_rows(), "experiment_effects", shown, title="")
        return
    period = f"{found.period.start:%Y-%m-%d %H:%M} to {found.period.end:%Y-%m-%d %H:%M}"
    as_of = Measured(None, f"period {period}; pre-period of the same length before it")
    arms = [dict(vars(a)) for a in found.arms]
    print_rows(arms, "experiment_arms", shown, title=f"experiment {name!r}: per member",
               as_of=as_of)  # fmt: skip
    level = f"{confidence:.0%}"
    print_rows(found.effect_rows(), "experiment_effects", shown,
               title=f"treatment − control per member, {level} intervals")  # fmt: skip
    print_rows(found.money_rows(), "experiment_money", shown,
               title=f"money over the period (margin basis: {found.basis})")  # fmt: skip
    roi = found.roi
    if roi.value is not None:
        say(f"ROI {roi.value:.2f} ({level} interval {roi.low:.2f} to {roi.high:.2f})")
    ratio = found.sample_ratio
    if ratio is not None:
        say(f"sample ratio: {ratio.control:,} control, {ratio.treatment:,} treated against a"
            f" share of {ratio.expected_control_share:.1%}: chi-square {ratio.chi_square:.2f},"
            f" p = {ratio.p_value:.4g}" + (" — MISMATCH" if ratio.mismatch else ""))  # fmt: skip
    for note in found.notes:
        say(f"note: {note}")


@experiment_app.command("power")
def power(
    uplift: Annotated[float, typer.Option(help="relative uplift to detect, 0.05 = 5 %")] = 0.05,
    share: Annotated[float, typer.Option("--share", help="control share")] = 0.1,
    alpha: Annotated[float, typer.Option(help="two-sided significance level")] = 0.05,
    power_: Annotated[float, typer.Option("--power", help="1 − β")] = 0.8,
    metric: Annotated[str, typer.Option(help="revenue or purchases")] = "revenue",
    as_of: Annotated[str | None, typer.Option(help="the end of the horizons; default now")] = None,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Members needed to detect the uplift over horizons of 1 to 52 weeks, from the store's
    own per-member variance; the first horizon the store's members suffice for."""
    from patron.analytics.experiments import power_table
    from patron.domain.clock import to_utc_naive

    shown = view(fmt, None, True, None)
    with open_patron(database_url) as patron:
        at = to_utc_naive(_when(as_of, "--as-of") or patron.clock())
        try:
            rows = patron.analytics().run(
                lambda con: power_table(
                    con, at, uplift, metric=metric, control_share=share, alpha=alpha, power=power_
                )  # fmt: skip
            )
        except PatronError as exc:
            fail(exc.message)
    table = [{**vars(r), "enough": "yes" if r.enough else "no"} for r in rows]
    enough = next((r.weeks for r in rows if r.enough), None)
    verdict = (
        f"{enough} weeks suffice with the store's members" if enough is not None
        else "no horizon up to 52 weeks suffices: a larger uplift, share or more members"
    )  # fmt: skip
    print_rows(table, "experiment_power", shown,
               title=f"power: a {uplift:.1%} uplift in {metric}, {share:.0%} control,"
                     f" alpha {alpha}, power {power_}; {verdict}",
               extra={"weeks_needed": enough})  # fmt: skip
