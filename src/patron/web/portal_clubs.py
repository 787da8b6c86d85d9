"""The member's clubs in the portal: those they are in, invited to or asking to join, and
the request clubs they may ask to join; a form to ask, to accept or to decline.

Each form is posted with the session's CSRF token; the change is the staff's use case
(services/clubs.py) with the member as its actor (`member:<id>`), kept in the club's
history alike. A step the club does not allow is refused with a message, nothing changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.clubs import Step
from patron.domain.errors import PatronError
from patron.services.clubs import ClubStep, member_clubs, step
from patron.services.commands import MemberRef
from patron.web.app_state import patron_of
from patron.web.i18n import _
from patron.web.portal import MemberDep
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)
MEMBER_STEPS = {"request": Step.REQUEST, "accept": Step.ACCEPT, "decline": Step.DECLINE}


def _page(request: Request, me: MemberDep, error: str | None = None, status: int = 200) -> Response:
    clubs = patron_of(request).read(member_clubs, me.member.id)
    context = {"me": me, "clubs": clubs, "error": error, "done": request.query_params.get("ok")}
    return render(request, "portal_clubs.html", context, status_code=status)


@router.get("/clubs", response_class=HTMLResponse)
def clubs_page(request: Request, me: MemberDep) -> Response:
    return _page(request, me)


@router.post("/clubs", response_class=HTMLResponse)
def club_step(
    request: Request,
    me: MemberDep,
    club: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(csrf, me.session.csrf):
        error = _("The form was sent without its security token, so nothing was done.")
        return _page(request, me, error, 403)
    wanted = MEMBER_STEPS.get(action)
    if wanted is None:
        return _page(request, me, _("This club cannot be changed so."), 422)
    command = ClubStep(club, MemberRef(id=me.member.id), wanted, f"member:{me.member.id}")
    try:
        patron_of(request).run(step, command)
    except PatronError:
        return _page(request, me, _("This club cannot be changed so."), 422)
    return RedirectResponse(f"/portal/clubs?ok={action}", status_code=303)
