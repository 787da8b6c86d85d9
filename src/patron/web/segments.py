"""The console's segments: the RFM grid (recency by frequency, customers and revenue share
per cell) with the named segments, the A/B/C classes with their criteria, and the Pareto
curve with its 80/20 reading; each chart drawn on the server beside its numbers.

Every figure is the analytics' (analytics/rfm.py, abc.py, pareto.py: `patron analytics
rfm|abc|pareto store`, `GET /v1/analytics/{rfm,abc,pareto}`), as of the last purchase
recorded, which the page says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics.abc import AbcConfig, abc_classes
from patron.analytics.frames import Source
from patron.analytics.pareto import pareto_curve, top_share
from patron.analytics.rfm import rfm, segment_counts
from patron.analytics.summary import last_purchase
from patron.web.app_state import current_figures, on_copy
from patron.web.charts import heat_map, line, svg
from patron.web.console import StaffDep
from patron.web.i18n import _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/segments", response_class=HTMLResponse)
def segments(request: Request, staff: StaffDep) -> Response:
    held = current_figures(request, ("segments",), lambda p: on_copy(p, _figures))
    figures = held.value
    context: dict[str, Any] = {"staff": staff, "computed": held, **figures}
    if figures["as_of"] is not None:
        grid = heat_map(
            figures["grid"],
            "f",
            "r",
            "share",
            x_title=_("frequency score"),
            y_title=_("recency score"),
            top=max(cell["share"] for cell in figures["grid"]),
        )
        context["rfm_chart"] = svg(
            grid, _("RFM grid: the share of customers in each cell of recency and frequency")
        )
        curve = line(
            figures["pareto"],
            "customer_share",
            "revenue_share",
            x_title=_("share of customers, best first"),
            y_title=_("share of revenue"),
        )
        context["pareto_chart"] = svg(
            curve, _("Pareto curve: the share of revenue from the best customers")
        )
    return render(request, "segments.html", context)


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _figures(source: Source) -> dict[str, Any]:
    if source.purchases.count().execute() == 0:
        return {"as_of": None}
    as_of: datetime = last_purchase(source)
    scores = rfm(source, as_of=as_of)
    customers = int(scores.count().execute())
    total = float(scores.total_spend.sum().execute() or 0.0)
    cells = scores.group_by(["r", "f"]).aggregate(
        n=scores.count(), revenue=scores.total_spend.sum()
    )
    grid = [
        {
            "r": int(c["r"]),
            "f": int(c["f"]),
            "customers": int(c["n"]),
            "share": _share(int(c["n"]), customers),
            "revenue_share": _share(float(c["revenue"]), total),
        }
        for c in cells.to_pyarrow().to_pylist()
    ]
    config = AbcConfig()
    classes = abc_classes(source, config, as_of)
    per_class = classes.group_by("abc").aggregate(n=classes.count(), revenue=classes.volume.sum())
    abc = [
        {
            "class": c["abc"],
            "customers": int(c["n"]),
            "revenue_share": _share(float(c["revenue"]), total),
        }
        for c in per_class.order_by("abc").to_pyarrow().to_pylist()
    ]
    pareto = [
        {"customer_share": float(p["customer_share"]), "revenue_share": float(p["revenue_share"])}
        for p in pareto_curve(source).to_pyarrow().to_pylist()
    ]
    return {
        "as_of": as_of,
        "customers": customers,
        "named": segment_counts(scores).to_pyarrow().to_pylist(),
        "grid": sorted(grid, key=lambda c: (-c["r"], c["f"])),
        "abc": abc,
        "abc_config": config,
        "pareto": pareto,
        "top_20": top_share(source),
    }
