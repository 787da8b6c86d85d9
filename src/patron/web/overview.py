"""The console's overview: the period's figures beside the period before, with the
change; the points members hold; the tier mix.

Purchase figures come from analytics/kpis.py (`GET /v1/analytics/kpis`, `patron
analytics kpis`), the program's from services/overview.py; nothing is computed here. The
period is the last N days up to today included, as of today (UTC), which the page says.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics.frames import from_store
from patron.analytics.kpis import PeriodKpis, period_kpis
from patron.bootstrap import Patron
from patron.domain.overview import change
from patron.services.overview import ProgramOverview, program_overview
from patron.services.program import current_program
from patron.web.console import StaffDep
from patron.web.i18n import N_
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PERIODS = (7, 30, 90, 365)  # the choices the page offers; any other N days works too


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request,
    staff: StaffDep,
    days: Annotated[int, Query(ge=1, le=3660, description="the period: the last N days")] = 30,
) -> Response:
    patron: Patron = request.app.state.patron
    today = patron.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    end = today + timedelta(days=1)
    start = end - timedelta(days=days)
    program = patron.read(program_overview, start, end)
    now, before = patron.analytics().run(
        lambda con: (
            period_kpis(from_store(con), start, end),
            period_kpis(from_store(con), start - (end - start), start),
        )
    )
    _, running = patron.read(current_program)
    context = {
        "staff": staff,
        "days": days,
        "periods": sorted({*PERIODS, days}),
        "start": start,
        "as_of": today,
        "rows": _rows(program, now, before),
        "held": program.held,
        "tiers": [(level.name, program.tiers.get(level.name, 0)) for level in running.tiers.levels],
        "members": program.current.members,
        "currency": running.currency,
    }
    return render(request, "overview.html", context)


def _rows(program: ProgramOverview, now: PeriodKpis, before: PeriodKpis) -> list[dict[str, Any]]:
    """Each figure: its name, kind (how it is written), value now, value before, change."""
    p, q = program.current, program.previous
    figures: list[tuple[str, str, Any, Any]] = [
        (N_("Members"), "count", p.members, q.members),
        (N_("New members"), "count", p.new_members, q.new_members),
        (N_("Customers who bought"), "count", now.customers, before.customers),
        (N_("Purchases"), "count", now.purchases, before.purchases),
        (N_("Revenue"), "money", now.revenue, before.revenue),
        (N_("Average basket"), "money", now.average_basket, before.average_basket),
        (N_("Purchases per customer"), "number", now.purchase_frequency, before.purchase_frequency),
        (N_("Repeat-purchase rate"), "share", now.repurchase_rate, before.repurchase_rate),
        (N_("Points issued"), "count", p.points.issued, q.points.issued),
        (N_("Points redeemed"), "count", p.points.redeemed, q.points.redeemed),
        (N_("Points expired"), "count", p.points.expired, q.points.expired),
        (N_("Redemption rate"), "share", p.points.redemption_rate, q.points.redemption_rate),
    ]
    return [
        {"name": name, "kind": kind, "now": a, "before": b, "change": change(a, b)}
        for name, kind, a, b in figures
    ]
