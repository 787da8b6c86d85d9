"""The program's side of the console's overview: members, enrolments, the points flow of
a period and of the one before it, the points held now and the tier mix (the purchase
KPIs come from analytics/kpis.py, the same computation as the API's and the CLI's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.domain.overview import PointsFlow, points_flow
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class ProgramPeriod:
    start: datetime
    end: datetime  # excluded
    members: int  # enrolled before the end
    new_members: int
    points: PointsFlow


@dataclass(frozen=True)
class ProgramOverview:
    current: ProgramPeriod
    previous: ProgramPeriod  # as long, just before
    held: int  # points members hold now, pending included
    tiers: dict[str, int]  # members per tier now


def program_overview(uow: UnitOfWork, start: datetime, end: datetime) -> ProgramOverview:
    before = start - (end - start)
    return ProgramOverview(
        current=_period(uow, start, end),
        previous=_period(uow, before, start),
        held=uow.figures.held(),
        tiers=uow.figures.tier_mix(),
    )


def _period(uow: UnitOfWork, start: datetime, end: datetime) -> ProgramPeriod:
    figures = uow.figures
    flow = points_flow(figures.points_by_kind(start, end))
    return ProgramPeriod(start, end, figures.members_by(end), figures.enrolled(start, end), flow)
