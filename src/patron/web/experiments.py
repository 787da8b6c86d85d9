"""The console's experiments: every experiment with its arms, and one experiment's report
over its period so far (the same as `patron experiment report` and `GET
/v1/experiments/{name}/report`): per arm the outcomes per member, the mean revenue with
its interval, drawn; the CUPED-adjusted relative uplift of each outcome with its interval,
drawn against zero; the money, the ROI and the sample-ratio check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics.experiments import ExperimentReport, default_period, report
from patron.domain.clock import to_utc_naive
from patron.domain.errors import NoProgram, PatronError
from patron.services.experiments import list_experiments, show_experiment
from patron.services.program import current_program
from patron.web.app_state import patron_of
from patron.web.charts import intervals, svg
from patron.web.console import StaffDep
from patron.web.i18n import _, word
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/experiments", response_class=HTMLResponse)
def experiments(
    request: Request,
    staff: StaffDep,
    name: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    patron = patron_of(request)
    listed = patron.read(list_experiments)
    context: dict[str, Any] = {"staff": staff, "experiments": listed, "chosen": name}
    try:
        context["currency"] = patron.read(current_program)[1].currency
    except NoProgram:
        context["currency"] = None
    if name:
        try:
            experiment = patron.read(show_experiment, name).experiment
            period = default_period(experiment, to_utc_naive(patron.clock()))
            found = patron.analytics().run(lambda con: report(con, experiment, period))
        except PatronError as exc:
            context["error"] = exc.message
        else:
            context |= _shown(found)
    return render(request, "experiments.html", context)


def _shown(found: ExperimentReport) -> dict[str, Any]:
    arms = [a for a in found.arms if a.members and a.revenue_low is not None]
    means = [
        {"arm": word(a.arm), "value": a.revenue, "low": a.revenue_low, "high": a.revenue_high}
        for a in arms
    ]
    uplifts = [
        {
            "metric": word(e.metric),
            "value": e.relative,
            "low": e.relative_low,
            "high": e.relative_high,
        }
        for e in found.effects
        if e.cuped and e.relative is not None and e.relative_low is not None
    ]
    charts = {}
    if means:
        charts["means"] = svg(
            intervals(means, "arm", x_title=_("revenue per member")),
            _("Mean revenue per member in each arm, with its interval"),
        )
    if uplifts:
        charts["uplift"] = svg(
            intervals(uplifts, "metric", x_title=_("relative uplift (CUPED)"), zero=True),
            _("Relative uplift of each outcome with its interval; the dashed line is no effect"),
        )
    return {"report": found, "charts": charts, "money": found.money_rows()}
