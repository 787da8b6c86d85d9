"""The goals repository: goals are added and read; their daily values are one row per goal
and day, a second recording on a day replacing the first (domain/goals.py says why)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from patron.domain.goals import VALUE_PLACES, Goal, GoalValue, NewGoal, Population, is_open
from patron.store import tables as t

_G = t.goals
_V = t.goal_values


def _number(value: Any) -> Decimal:
    """A stored value (a float on SQLite) back to its six decimals."""
    return Decimal(str(value)).quantize(VALUE_PLACES)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _goal(row: Row[Any]) -> Goal:
    return Goal(
        id=int(row.id),
        kpi=row.kpi,
        population=Population(row.population_kind, row.population_value),
        baseline=_number(row.baseline),
        window_days=int(row.window_days),
        target=_number(row.target),
        deadline=_day(row.deadline),
        primary=bool(row.is_primary),
        owner=row.owner,
        name=row.name,
        created_at=row.created_at,
        created_by=row.created_by,
    )


class Goals:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, new: NewGoal) -> Goal:
        plan = new.plan
        row = {
            "name": plan.name,
            "kpi": plan.kpi,
            "population_kind": plan.population.kind,
            "population_value": plan.population.value,
            "baseline": new.baseline,
            "window_days": plan.window_days,
            "target": plan.target.quantize(VALUE_PLACES),
            "deadline": plan.deadline,
            "is_primary": plan.primary,
            "owner": plan.owner,
            "created_at": new.created_at,
            "created_by": new.created_by,
        }
        result = self.conn.execute(insert(_G), row)
        goal_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        found = self.get(goal_id)
        assert found is not None
        return found

    def get(self, goal_id: int) -> Goal | None:
        row = self.conn.execute(select(_G).where(_G.c.id == goal_id)).first()
        return None if row is None else _goal(row)

    def all(self) -> list[Goal]:
        """Every goal, the latest deadline first, then the newest."""
        query = select(_G).order_by(_G.c.deadline.desc(), _G.c.id.desc())
        return [_goal(r) for r in self.conn.execute(query)]

    def open_on(self, day: date) -> list[Goal]:
        """The goals whose deadline is not before `day` (created on `day` or before it)."""
        query = select(_G).where(_G.c.deadline >= day).order_by(_G.c.id)
        return [g for g in (_goal(r) for r in self.conn.execute(query)) if is_open(g, day)]

    def primary_open_on(self, day: date) -> Goal | None:
        query = select(_G).where(_G.c.is_primary.is_(True), _G.c.deadline >= day).limit(1)
        row = self.conn.execute(query).first()
        return None if row is None else _goal(row)

    def record(self, goal_id: int, day: date, value: Decimal, at: datetime) -> None:
        """The goal's value on `day`: a first recording adds the row, a later one on the
        same day replaces its value (the unique (goal, day) keeps one row either way)."""
        changed = self.conn.execute(
            update(_V)
            .where(_V.c.goal_id == goal_id, _V.c.day == day)
            .values(value=value, recorded_at=at)
        ).rowcount
        if not changed:
            self.conn.execute(
                insert(_V), {"goal_id": goal_id, "day": day, "value": value, "recorded_at": at}
            )

    def values(self, goal_id: int) -> list[GoalValue]:
        """The goal's recorded values, oldest day first."""
        query = select(_V).where(_V.c.goal_id == goal_id).order_by(_V.c.day)
        return [
            GoalValue(_day(r.day), _number(r.value), r.recorded_at)
            for r in self.conn.execute(query)
        ]

    def all_values(self) -> dict[int, list[GoalValue]]:
        """Every goal's values, by goal, oldest day first (for the list's statuses)."""
        found: dict[int, list[GoalValue]] = {}
        for r in self.conn.execute(select(_V).order_by(_V.c.goal_id, _V.c.day)):
            found.setdefault(int(r.goal_id), []).append(
                GoalValue(_day(r.day), _number(r.value), r.recorded_at)
            )
        return found
