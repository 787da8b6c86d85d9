"""The console's cohorts: customers by the month of their first purchase, and the share
of each cohort that bought again 1, 2, 3... months later, as a heat map with its table.

The rows are analytics/cohorts.cohort_retention's on the store (`patron analytics cohorts
store`, `GET /v1/analytics/cohorts`), laid out by analytics/cohorts.triangle, as the CLI
lays them out; as of the last purchase recorded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics.cohorts import cohort_retention, triangle
from patron.web.app_state import current_figures, on_copy
from patron.web.charts import heat_map, svg
from patron.web.console import StaffDep
from patron.web.i18n import _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
SHOWN = 24  # the latest cohorts: two years of months


@router.get("/cohorts", response_class=HTMLResponse)
def cohorts(request: Request, staff: StaffDep) -> Response:
    held = current_figures(
        request,
        ("cohorts",),
        lambda p: on_copy(p, lambda source: cohort_retention(source).to_pyarrow().to_pylist()),
    )
    rows = held.value
    grid, width = triangle(rows)
    grid = grid[-SHOWN:]
    cells: list[dict[str, Any]] = [
        {"cohort": month, "months": k, "share": share}
        for month, _size, shares in grid
        for k, share in enumerate(shares)
        if share is not None
    ]
    chart = (
        svg(
            heat_map(
                cells,
                "months",
                "cohort",
                "share",
                x_title=_("months since the first purchase"),
                y_title=_("first purchase"),
            ),
            _("Cohort retention: the share of each cohort that bought again, by month"),
        )
        if cells
        else None
    )
    context = {"staff": staff, "grid": grid, "width": width, "chart": chart, "computed": held}
    return render(request, "cohorts.html", context)
