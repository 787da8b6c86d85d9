"""The console's view of one customer: who they are, their points and tier, their ledger,
and the adjustment form for the roles that may change data.

Everything shown comes from the use cases the API uses (find_member, balance,
ledger_entries); an adjustment runs the API's use case (services/adjust.py) under the
staff user's name, so the ledger and the audit log say who did it and why. The form
answers with a redirect (post/redirect/get), so reloading the page sends nothing again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.analytics.insights import store_base
from patron.bootstrap import Patron
from patron.domain.errors import NotFound, PatronError
from patron.domain.records import EntryKind
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.services.consents import consent_state
from patron.services.members import find_member
from patron.services.queries import balance, data_version, ledger_entries
from patron.web.consents import consent_words
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
LEDGER_SHOWN = 50
MemberId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/customers/{member_id}", response_class=HTMLResponse)
def customer(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    adjusted: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    return _page(request, staff, member_id, adjusted=adjusted)


def _page(
    request: Request,
    staff: Staff,
    member_id: int,
    *,
    adjusted: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The page; `adjusted` names the ledger entry an adjustment just wrote (its points
    and reason are said from the ledger, never from the address), `error` why one was
    refused."""
    patron: Patron = request.app.state.patron
    try:
        member = patron.read(find_member, member_id)
    except NotFound:
        message = _("No customer has the id %(id)s.") % {"id": member_id}
        context = {"staff": staff, "message": message, "title": _("Not found")}
        return render(request, "forbidden.html", context, 404)
    entries = patron.read(ledger_entries, member_id, LEDGER_SHOWN, None)
    insight, no_insight = _insight(request, patron, member.external_id)
    context = {
        "staff": staff,
        "member": member,
        "consent": consent_words(patron.read(consent_state, member_id)),
        "balance": patron.read(balance, member_id),
        "entries": entries,
        "may_adjust": staff.user.role.may_change and member.erased_at is None,
        "done": next((e for e in entries if e.id == adjusted and e.kind is EntryKind.ADJUST), None),
        "error": error,
        "insight": insight,
        "no_insight": no_insight,
    }
    return render(request, "customer.html", context, status_code=status)


def _insight(request: Request, patron: Patron, customer: str) -> tuple[dict[str, Any] | None, str]:
    """The customer's segment, P(alive), expected purchases and CLV as of today, from the
    customer base the API's insights use (fitted once a day and held); or why there are
    none (no purchase yet, too little history for a model)."""
    try:
        bases = request.app.state.customer_bases
        base = store_base(
            bases, patron.analytics(), patron.clock().date(), patron.read(data_version)
        )
        return base.insights(customer), ""
    except PatronError as exc:
        return None, exc.message


@router.post("/customers/{member_id}/adjustments")
def adjust_points(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    points: Annotated[int, Form(ge=-(10**9), le=10**9)],
    reason: Annotated[str, Form(max_length=500)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        done = patron.run(adjust, Adjust(member_id, points, reason, staff.user.actor))
    except PatronError as exc:
        return _page(request, staff, member_id, error=exc.message, status=422)
    return RedirectResponse(
        f"/console/customers/{member_id}?adjusted={done.entry_id}", status_code=303
    )
