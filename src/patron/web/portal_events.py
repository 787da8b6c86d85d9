"""The member's events in the portal: the events not yet begun, with the seats left, what a
seat costs them (free for their tier, or its points), and their own RSVP: a seat, or their
place on the waiting list, with a button to RSVP or to cancel.

The forms are posted with the session's CSRF token and run the API's use cases
(services/events.py) for the member of the session only: a cancellation names the member,
so another member's RSVP is not found. A refusal is a page that says why; nothing was
written. Post/redirect/get: the answer to a form is the events page again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.errors import (
    EventClosed,
    InsufficientPoints,
    NotFound,
    PatronError,
    RewardUnavailable,
    RsvpExists,
    RsvpNotActive,
)
from patron.services.events import (
    CancelRsvp,
    RsvpTo,
    RsvpView,
    cancel_rsvp,
    member_rsvps,
    rsvp,
    upcoming_events,
)
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _
from patron.web.portal import MemberDep, MemberSession
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
REFUSED = {
    EventClosed: N_("This event has begun: its RSVPs are closed."),
    RsvpExists: N_("You have answered this invitation already."),
    RsvpNotActive: N_("This answer cannot be changed any more."),
    RewardUnavailable: N_("This event is not for your tier."),
    NotFound: N_("There is no such event, or no such answer of yours."),
}


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request, me: MemberDep) -> Response:
    """The events to come, each with the member's own RSVP, if any."""
    patron = patron_of(request)
    events = patron.read(upcoming_events)
    mine: dict[str, RsvpView] = {}
    for found in patron.read(member_rsvps, me.member.id):
        if found.state in ("attending", "waiting") and found.reward_id not in mine:
            mine[found.reward_id] = found
    context = {
        "me": me,
        "events": [(e, mine.get(e.reward_id), me.member.tier in e.free_for) for e in events],
        "done": request.query_params.get("done"),
    }
    return render(request, "portal_events.html", context)


@router.post("/events/{reward_id}/rsvp", response_class=HTMLResponse)
def rsvp_form(request: Request, me: MemberDep, reward_id: str, csrf: Csrf = "") -> Response:
    if not same_token(csrf, me.session.csrf):
        return _refusal(request, me, _("This form expired, so nothing was done."), 403)
    try:
        patron_of(request).run(rsvp, RsvpTo(me.member.id, reward_id))
    except PatronError as exc:
        return _not_done(request, me, exc)
    return RedirectResponse("/portal/events?done=rsvp", status_code=303)


@router.post("/rsvps/{rsvp_id}/cancel", response_class=HTMLResponse)
def cancel_form(request: Request, me: MemberDep, rsvp_id: int, csrf: Csrf = "") -> Response:
    if not same_token(csrf, me.session.csrf):
        return _refusal(request, me, _("This form expired, so nothing was done."), 403)
    command = CancelRsvp(rsvp_id, f"member:{me.member.id}", None, member_id=me.member.id)
    try:
        patron_of(request).run(cancel_rsvp, command)
    except PatronError as exc:
        return _not_done(request, me, exc)
    return RedirectResponse("/portal/events?done=cancelled", status_code=303)


def _not_done(request: Request, me: MemberSession, exc: PatronError) -> Response:
    if isinstance(exc, InsufficientPoints):
        message = _(
            "A seat needs %(points)s points and you have %(spendable)s to spend: %(missing)s more."
        ) % {
            "points": exc.requested,
            "spendable": exc.available,
            "missing": exc.requested - exc.available,
        }
        return _refusal(request, me, message, 409)
    for kind, words in REFUSED.items():
        if isinstance(exc, kind):
            return _refusal(request, me, _(words), 404 if kind is NotFound else 409)
    return _refusal(request, me, exc.message, 422)


def _refusal(request: Request, me: MemberSession, message: str, status: int) -> Response:
    context = {"me": me, "message": message}
    return render(request, "portal_not_done.html", context, status_code=status)
