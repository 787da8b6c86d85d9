"""The console's lifetime value: the purchase and spend models fitted on the store, with
their parameters, standard errors and a plain reading; how the chosen model predicted
the holdout; the distribution of CLV over the next 52 weeks; and the valuable customers
most likely gone.

Everything comes from the customer base the member insights use (analytics/insights.py,
fitted once a day and held) and from analytics/lifetime.validation_for; the figures are
those of `patron clv fit|validate|predict store`."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics import lifetime
from patron.analytics.clv.value import discounted_clv
from patron.analytics.insights import CustomerBase, store_base
from patron.analytics.summary import period_days
from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.services.program import current_program
from patron.services.queries import data_version
from patron.web.app_state import current_figures, on_copy
from patron.web.charts import grouped_bars, svg
from patron.web.console import StaffDep
from patron.web.i18n import _
from patron.web.readings import readings
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
HORIZON = 52  # weeks, as the member insights
AT_RISK = 20
DECILES = 10


@router.get("/lifetime", response_class=HTMLResponse)
def lifetime_page(request: Request, staff: StaffDep) -> Response:
    patron: Patron = request.app.state.patron
    _version, program = patron.read(current_program)
    context: dict[str, Any] = {"staff": staff, "currency": program.currency, "horizon": HORIZON}
    try:
        bases, day = request.app.state.customer_bases, patron.clock().date()
        base = store_base(bases, patron.analytics(), day, patron.read(data_version))
    except PatronError as exc:
        return render(request, "lifetime.html", {**context, "why_not": exc.message})
    context |= {"as_of": base.as_of, "choice": base.choice, "models": _models(base)}
    if base.choice is None or base.purchases is None:
        return render(request, "lifetime.html", {**context, "why_not": _("too little history")})
    name = base.choice.name
    as_of, period = base.as_of, base.period
    try:
        report = current_figures(
            request,
            ("validation", as_of, name, period),
            lambda p: on_copy(p, lambda src: lifetime.validation_for(src, as_of, name, period)),
        ).value
    except PatronError as exc:  # the holdout's calibration part too short: the rest stands
        report, context["no_validation"] = None, exc.message
    if report is not None:
        values = [
            {"frequency": b.frequency, "what": what, "purchases": value}
            for b in report.buckets
            for what, value in ((_("actual"), b.actual), (_("predicted"), b.predicted))
        ]
        chart = grouped_bars(
            values, "frequency", "purchases", "what",
            x_title=_("purchases in the calibration period"),
            y_title=_("purchases per customer in the holdout"),
        )  # fmt: skip
        context |= {"report": report, "validation_chart": svg(chart, _("Holdout validation"))}
    context |= _values(base)
    return render(request, "lifetime.html", context)


def _models(base: CustomerBase) -> list[dict[str, Any]]:
    days = period_days(base.period)
    fitted = [m for m in (base.purchases, base.spend) if m is not None]
    return [
        {
            "name": model.name,
            "params": [
                (n, model.params_[n], model.standard_errors_.get(n)) for n in model.param_names
            ],
            "reading": readings(model, base.period, days),
        }
        for model in fitted
    ]


def _values(base: CustomerBase) -> dict[str, Any]:
    """Every customer's P(alive) and CLV over the horizon; their deciles; the customers
    who spent most and are least likely still to buy."""
    s = base.summary
    x, t, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    assert base.purchases is not None
    alive = base.purchases.probability_alive(x, t, T)
    result: dict[str, Any] = {}
    if base.spend is not None:
        m = s["monetary_value"].fillna(0.0).to_numpy(dtype=float)
        clv = discounted_clv(
            base.purchases, base.spend, x, t, T, m,
            horizon=HORIZON, period_days=period_days(base.period),
        )  # fmt: skip
        edges = np.quantile(clv, np.linspace(0, 1, DECILES + 1))
        result["deciles"] = [
            {"decile": k + 1, "low": float(edges[k]), "high": float(edges[k + 1])}
            for k in range(DECILES)
        ]
        result["clv_total"] = float(clv.sum())
    spend = s["total_spend"].to_numpy(dtype=float)
    gone = np.argsort(-(spend * (1.0 - alive)), kind="stable")[:AT_RISK]
    result["at_risk"] = [
        {
            "customer": str(s.index[i]),
            "spend": spend[i],
            "p_alive": float(alive[i]),
            "segment": s["segment"].iloc[i],
        }
        for i in gone
        if alive[i] < 0.5
    ]
    return result
