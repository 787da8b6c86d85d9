"""`patron goals …`: SMART goals on the KPIs of the catalogue.

`add` measures the baseline now and writes the goal, `list` shows every goal with its
status, `show` one goal's recorded values beside its straight path, `record` today's value
of every open goal (run it daily from cron: a second run on one day replaces the first's
values), `kpis` the catalogue. The rules are in domain/goals.py, the KPIs'
formulas in analytics/kpi_catalogue.py (docs/goals.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import DbOption, cli_actor, fail, guard, open_patron
from patron.cli.present import AllOption, FormatOption, LimitOption, Measured, print_rows, say, view

if TYPE_CHECKING:
    from patron.services.goals import GoalReport, Recorded

goals_app = typer.Typer(
    help="SMART goals: a KPI's baseline, target and deadline, recorded daily.",
    no_args_is_help=True,
)


@goals_app.command("add")
def add(
    kpi: Annotated[str, typer.Option(help="a KPI of `patron goals kpis`, e.g. purchase_frequency")],
    target: Annotated[
        str, typer.Option(help="the value to reach, in the KPI's unit (a share: 0.25)")
    ],
    deadline: Annotated[str, typer.Option(help="the last day to reach it, YYYY-MM-DD")],
    owner: Annotated[str, typer.Option(help="who answers for it")],
    population: Annotated[
        str, typer.Option(help="all, tier:NAME, rfm:SEGMENT or abc:CLASS")
    ] = "all",
    window_days: Annotated[
        int, typer.Option(help="the baseline's window: the days ending today")
    ] = 365,
    primary: Annotated[
        bool, typer.Option("--primary/--secondary", help="the primary goal (one at a time)")
    ] = False,
    name: Annotated[str | None, typer.Option(help="a short name")] = None,
    database_url: DbOption = None,
    fmt: FormatOption = "table",
) -> None:
    """Add a goal: its baseline is measured now, over the last --window-days days."""
    from patron.domain.goals import GoalPlan, Population
    from patron.services.goals import AddGoal, add_goal, measure_baseline

    shown = view(fmt, None, False, None)
    plan = GoalPlan(
        kpi=kpi.strip(),
        population=guard(lambda: Population.parse(population)),
        target=_number(target),
        deadline=_day(deadline),
        primary=primary,
        owner=owner,
        window_days=window_days,
        name=name,
    )
    with open_patron(database_url) as patron:
        measures = patron.measures()
        baseline = guard(lambda: patron.read(measure_baseline, plan, measures))
        use_case = partial(add_goal, measures=measures)
        found = guard(lambda: patron.run(use_case, AddGoal(plan, cli_actor(), baseline)))
    _print_goals([found], shown, f"goal {found.goal.id} added")


@goals_app.command("list")
def list_(
    database_url: DbOption = None,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
) -> None:
    """Every goal with its latest value, its path's value today and its status."""
    from patron.services.goals import list_goals

    shown = view(fmt, limit, all_rows, None)
    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(list_goals, patron.measures()))
    _print_goals(found, shown, f"goals ({len(found)})")


@goals_app.command("show")
def show(
    goal_id: Annotated[int, typer.Argument(help="the goal's id (`patron goals list`)")],
    database_url: DbOption = None,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
) -> None:
    """One goal: its figures, then each recorded value beside the path's value that day."""
    from patron.domain.goals import text_of
    from patron.services.goals import show_goal

    shown = view(fmt, limit, all_rows, None)
    with open_patron(database_url) as patron:
        found = guard(lambda: patron.read(show_goal, goal_id, patron.measures()))
    head = goal_row(found)
    points = [{"day": p.day, "value": p.value, "path": p.path} for p in found.points]
    if shown.format == "table":
        for key, value in head.items():
            written = text_of(value) if isinstance(value, Decimal) else value
            say(f"{key.replace('_', ' ')}: {'' if written is None else written}")
    target = text_of(found.goal.target)
    title = f"goal {goal_id}: recorded values against the straight path to {target}"
    print_rows(
        points, "goal_values", shown, title=title, default=None, extra={"goal": _plain(head)},
        columns=["day", "value", "path"],
    )  # fmt: skip


@goals_app.command("record")
def record(database_url: DbOption = None, fmt: FormatOption = "table") -> None:
    """Record today's value of every open goal (daily, from cron; run twice on one day,
    the later values replace the earlier)."""
    from patron.services.goals import record_goal_values

    shown = view(fmt, None, False, None)
    with open_patron(database_url) as patron:
        measures = patron.measures()
        done = guard(lambda: record_goal_values(patron.new_uow, measures))
    rows = [_recorded(r) for r in done]
    print_rows(rows, "goal_records", shown, title=f"goals recorded: {len(done)}",
               columns=["goal_id", "day", "value", "recorded"])  # fmt: skip


@goals_app.command("kpis")
def kpis(fmt: FormatOption = "table") -> None:
    """The KPI catalogue: each KPI's name, label, unit and which way is better."""
    from patron.analytics.kpi_catalogue import CATALOGUE

    shown = view(fmt, None, True, None)
    rows = [
        {"name": k.name, "label": k.label, "unit": k.unit.value, "better": k.direction.value}
        for k in CATALOGUE.values()
    ]
    print_rows(rows, "kpi_catalogue", shown, title="the KPI catalogue (docs/analytics.md)")


def goal_row(found: GoalReport) -> dict[str, Any]:
    """A goal as one row of the `goals` table (analytics/columns.py)."""
    goal = found.goal
    return {
        "id": goal.id, "name": goal.name, "kpi": goal.kpi, "unit": str(found.kpi.unit),
        "better": found.kpi.direction.value, "population": str(goal.population),
        "window_days": goal.window_days, "baseline": goal.baseline, "target": goal.target,
        "deadline": goal.deadline, "priority": "primary" if goal.primary else "secondary",
        "owner": goal.owner, "created": goal.created_on, "latest_day": found.latest_day,
        "latest": found.latest_value, "path_today": found.path_today,
        "status": found.status.value,
    }  # fmt: skip


def _print_goals(found: list[GoalReport], shown: Any, title: str) -> None:
    today = found[0].as_of.isoformat() if found else None
    rows = [goal_row(r) for r in found]
    print_rows(rows, "goals", shown, title=title, as_of=Measured(today, "today, UTC"),
               columns=_GOAL_COLUMNS)  # fmt: skip


_GOAL_COLUMNS = [
    "id", "name", "kpi", "unit", "better", "population", "window_days", "baseline", "target",
    "deadline", "priority", "owner", "created", "latest_day", "latest", "path_today", "status",
]  # fmt: skip


def _recorded(done: Recorded) -> dict[str, Any]:
    return {
        "goal_id": done.goal_id, "day": done.day, "value": done.value,
        "recorded": "yes" if done.value is not None else "no: not measurable today",
    }  # fmt: skip


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    from patron.analytics.columns import encode, kind_of

    return {k: encode(v, kind_of("goals", k)) for k, v in row.items()}


def _number(text: str) -> Decimal:
    try:
        found = Decimal(text.strip())
    except InvalidOperation:
        fail(f"--target {text!r} is not a number (e.g. 3.3, or 0.25 for a share of 25 %)")
    return found


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"--deadline {text!r} is not a day (YYYY-MM-DD)")
