"""The console's journeys: each triggered journey with its switch and settings as the
program file has them, and its messages queued, sent and refused (services/journeys.py,
the same use case as `GET /v1/journeys` and `patron journeys list`).

Nothing is switched here: a journey is turned on or off by editing `[journeys]` in the
program, which the page links to (web/program.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patron.bootstrap import Patron
from patron.services.journeys import journeys
from patron.web.console import StaffDep
from patron.web.i18n import N_
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)

# what each journey is, for the page (the catalogs translate them)
LABELS = {
    "welcome": N_("Welcome after enrollment"),
    "expiry": N_("Points expiring soon"),
    "tier_up": N_("Tier up"),
    "tier_down": N_("Tier down"),
    "birthday": N_("Birthday"),
    "winback": N_("Win-back"),
    "survey": N_("Survey after a purchase"),
}


@router.get("/journeys", response_class=HTMLResponse)
def journeys_page(request: Request, staff: StaffDep) -> Response:
    patron: Patron = request.app.state.patron
    context = {"staff": staff, "journeys": patron.read(journeys), "labels": LABELS}
    return render(request, "journeys.html", context)
