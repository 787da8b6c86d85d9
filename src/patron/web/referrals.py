"""The console's referrals: a period's funnel (codes shared, friends enrolled, qualified,
rewarded, taken back, refused) and the opinion leaders, the referrers whose friends
spent the most. The same use cases as `GET /v1/referrals/…` and `patron referrals`
(services/referrals.py), for every role."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from patron.domain.errors import InvalidInput
from patron.services.referrals import funnel, leaders, period
from patron.web.app_state import patron_of
from patron.web.console import StaffDep
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
LEADERS = 20

# the funnel's steps, in order, with what each counts
STEPS = [
    ("codes_shared", N_("Codes shared"), N_("members with at least one friend enrolled")),
    ("enrolled", N_("Friends enrolled"), N_("with a member's code or link")),
    ("qualified", N_("Qualified"), N_("first purchase of at least the minimum")),
    ("rewarded", N_("Rewarded"), N_("return window passed: both paid")),
    ("taken_back", N_("Taken back"), N_("the purchase was returned within its window")),
    ("refused", N_("Refused"), N_("caps reached, or paid with a look-alike card")),
]


@router.get("/referrals", response_class=HTMLResponse)
def referrals_page(
    request: Request,
    staff: StaffDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    patron = patron_of(request)
    context: dict[str, object] = {
        "staff": staff,
        "start": start,
        "end": end,
        "steps": [],
        "leaders": [],
    }
    try:
        first, after = patron.read(period, start, end)
        figures = patron.read(funnel, first, after)
        found = patron.read(leaders, first, after, LEADERS)
    except InvalidInput as exc:
        return render(request, "referrals.html", {**context, "error": exc.message}, 422)
    steps = [(_(name), getattr(figures, key), _(what), key) for key, name, what in STEPS]
    context |= {"start": first, "end": after, "steps": steps, "leaders": found}
    return render(request, "referrals.html", context)
