"""The program's side of the console's overview: members, enrolments, the points flow and
the points outstanding of each of a run of periods back to back (the last is the current
one, the one before it the comparison), the points held now and the tier mix (the
purchase KPIs come from analytics/kpis.py, the same computation as the API's and the
CLI's).

Outstanding points at a period's end are those held before the run began plus every
entry since (the ledger sums to the balances: docs/ledger.md), so the run costs one
query per period for the flow and one for the start, not a scan of the ledger per end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.domain.errors import InvalidInput
from patron.domain.overview import PointsFlow, points_flow
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class ProgramPeriod:
    start: datetime
    end: datetime  # excluded
    members: int  # enrolled before the end
    new_members: int
    points: PointsFlow
    outstanding: int  # points members held at the end, pending included


@dataclass(frozen=True)
class ProgramOverview:
    trend: list[ProgramPeriod]  # oldest first; the last is the current period
    held: int  # points members hold now, pending included
    tiers: dict[str, int]  # members per tier now

    @property
    def current(self) -> ProgramPeriod:
        return self.trend[-1]

    @property
    def previous(self) -> ProgramPeriod:  # as long, just before the current one
        return self.trend[-2]


def program_overview(
    uow: UnitOfWork, start: datetime, end: datetime, periods: int = 2
) -> ProgramOverview:
    """`periods` periods as long as [start, end), back to back, the last [start, end)."""
    if end <= start or periods < 2:
        raise InvalidInput("the overview needs a period that ends after it starts, and two")
    length = end - start
    first = end - length * periods
    outstanding = uow.figures.points_before(first)
    trend = []
    for i in range(periods):
        a, b = first + length * i, first + length * (i + 1)
        by_kind = uow.figures.points_by_kind(a, b)
        outstanding += sum(by_kind.values())
        trend.append(_period(uow, a, b, points_flow(by_kind), outstanding))
    return ProgramOverview(trend, held=uow.figures.held(), tiers=uow.figures.tier_mix())


def _period(
    uow: UnitOfWork, start: datetime, end: datetime, flow: PointsFlow, outstanding: int
) -> ProgramPeriod:
    figures = uow.figures
    members, new = figures.members_by(end), figures.enrolled(start, end)
    return ProgramPeriod(start, end, members, new, flow, outstanding)
