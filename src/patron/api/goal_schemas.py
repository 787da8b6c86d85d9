"""The bodies and answers of `/v1/goals` (services/goals.py). A KPI's values are decimal
strings, exact, in the KPI's unit (`unit`: number, money, share as a fraction, count)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from patron.api import examples as story
from patron.api.schemas import UtcTime, examples
from patron.domain import goals as rules
from patron.domain.goals import GoalStatus, text_of
from patron.services.goals import GoalReport


class GoalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(*story.GOAL_CREATE))

    kpi: Annotated[str, Field(min_length=1, max_length=rules.KPI_LENGTH)] = Field(
        description='a KPI of the catalogue (docs/analytics.md, "KPI catalogue")'
    )
    population: Annotated[str, Field(min_length=1, max_length=140)] = Field(
        "all", description="all, tier:NAME, rfm:SEGMENT or abc:CLASS"
    )
    target: Annotated[Decimal, Field(ge=0, lt=rules.MAX_VALUE, decimal_places=6)] = Field(
        description="the value to reach, in the KPI's unit (a share as a fraction: 0.25)"
    )
    deadline: date = Field(description="the last day to reach it")
    owner: Annotated[str, Field(min_length=1, max_length=rules.OWNER_LENGTH)] = Field(
        description="who answers for the goal"
    )
    window_days: Annotated[int, Field(ge=1, le=rules.MAX_WINDOW_DAYS)] = Field(
        365, description="the baseline's window: the days ending today"
    )
    primary: bool = Field(False, description="the primary goal (one at a time) or a secondary")
    name: Annotated[str | None, Field(max_length=rules.NAME_LENGTH)] = Field(
        None, description="a short name"
    )


class GoalPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.GOAL_PUBLIC))

    id: int = Field(description="the goal's id")
    name: str | None = Field(description="its short name")
    kpi: str = Field(description="the KPI's name in the catalogue")
    kpi_label: str = Field(description="what the KPI is, in words")
    unit: str = Field(description="number, money, share or count")
    better: Literal["higher", "lower"] = Field(description="which way the KPI improves")
    population: str = Field(description="whom it is measured on")
    window_days: int = Field(description="each value's window: the days ending with its day")
    baseline_from: date = Field(description="the baseline's first day")
    baseline_to: date = Field(description="the day after the baseline's last")
    baseline: str = Field(description="the KPI measured at creation (decimal string)")
    target: str = Field(description="the value to reach by the deadline")
    deadline: date = Field(description="the last day to reach it")
    primary: bool = Field(description="the primary goal, or a secondary one")
    owner: str = Field(description="who answers for it")
    created_at: UtcTime = Field(description="when it was set")
    created_by: str = Field(description="who set it: apikey:<name>, cli:<user>, user:<e-mail>")
    as_of: date = Field(description="the day the status is of (today, UTC)")
    status: GoalStatus = Field(description="on_track, behind, achieved or missed")
    latest_day: date = Field(description="the day of the latest value")
    latest_value: str = Field(description="the latest value recorded up to the deadline")
    path_today: str = Field(description="the straight path's value today")


class GoalPointPublic(BaseModel):
    day: date = Field(description="the day recorded")
    value: str = Field(description="the KPI that day")
    path: str = Field(description="the straight path's value that day")


class GoalDetail(GoalPublic):
    model_config = ConfigDict(json_schema_extra=examples(*story.GOAL_DETAIL))

    values: list[GoalPointPublic] = Field(description="every recorded value, oldest first")


class GoalsPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.GOALS_PUBLIC))

    data: list[GoalPublic] = Field(description="every goal, the latest deadline first")
    count: int = Field(description="how many")


def goal_public(found: GoalReport) -> GoalPublic:
    goal = found.goal
    start, end = goal.baseline_window
    return GoalPublic(
        id=goal.id, name=goal.name, kpi=goal.kpi, kpi_label=found.kpi.label,
        unit=str(found.kpi.unit), better=found.kpi.direction.value,
        population=str(goal.population), window_days=goal.window_days, baseline_from=start,
        baseline_to=end, baseline=text_of(goal.baseline), target=text_of(goal.target),
        deadline=goal.deadline, primary=goal.primary, owner=goal.owner,
        created_at=goal.created_at, created_by=goal.created_by, as_of=found.as_of,
        status=found.status, latest_day=found.latest_day,
        latest_value=text_of(found.latest_value), path_today=text_of(found.path_today),
    )  # fmt: skip


def goal_detail(found: GoalReport) -> GoalDetail:
    points = [GoalPointPublic(day=p.day, value=text_of(p.value), path=text_of(p.path))
              for p in found.points]  # fmt: skip
    return GoalDetail(**goal_public(found).model_dump(), values=points)
