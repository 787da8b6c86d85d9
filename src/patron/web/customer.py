"""The console's view of one customer: who they are, their points and tier, their ledger,
and the adjustment form for the roles that may change data.

Everything shown comes from the use cases the API uses (find_member, balance,
ledger_entries); an adjustment runs the API's use case (services/adjust.py) under the
staff user's name, so the ledger and the audit log say who did it and why. The form
answers with a redirect (post/redirect/get), so reloading the page sends nothing again.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.errors import NotFound, PatronError
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.services.members import find_member
from patron.services.queries import balance, ledger_entries
from patron.web.console import StaffDep
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
LEDGER_SHOWN = 50
MemberId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/customers/{member_id}", response_class=HTMLResponse)
def customer(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    done: str | None = None,
    error: str | None = None,
) -> Response:
    patron: Patron = request.app.state.patron
    try:
        member = patron.read(find_member, member_id)
    except NotFound:
        message = f"No customer has the id {member_id}."
        context = {"staff": staff, "message": message, "title": "Not found"}
        return render(request, "forbidden.html", context, 404)
    context = {
        "staff": staff,
        "member": member,
        "balance": patron.read(balance, member_id),
        "entries": patron.read(ledger_entries, member_id, LEDGER_SHOWN, None),
        "may_adjust": staff.user.role.may_change and member.erased_at is None,
        "done": done,
        "error": error,
    }
    return render(request, "customer.html", context)


@router.post("/customers/{member_id}/adjustments")
def adjust_points(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    points: Annotated[int, Form(ge=-(10**9), le=10**9)],
    reason: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    page = f"/console/customers/{member_id}"
    if not same_token(csrf, staff.session.csrf):
        return render(request, "refused.html", {"staff": staff}, status_code=403)
    if not staff.user.role.may_change:
        message = f"A {staff.user.role.value} reads only: ask an owner or a marketer."
        return render(request, "forbidden.html", {"staff": staff, "message": message}, 403)
    patron: Patron = request.app.state.patron
    try:
        patron.run(adjust, Adjust(member_id, points, reason, staff.user.actor))
    except PatronError as exc:
        return RedirectResponse(f"{page}?error={quote(exc.message)}", status_code=303)
    return RedirectResponse(f"{page}?done={quote(f'{points:+,} points: {reason.strip()}')}", 303)
