"""The console's overview: each figure of the period beside the period before, with the
change, and its trend over the last 12 such periods (a small chart per figure and the
table of its numbers); the points members hold; the tier mix.

Purchase figures come from analytics/kpis.py (the KPIs of `GET /v1/analytics/kpis` and
`patron analytics kpis`, counted per period by `kpis_trend`), the program's from
services/overview.py; nothing is computed here. `figures` is the page's one call for its
numbers, so that it can be held whole while the data has not changed. The period is the
last N days up to today included, as of today (UTC), which the page says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from patron.analytics.kpis import TrendPoint, kpis_trend
from patron.bootstrap import Patron
from patron.domain.overview import change
from patron.services.overview import ProgramOverview, program_overview
from patron.services.program import current_program
from patron.web.app_state import current_figures, on_copy
from patron.web.charts import small_multiples, svg
from patron.web.console import StaffDep
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PERIODS = (7, 30, 90, 365)  # the choices the page offers; any other N days works too
TREND = 12  # periods in a trend, the current one the last


@dataclass(frozen=True)
class OverviewFigures:
    """Every number of the page: the program's periods and the purchase KPIs' periods,
    the same `TREND` periods oldest first, the last the current one."""

    program: ProgramOverview
    kpis: list[TrendPoint]


def figures(patron: Patron, end: datetime, days: int) -> OverviewFigures:
    """The overview's numbers for the `TREND` periods of `days` days ending at `end`."""
    start = end - timedelta(days=days)
    program = patron.read(program_overview, start, end, TREND)
    kpis = on_copy(patron, lambda source: kpis_trend(source, end, days, TREND))
    return OverviewFigures(program, kpis)


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request,
    staff: StaffDep,
    days: Annotated[int, Query(ge=1, le=3660, description="the period: the last N days")] = 30,
) -> Response:
    patron: Patron = request.app.state.patron
    today = patron.clock().replace(hour=0, minute=0, second=0, microsecond=0)
    end = today + timedelta(days=1)
    held = current_figures(request, ("overview", end, days), lambda p: figures(p, end, days))
    found = held.value
    program = found.program
    _, running = patron.read(current_program)
    groups = _groups(found)
    context = {
        "staff": staff,
        "days": days,
        "periods": sorted({*PERIODS, days}),
        "start": end - timedelta(days=days),
        "as_of": today,
        "computed": held,
        "rows": [row for _, _, rows in groups for row in rows],
        "trends": [(key, title, rows, _chart(title, rows)) for key, title, rows in groups],
        "starts": [period.start for period in program.trend],
        "held": program.held,
        "tiers": [(level.name, program.tiers.get(level.name, 0)) for level in running.tiers.levels],
        "members": program.current.members,
        "currency": running.currency,
    }
    return render(request, "overview.html", context)


Series = list[Any]


def _groups(found: OverviewFigures) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The figures in three groups (members, purchases, points), each figure with its
    kind (how it is written), its series, its value now and before and the change."""
    p, k = found.program.trend, found.kpis
    groups: list[tuple[str, str, list[tuple[str, str, Series]]]] = [
        ("members", N_("Members"), [
            (N_("Members"), "count", [x.members for x in p]),
            (N_("New members"), "count", [x.new_members for x in p]),
            (N_("Customers who bought"), "count", [x.customers for x in k]),
        ]),
        ("purchases", N_("Purchases"), [
            (N_("Purchases"), "count", [x.purchases for x in k]),
            (N_("Revenue"), "money", [x.revenue for x in k]),
            (N_("Average basket"), "money", [x.average_basket for x in k]),
            (N_("Purchases per customer"), "number", [x.purchase_frequency for x in k]),
            (N_("Repeat-purchase rate"), "share", [x.repurchase_rate for x in k]),
        ]),
        ("points", N_("Points"), [
            (N_("Points issued"), "count", [x.points.issued for x in p]),
            (N_("Points redeemed"), "count", [x.points.redeemed for x in p]),
            (N_("Points expired"), "count", [x.points.expired for x in p]),
            (N_("Points outstanding at the end"), "count", [x.outstanding for x in p]),
            (N_("Redemption rate"), "share", [x.points.redemption_rate for x in p]),
        ]),
    ]  # fmt: skip
    return [
        (key, title, [_row(name, kind, series) for name, kind, series in rows])
        for key, title, rows in groups
    ]


def _row(name: str, kind: str, series: Series) -> dict[str, Any]:
    now, before = series[-1], series[-2]
    return {
        "name": name, "kind": kind, "series": series, "now": now, "before": before,
        "change": change(now, before),
    }  # fmt: skip


def _chart(title: str, rows: list[dict[str, Any]]) -> Markup:
    """The group's small multiples, each figure named in the shop's language."""
    names = [_(name) for name in (row["name"] for row in rows)]
    values = [
        {"name": name, "period": i + 1, "value": None if v is None else float(Decimal(str(v)))}
        for name, row in zip(names, rows, strict=True)
        for i, v in enumerate(row["series"])
    ]
    spec = small_multiples(values, names, x_title=_("the last %(n)s periods") % {"n": TREND})
    return svg(spec, _("Trends: %(group)s") % {"group": _(title)})
