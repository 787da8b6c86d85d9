"""The console's events: each event not yet begun with its seats, its attendees (checked
in at the door by owners and marketers, audited) and its waiting list in order.

The use cases are the API's and the CLI's (services/events.py), run under the staff
user's name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.services.events import CheckIn, check_in, event_detail, upcoming_events
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]


@router.get("/events", response_class=HTMLResponse)
def events(
    request: Request,
    staff: StaffDep,
    checked: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    return _page(request, staff, checked=checked)


@router.post("/rsvps/{rsvp_id}/check-in", response_class=HTMLResponse)
def check_in_form(request: Request, staff: StaffDep, rsvp_id: int, csrf: Csrf = "") -> Response:
    """Check an attendee in (owners and marketers), audited under the user."""
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        patron.run(check_in, CheckIn(rsvp_id, staff.user.actor))
    except PatronError as exc:
        return _page(request, staff, error=exc.message, status=409)
    return RedirectResponse(f"/console/events?checked={rsvp_id}", 303)


def _page(
    request: Request,
    staff: Staff,
    *,
    checked: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    patron: Patron = request.app.state.patron
    shown = [patron.read(event_detail, e.reward_id) for e in patron.read(upcoming_events)]
    context = {
        "staff": staff,
        "events": shown,
        "may_check_in": staff.user.role.may_change,
        "checked": checked,
        "error": error,
    }
    return render(request, "events.html", context, status_code=status)
