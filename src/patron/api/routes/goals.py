"""SMART goals for admin keys: set one (its baseline measured now), list them, read one with
its recorded values and path (services/goals.py; docs/goals.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.goal_schemas import (
    GoalCreate,
    GoalDetail,
    GoalPublic,
    GoalsPublic,
    goal_detail,
    goal_public,
)
from patron.api.idempotency import Idempotent
from patron.domain.goals import GoalNotFound, GoalPlan, InvalidGoal, Population, PrimaryGoalExists
from patron.services.goals import AddGoal, add_goal, list_goals, measure_baseline, show_goal

router = APIRouter(tags=["goals"])
GoalId = Annotated[int, Path(ge=1, le=2**62, description="the goal's id", examples=[1])]


@router.post(
    "/v1/goals",
    status_code=201,
    response_model=GoalPublic,
    responses=p.refusals(
        InvalidGoal("kpi: unknown KPI 'visits'; the catalogue has purchase_frequency, ..."),
        PrimaryGoalExists(
            "primary: goal 1 (purchase_frequency, until 2026-12-31) is the"
            " primary goal; add this one as a secondary goal",
            goal_id=1,
        ),
    ),  # fmt: skip
)
def create_goal(
    body: GoalCreate, patron: PatronDep, principal: AdminKey, write: Idempotent
) -> Response:
    """Set a goal: its baseline is measured now over the `window_days` days ending today."""
    plan = GoalPlan(
        kpi=body.kpi,
        population=Population.parse(body.population),
        target=Decimal(body.target),
        deadline=body.deadline,
        primary=body.primary,
        owner=body.owner,
        window_days=body.window_days,
        name=body.name,
    )
    measures = patron.measures()
    # measured before the write transaction opens (services/goals.py says why)
    command = AddGoal(plan, principal.actor, patron.read(measure_baseline, plan, measures))
    return write(body, lambda uow: add_goal(uow, command, measures), goal_public)


@router.get("/v1/goals", response_model=GoalsPublic)
def get_goals(patron: PatronDep, _: AdminKey) -> GoalsPublic:
    """Every goal with its latest value, its path's value today and its status."""
    found = [goal_public(r) for r in patron.read(list_goals, patron.measures())]
    return GoalsPublic(data=found, count=len(found))


@router.get(
    "/v1/goals/{id}",
    response_model=GoalDetail,
    responses=p.refusals(GoalNotFound("no goal 7", goal_id=7)),
)
def get_goal(id: GoalId, patron: PatronDep, _: AdminKey) -> GoalDetail:
    """One goal with every recorded value beside the straight path's value that day."""
    return goal_detail(patron.read(show_goal, id, patron.measures()))
