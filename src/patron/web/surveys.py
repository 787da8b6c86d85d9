"""The console's surveys: every NPS and CSAT survey with its state, the form that makes one
and the buttons that close or open one (owners and marketers; audited under the staff
user's name); one survey's results by a group (tier, RFM segment, club, month, shop) as a
bar chart with its table beside, and its latest answers.

Everything comes from services/surveys.py and analytics/surveys.py, the use cases of
`patron surveys` and `/v1/surveys`. Forms answer with a redirect (post/redirect/get).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from patron.analytics.surveys import SurveyResults, results_of
from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.domain.surveys import NAME_LENGTH, QUESTION_LENGTH, SurveyKind
from patron.services import surveys as uc
from patron.services.queries import data_version
from patron.web.charts import svg
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
SurveyId = Annotated[int, Path(ge=1, le=2**62)]
Question = Annotated[str, Form(max_length=QUESTION_LENGTH)]
Csrf = Annotated[str, Form(max_length=100)]
By = Literal["all", "tier", "rfm", "club", "month", "shop"]
GROUPS: dict[str, str] = {
    "all": N_("All answers"),
    "tier": N_("Tier when answered"),
    "rfm": N_("RFM segment"),
    "club": N_("Club"),
    "month": N_("Month"),
    "shop": N_("Shop of the purchase"),
}


@router.get("/surveys", response_class=HTMLResponse)
def surveys(request: Request, staff: StaffDep) -> Response:
    return _list_page(request, staff)


@router.post("/surveys", response_class=HTMLResponse)
def add(
    request: Request,
    staff: StaffDep,
    name: Annotated[str, Form(max_length=NAME_LENGTH)],
    kind: Annotated[str, Form(max_length=8)],
    question: Question,
    question_ro: Question = "",
    comment: Question = "",
    comment_ro: Question = "",
    after_purchase: Annotated[str, Form(max_length=8)] = "",
    csrf: Csrf = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    form = {"name": name, "kind": kind, "question": question, "question_ro": question_ro,
            "comment": comment, "comment_ro": comment_ro,
            "after_purchase": bool(after_purchase)}  # fmt: skip
    command = uc.AddSurvey(
        name, kind, {"en": question, "ro": question_ro}, staff.user.actor,
        {"en": comment, "ro": comment_ro}, bool(after_purchase),
    )  # fmt: skip
    patron: Patron = request.app.state.patron
    try:
        made = patron.run(uc.add_survey, command)
    except PatronError as exc:
        return _list_page(request, staff, error=exc.message, form=form, status=422)
    return RedirectResponse(f"/console/surveys/{made.id}", status_code=303)


@router.post("/surveys/{survey_id}/state", response_class=HTMLResponse)
def set_state(
    request: Request,
    staff: StaffDep,
    survey_id: SurveyId,
    active: Annotated[Literal["yes", "no"], Form()],
    csrf: Csrf = "",
) -> Response:
    """Close a survey or open it again (owners and marketers), audited."""
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    command = uc.SetSurveyState(survey_id, active == "yes", staff.user.actor)
    try:
        patron.run(uc.set_survey_state, command)
    except PatronError as exc:
        return _list_page(request, staff, error=exc.message, status=409)
    return RedirectResponse(f"/console/surveys/{survey_id}", status_code=303)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey(
    request: Request, staff: StaffDep, survey_id: SurveyId, by: Annotated[By, Query()] = "month"
) -> Response:
    patron: Patron = request.app.state.patron
    found = patron.read(uc.survey_of, survey_id)
    results = results_of(patron.analytics(), patron.read(data_version), survey_id, by)
    context = {
        "staff": staff,
        "survey": found,
        "by": by,
        "groups": GROUPS,
        "results": results,
        "chart": _chart(results),
        "responses": patron.read(uc.latest_responses, survey_id, 20),
        "may_change": staff.user.role.may_change,
        "score_label": _score_label(results.kind),
    }
    return render(request, "survey.html", context)


def _score_label(kind: SurveyKind) -> str:
    return _("NPS") if kind is SurveyKind.NPS else _("CSAT (%)")


def _list_page(
    request: Request,
    staff: Staff,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    patron: Patron = request.app.state.patron
    context = {
        "staff": staff,
        "surveys": patron.read(uc.all_surveys),
        "may_add": staff.user.role.may_change,
        "error": error,
        "form": form or {"kind": "nps"},
    }
    return render(request, "surveys.html", context, status_code=status)


def _chart(results: SurveyResults) -> Markup | None:
    """The score of each group as a bar (NPS from −100 to 100, CSAT from 0 to 100)."""
    values = [
        {"group": g.group, "score": round(g.score, 1)}
        for g in results.groups
        if g.score is not None
    ]
    if not values:
        return None
    low = -100 if results.kind is SurveyKind.NPS else 0
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "bar",
        "width": {"step": 28},
        "height": 200,
        "encoding": {
            "x": {"field": "group", "type": "ordinal", "title": _(GROUPS[results.by]),
                  "sort": None},
            "y": {"field": "score", "type": "quantitative", "title": _score_label(results.kind),
                  "scale": {"domain": [low, 100]}},
        },
    }  # fmt: skip
    label = _("%(score)s of %(survey)s by %(group)s") % {
        "score": _score_label(results.kind),
        "survey": results.name,
        "group": _(GROUPS[results.by]).lower(),
    }
    return svg(spec, label)
