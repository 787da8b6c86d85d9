"""SMART goals: a KPI to move, on a population, from a measured baseline to a target by a
deadline, and whether it is on the way.

Design overview. A goal names a KPI of the catalogue (analytics/kpi_catalogue.py), the
population it is measured on (`Population`: all members, a tier, an RFM segment, an
A/B/C class...), a baseline Patron measured when the goal was made, over a window of
`window_days` days ending with the day of creation, a target, a deadline (a day), whether
it is the primary goal or a secondary one, and an owner. Every day a value is recorded
for it (the KPI over the `window_days` days ending with that day, as far as the day has
gone: a second recording on one day replaces the first, which saw less of the day).

The straight path runs from the baseline on the day of creation C to the target on the
deadline D:

    path(d) = baseline + (target − baseline) × (d − C) / (D − C)      for C <= d <= D

(before C it is the baseline, after D the target). The status, as of a day `today`:

    achieved   the latest value recorded on or before D reaches the target (at or above
               it for a KPI where higher is better, at or below it where lower is)
    missed     not achieved, and today is after D (the deadline's value decides: values
               recorded after D are not kept)
    on_track   otherwise, when the latest value is at or beyond the path's value on the
               day it was recorded (a value recorded today against today's path)
    behind     otherwise

Before any value is recorded, the latest value is the baseline on the day of creation,
which is on the path: a new goal is on track. All numbers are Decimals, compared exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from patron.domain import limits as lim
from patron.domain.errors import Conflict, InvalidInput, NotFound

MAX_WINDOW_DAYS = 3660  # ten years: a baseline's window
MAX_HORIZON_DAYS = 3660  # a deadline at most ten years ahead
OWNER_LENGTH = lim.ACTOR_LENGTH
NAME_LENGTH = lim.TITLE_LENGTH
KPI_LENGTH = 40
KIND_LENGTH = 32
POPULATION_LENGTH = lim.TITLE_LENGTH  # a tier's name is the longest
VALUE_PLACES = Decimal("0.000001")  # a KPI's value is kept to six decimals
MAX_VALUE = Decimal("1e9")  # kept exactly to six decimals, a float's round trip too


class InvalidGoal(InvalidInput):
    """A goal that cannot be set as asked; the message names the field and the fix."""

    code = "invalid_goal"


class GoalNotFound(NotFound):
    code = "goal_not_found"


class PrimaryGoalExists(Conflict):
    """One primary goal at a time (DESIGN.md: one primary goal and its secondary goals)."""

    code = "primary_goal_exists"


class Direction(StrEnum):
    """Which way a KPI improves."""

    HIGHER = "higher"  # higher is better: purchase frequency, retention...
    LOWER = "lower"  # lower is better: churn


class GoalStatus(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    ACHIEVED = "achieved"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Population:
    """Whom a KPI is measured on: a kind of the registry (analytics/populations.py) and,
    for every kind but `all`, which one (`tier:Gold`, `rfm:champions`, `abc:A`)."""

    kind: str
    value: str | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Population:
        """`all`, or `KIND:VALUE`; the kind and the value are checked by the registry."""
        kind, _, value = text.strip().partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not kind:
            raise InvalidGoal(
                f"population: {text!r} names no population: give `all`, `tier:NAME`,"
                " `rfm:SEGMENT`, `abc:CLASS` or `arm:EXPERIMENT/ARM`"
            )
        if len(value) > POPULATION_LENGTH:
            raise InvalidGoal(f"population: a value of at most {POPULATION_LENGTH} characters")
        problem = lim.note_problem(text)
        if problem is not None:
            raise InvalidGoal(f"population: {problem}")
        return cls(kind, value or None)


@dataclass(frozen=True, slots=True)
class GoalPlan:
    """What a person asks for; the baseline is Patron's to measure."""

    kpi: str
    population: Population
    target: Decimal
    deadline: date
    primary: bool
    owner: str
    window_days: int = 365
    name: str | None = None


@dataclass(frozen=True, slots=True)
class NewGoal:
    """A checked plan with its measured baseline, as the store writes it."""

    plan: GoalPlan
    baseline: Decimal
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Goal:
    id: int
    kpi: str
    population: Population
    baseline: Decimal
    window_days: int
    target: Decimal
    deadline: date
    primary: bool
    owner: str
    name: str | None
    created_at: datetime
    created_by: str

    @property
    def created_on(self) -> date:
        return self.created_at.date()

    @property
    def baseline_window(self) -> tuple[date, date]:
        """The baseline's days [from, to): the window ending with the day of creation."""
        return window(self.created_on, self.window_days)


@dataclass(frozen=True, slots=True)
class GoalValue:
    day: date
    value: Decimal
    recorded_at: datetime


