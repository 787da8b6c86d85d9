"""The console's goals: every goal with its status, one goal's recorded values against its
straight path (a chart and the table of its numbers), and the form that sets a goal, for
the roles that may change data (an analyst reads only).

Everything comes from services/goals.py, the use cases of `patron goals` and
`/v1/goals`, with the KPI catalogue measuring on the store (bootstrap.Patron.measures);
a goal set here is audited under the staff user's name. The form answers with a redirect
(post/redirect/get) to the new goal's page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.domain.goals import GoalPlan, InvalidGoal, Population, text_of
from patron.services.goals import (
    AddGoal,
    GoalReport,
    add_goal,
    list_goals,
    measure_baseline,
    show_goal,
)
from patron.web.charts import progress, svg
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
GoalId = Annotated[int, Path(ge=1, le=2**62)]
STATUS = {
    "on_track": N_("on track"),
    "behind": N_("behind"),
    "achieved": N_("achieved"),
    "missed": N_("missed"),
}
# the catalogue's KPIs in the shop's language (analytics/kpi_catalogue.py names them)
LABELS = {
    "purchase_frequency": N_("Purchases per member per year"),
    "average_basket": N_("Average basket"),
    "repeat_purchase_rate": N_("Repeat-purchase rate"),
    "retention_rate": N_("Retention rate"),
    "churn_rate": N_("Churn rate"),
    "active_members": N_("Active members"),
    "revenue_per_member": N_("Revenue per member"),
    "member_revenue_share": N_("Share of revenue from members"),
    "redemption_rate": N_("Redemption rate"),
    "margin_per_member": N_("Margin per member"),
    "nps": N_("Net Promoter Score"),
}
Text = Annotated[str, Form(max_length=200)]


def kpi_label(kpi: str, fallback: str) -> str:
    return _(LABELS[kpi]) if kpi in LABELS else fallback


@router.get("/goals", response_class=HTMLResponse)
def goals(request: Request, staff: StaffDep) -> Response:
    return _list_page(request, staff)


@router.post("/goals", response_class=HTMLResponse)
def add(
    request: Request,
    staff: StaffDep,
    kpi: Text,
    target: Text,
    deadline: Text,
    owner: Text,
    population: Text = "all",
    window_days: Annotated[int, Form(ge=1, le=3660)] = 365,
    priority: Text = "secondary",
    name: Text = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    form = {"kpi": kpi, "target": target, "deadline": deadline, "owner": owner,
            "population": population, "window_days": window_days, "priority": priority,
            "name": name}  # fmt: skip
    try:
        plan = GoalPlan(
            kpi=kpi.strip(),
            population=Population.parse(population),
            target=_number(target),
            deadline=_day(deadline),
            primary=priority == "primary",
            owner=owner.strip(),
            window_days=window_days,
            name=name.strip() or None,
        )
        measures = patron.measures()
        baseline = patron.read(measure_baseline, plan, measures)
        found = patron.run(
            partial(add_goal, measures=measures), AddGoal(plan, staff.user.actor, baseline)
        )
    except PatronError as exc:
        return _list_page(request, staff, error=exc.message, form=form, status=422)
    return RedirectResponse(f"/console/goals/{found.goal.id}", status_code=303)


@router.get("/goals/{goal_id}", response_class=HTMLResponse)
def goal(request: Request, staff: StaffDep, goal_id: GoalId) -> Response:
    patron: Patron = request.app.state.patron
    found = patron.read(show_goal, goal_id, patron.measures())
    context = {"staff": staff, "goal": _row(found), "points": _points(found),
               "chart": _chart(found), "statuses": STATUS}  # fmt: skip
    return render(request, "goal.html", context)


def _list_page(
    request: Request,
    staff: Staff,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    from patron.analytics.kpi_catalogue import CATALOGUE
    from patron.analytics.populations import KINDS

    patron: Patron = request.app.state.patron
    found = patron.read(list_goals, patron.measures())
    context = {
        "staff": staff,
        "goals": [_row(r) for r in found],
        "statuses": STATUS,
        "may_add": staff.user.role.may_change,
        "kpis": [(k.name, kpi_label(k.name, k.label), k.unit.value) for k in CATALOGUE.values()],
        "kinds": sorted(KINDS),
        "error": error,
        "form": form or {"population": "all", "window_days": 365, "priority": "secondary"},
        "today": patron.clock().date(),
    }
    return render(request, "goals.html", context, status_code=status)


def _row(found: GoalReport) -> dict[str, Any]:
    goal = found.goal
    start, end = goal.baseline_window
    return {
        "id": goal.id, "name": goal.name, "kpi": goal.kpi,
        "label": kpi_label(goal.kpi, found.kpi.label),
        "unit": str(found.kpi.unit), "better": found.kpi.direction.value,
        "population": str(goal.population), "baseline": text_of(goal.baseline),
        "target": text_of(goal.target), "deadline": goal.deadline,
        "primary": goal.primary, "owner": goal.owner, "status": found.status.value,
        "latest": text_of(found.latest_value), "latest_day": found.latest_day,
        "path_today": text_of(found.path_today), "as_of": found.as_of,
        "window_days": goal.window_days, "baseline_from": start, "baseline_to": end,
        "created_by": goal.created_by,
    }  # fmt: skip


def _points(found: GoalReport) -> list[dict[str, Any]]:
    return [{"day": p.day, "value": text_of(p.value), "path": text_of(p.path),
             "gap": text_of(p.value - p.path)} for p in found.points]  # fmt: skip


def _chart(found: GoalReport) -> Markup:
    goal = found.goal
    recorded, path = _("recorded"), _("straight path to the target")
    values = [{"day": p.day.isoformat(), "value": float(p.value), "series": recorded}
              for p in found.points]  # fmt: skip
    values += [
        {"day": goal.created_on.isoformat(), "value": float(goal.baseline), "series": path},
        {"day": goal.deadline.isoformat(), "value": float(goal.target), "series": path},
    ]
    spec = progress(values, x_title=_("day"), y_title=kpi_label(goal.kpi, found.kpi.label))
    words = _("Goal %(id)s: recorded values against the straight path from %(baseline)s to"
              " %(target)s") % {"id": goal.id, "baseline": text_of(goal.baseline),
                                "target": text_of(goal.target)}  # fmt: skip
    return svg(spec, words)


def _number(text: str) -> Decimal:
    try:
        found = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidGoal(
            f"target: {text!r} is not a number (e.g. 3.3, or 0.25 for 25 %)"
        ) from None
    if not found.is_finite():
        raise InvalidGoal(f"target: {text!r} is not a number")
    return found


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidGoal(f"deadline: {text!r} is not a day (YYYY-MM-DD)") from None
