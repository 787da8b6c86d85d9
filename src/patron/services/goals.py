"""SMART goals: add one (its baseline measured now), list them, show one with its history
and path, and record every open goal's value of the day (`patron goals record`, daily).

The KPIs are computed by the analytics (analytics/kpi_catalogue.py), which the use cases
cannot import: they take a `Measures` (the composition root hands them the catalogue's,
`bootstrap.Patron.measures()`), which says what a KPI is and measures it on the store. A
measurement reads the store through its own connection, before anything is written, so a
use case writes nothing when a KPI cannot be measured. Nothing is measured inside a write
transaction: on SQLite one would hold up every till for as long as the analytics run. A
goal's baseline is measured first, in a read-only transaction (`measure_baseline`), and
handed to `add_goal`, which only writes; the daily recording measures every open goal
with no transaction open, then writes in one short transaction. The rules (validation, the
path, the status) are domain/goals.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from patron.domain.audit import AuditAction
from patron.domain.goals import (
    Direction,
    Goal,
    GoalNotFound,
    GoalPlan,
    GoalStatus,
    GoalValue,
    InvalidGoal,
    NewGoal,
    Population,
    PrimaryGoalExists,
    check_baseline,
    check_plan,
    latest,
    path_value,
    status,
    text_of,
    window,
)
from patron.store.uow import UnitOfWork


class KpiFacts(Protocol):
    """What the use cases need to know of a KPI of the catalogue."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def unit(self) -> str: ...  # a column kind: money, share, count, number
    @property
    def direction(self) -> Direction: ...


class Measures(Protocol):
    def kpi(self, name: str) -> KpiFacts:
        """The KPI `name`, or InvalidGoal naming those the catalogue has."""
        ...

    def check_population(self, population: Population) -> None:
        """Refuse (InvalidGoal) a population of an unknown kind or value."""
        ...

    def measure(self, name: str, population: Population, start: date, end: date) -> Decimal | None:
        """KPI `name` of `population` over the days [start, end); None: not measurable."""
        ...


@dataclass(frozen=True)
class Baseline:
    """A KPI measured for a plan on `day`, over the days [start, end)."""

    day: date
    start: date
    end: date
    value: Decimal


@dataclass(frozen=True)
class AddGoal:
    plan: GoalPlan
    actor: str  # who sets it: "cli:ana", "apikey:planner", "user:ana@shop.example"
    baseline: Baseline  # measured_baseline's, before the write transaction opens


@dataclass(frozen=True)
class GoalPoint:
    day: date
    value: Decimal
    path: Decimal  # the straight path's value that day


@dataclass(frozen=True)
class GoalReport:
    """A goal as the CLI, API and console show it, as of `as_of`."""

    goal: Goal
    kpi: KpiFacts
    status: GoalStatus
    as_of: date
    latest_day: date
    latest_value: Decimal
    path_today: Decimal
    points: list[GoalPoint]


@dataclass(frozen=True)
class Recorded:
    goal_id: int
    day: date
    value: Decimal | None  # None: the KPI could not be measured that day, nothing written


def measure_baseline(uow: UnitOfWork, plan: GoalPlan, measures: Measures) -> Baseline:
    """Check the plan and measure its KPI over the window ending today (run it with
    `Patron.read`: it writes nothing and holds no write lock)."""
    today = uow.now.date()
    kpi = measures.kpi(plan.kpi)
    check_plan(plan, today, share=kpi.unit == "share")
    measures.check_population(plan.population)
    start, end = window(today, plan.window_days)
    baseline = measures.measure(plan.kpi, plan.population, start, end)
    if baseline is None:
        raise InvalidGoal(
            f"kpi: {plan.kpi} of {plan.population} cannot be measured over"
            f" {start.isoformat()} to {end.isoformat()} (excluded): nothing to measure it on"
            " (no member, purchase or points in that window); choose a longer window or"
            " another population"
        )
    check_baseline(plan, baseline, kpi.direction)
    return Baseline(today, start, end, baseline)


def add_goal(uow: UnitOfWork, cmd: AddGoal, measures: Measures) -> GoalReport:
    """Write the goal with the baseline measured for it (`measure_baseline`), its first
    value (the baseline, on the day it was measured) and the audit entry."""
    plan, measured = cmd.plan, cmd.baseline
    kpi = measures.kpi(plan.kpi)
    check_plan(plan, measured.day, share=kpi.unit == "share")
    if plan.primary:
        taken = uow.goals.primary_open_on(measured.day)
        if taken is not None:
            raise PrimaryGoalExists(
                f"primary: goal {taken.id} ({taken.kpi}, until {taken.deadline.isoformat()}) is"
                " the primary goal; add this one as a secondary goal",
                goal_id=taken.id,
            )
    baseline, start, end, today = measured.value, measured.start, measured.end, measured.day
    goal = uow.goals.add(NewGoal(plan, baseline, uow.now, cmd.actor))
    uow.goals.record(goal.id, today, baseline, uow.now)
    uow.audit.record(
        uow.now,
        cmd.actor,
        AuditAction.GOAL_CREATED,
        None,
        None,
        {
            "goal_id": goal.id, "kpi": goal.kpi, "population": str(goal.population),
            "baseline": text_of(goal.baseline), "target": text_of(goal.target),
            "deadline": goal.deadline.isoformat(), "primary": goal.primary, "owner": goal.owner,
            "baseline_from": start.isoformat(), "baseline_to": end.isoformat(),
        },
    )  # fmt: skip
    return report(goal, kpi, uow.goals.values(goal.id), today)


def list_goals(uow: UnitOfWork, measures: Measures) -> list[GoalReport]:
    """Every goal with its status today, the latest deadline first."""
    values, today = uow.goals.all_values(), uow.now.date()
    return [report(g, measures.kpi(g.kpi), values.get(g.id, []), today) for g in uow.goals.all()]


def show_goal(uow: UnitOfWork, goal_id: int, measures: Measures) -> GoalReport:
    goal = uow.goals.get(goal_id)
    if goal is None:
        raise GoalNotFound(f"no goal {goal_id}", goal_id=goal_id)
    return report(goal, measures.kpi(goal.kpi), uow.goals.values(goal_id), uow.now.date())


def record_goal_values(new_uow: Callable[..., UnitOfWork], measures: Measures) -> list[Recorded]:
    """Today's value of every goal open today (created on or before it, deadline not
    passed), each over its window ending today; a second run today replaces the first's.

    The open goals are read, then measured with no transaction open (on SQLite a write
    transaction would hold up every till for as long as the analytics run), then written
    in one short transaction. `new_uow` is the composition root's (`Patron.new_uow`)."""
    with new_uow(readonly=True) as uow:
        today, goals = uow.now.date(), uow.goals.open_on(uow.now.date())
    done = []
    for goal in goals:
        start, end = window(today, goal.window_days)
        done.append(
            Recorded(goal.id, today, measures.measure(goal.kpi, goal.population, start, end))
        )
    with new_uow() as uow:
        for found in done:
            if found.value is not None:
                uow.goals.record(found.goal_id, found.day, found.value, uow.now)
        uow.commit()
    return done


def report(goal: Goal, kpi: KpiFacts, values: list[GoalValue], today: date) -> GoalReport:
    day, value = latest(goal, values)
    points = [GoalPoint(v.day, v.value, path_value(goal, v.day)) for v in values]
    return GoalReport(
        goal=goal,
        kpi=kpi,
        status=status(goal, kpi.direction, values, today),
        as_of=today,
        latest_day=day,
        latest_value=value,
        path_today=path_value(goal, today),
        points=points,
    )