def window(day: date, days: int) -> tuple[date, date]:
    """The `days` days ending with `day` (included), as [from, to)."""
    end = day + timedelta(days=1)
    return end - timedelta(days=days), end


def value_of(number: float | Decimal) -> Decimal:
    """A KPI's value as kept: six decimals."""
    return Decimal(str(number)).quantize(VALUE_PLACES)


def text_of(value: Decimal) -> str:
    """A value as people write it: 9.125, not 9.125000 nor 9.125E+0."""
    return format(value.normalize(), "f")


def check_plan(plan: GoalPlan, today: date, share: bool) -> GoalPlan:
    """The plan itself, or InvalidInput naming the field that cannot be right (whether
    the KPI is a share or not, the catalogue says; the target's side of the baseline is checked
    once the baseline is measured: `check_baseline`)."""
    if not plan.owner.strip():
        raise InvalidGoal("owner: name who answers for the goal (a person or a team)")
    if len(plan.owner) > OWNER_LENGTH:
        raise InvalidGoal(f"owner: at most {OWNER_LENGTH} characters")
    if plan.name is not None and len(plan.name) > NAME_LENGTH:
        raise InvalidGoal(f"name: at most {NAME_LENGTH} characters")
    for field, text in (("owner", plan.owner), ("name", plan.name or "")):
        problem = lim.note_problem(text)
        if problem is not None:
            raise InvalidGoal(f"{field}: {problem}")
    if not 1 <= plan.window_days <= MAX_WINDOW_DAYS:
        raise InvalidGoal(
            f"window_days: the baseline's window is 1 to {MAX_WINDOW_DAYS} days,"
            f" not {plan.window_days}"
        )
    if plan.deadline <= today:
        raise InvalidGoal(
            f"deadline: {plan.deadline.isoformat()} is not after today ({today.isoformat()}):"
            " a goal needs time to be reached"
        )
    if plan.deadline > today + timedelta(days=MAX_HORIZON_DAYS):
        raise InvalidGoal(f"deadline: at most {MAX_HORIZON_DAYS} days ahead")
    if not plan.target.is_finite() or plan.target < 0 or plan.target >= MAX_VALUE:
        raise InvalidGoal(f"target: a number from 0 up to {MAX_VALUE:,.0f}, not {plan.target}")
    if share and plan.target > 1:
        raise InvalidGoal(
            f"target: {plan.kpi} is a share, from 0 to 1 (0.25 for 25 %), not {plan.target}"
        )
    return plan


def check_baseline(plan: GoalPlan, baseline: Decimal, direction: Direction) -> None:
    """Refuse a target that does not improve on the baseline just measured."""
    target = value_of(plan.target)
    if target == baseline:
        raise InvalidGoal(
            f"target: {target} equals the baseline just measured ({baseline}): a goal moves its KPI"
        )
    worse = target < baseline if direction is Direction.HIGHER else target > baseline
    if worse:
        better = "higher" if direction is Direction.HIGHER else "lower"
        raise InvalidGoal(
            f"target: {text_of(target)} is not better than the baseline {text_of(baseline)}:"
            f" for {plan.kpi}"
            f" {better} is better"
        )


def path_value(goal: Goal, day: date) -> Decimal:
    """The straight path's value on `day` (module docstring)."""
    span = (goal.deadline - goal.created_on).days
    elapsed = min(max((day - goal.created_on).days, 0), span)
    return value_of(goal.baseline + (goal.target - goal.baseline) * elapsed / span)


def reaches(value: Decimal, mark: Decimal, direction: Direction) -> bool:
    """`value` is at or beyond `mark` in the KPI's direction."""
    return value >= mark if direction is Direction.HIGHER else value <= mark


def latest(goal: Goal, values: Sequence[GoalValue]) -> tuple[date, Decimal]:
    """The latest value recorded on or before the deadline, or the baseline on the day of
    creation when none is."""
    kept = [v for v in values if v.day <= goal.deadline]
    if not kept:
        return goal.created_on, goal.baseline
    last = max(kept, key=lambda v: v.day)
    return last.day, last.value


def status(
    goal: Goal, direction: Direction, values: Sequence[GoalValue], today: date
) -> GoalStatus:
    """Achieved, missed, on track or behind, as of `today` (module docstring)."""
    day, value = latest(goal, values)
    if reaches(value, goal.target, direction):
        return GoalStatus.ACHIEVED
    if today > goal.deadline:
        return GoalStatus.MISSED
    if reaches(value, path_value(goal, day), direction):
        return GoalStatus.ON_TRACK
    return GoalStatus.BEHIND


def is_open(goal: Goal, day: date) -> bool:
    """Whether a value is recorded for the goal on `day`: from its creation to its
    deadline, both included."""
    return goal.created_on <= day <= goal.deadline
