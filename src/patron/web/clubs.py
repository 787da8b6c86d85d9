"""The console's clubs: every club of the program with its counts; one club's members,
requests to decide, open invitations and history; forms to invite or add a member, to
approve or refuse a request, to remove a member, and to evaluate a rule club now (the
same use cases as `patron clubs` and `/v1/clubs`, services/clubs.py). A change needs a
role that may change data (an analyst reads only); it is recorded with the staff user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.clubs import Standing, Step
from patron.domain.errors import NoProgram, PatronError
from patron.services.clubs import (
    ClubStep,
    club_history,
    club_members,
    evaluate_club,
    list_clubs,
    step,
)
from patron.services.commands import MemberRef
from patron.web.app_state import patron_of
from patron.web.console import StaffDep, refused_change
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
STAFF_STEPS = {s.value: s for s in (Step.INVITE, Step.ADD, Step.REMOVE, Step.APPROVE, Step.REFUSE)}
Text = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    staff: StaffDep,
    club: str | None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    patron = patron_of(request)
    context: dict[str, Any] = {"staff": staff, "chosen": club, "error": error, "clubs": []}
    context["may_change"] = staff.user.role.may_change
    context["done"] = request.query_params.get("ok")
    try:
        context["clubs"] = patron.read(list_clubs)
        if club:
            context["club"] = next((s.club for s in context["clubs"] if s.club.id == club), None)
            for standing in Standing:
                context[standing.value] = patron.read(club_members, club, standing)
            context["history"] = patron.read(club_history, club)[-50:][::-1]
    except NoProgram:
        pass
    except PatronError as exc:
        context["error"] = exc.message
    return render(request, "clubs.html", context, status_code=status)


@router.get("/clubs", response_class=HTMLResponse)
def clubs(
    request: Request, staff: StaffDep, club: Annotated[str | None, Query(max_length=64)] = None
) -> Response:
    return _page(request, staff, club)


@router.post("/clubs", response_class=HTMLResponse)
def change(
    request: Request,
    staff: StaffDep,
    club: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=10)] = "",
    member: Text = "",
    reason: Text = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron = patron_of(request)
    try:
        if action == "evaluate":
            patron.run(evaluate_club, club)
        else:
            wanted = STAFF_STEPS.get(action)
            if wanted is None or not member.strip():
                raise PatronError("give a member and what to do")
            ref = MemberRef.named(member.strip())
            actor = staff.user.actor
            patron.run(step, ClubStep(club, ref, wanted, actor, reason.strip() or None))
    except PatronError as exc:
        return _page(request, staff, club or None, exc.message, 422)
    return RedirectResponse(f"/console/clubs?club={club}&ok={action}", status_code=303)
