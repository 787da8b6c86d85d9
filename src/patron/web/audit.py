"""The console's audit log: who changed what by hand, filtered by actor, action, member
and day, oldest first, in pages that continue after the last entry shown. The same use
case as `GET /v1/audit` and `patron audit` (services/audit.audit_trail)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from patron.bootstrap import Patron
from patron.domain.audit import AuditAction, AuditQuery
from patron.domain.errors import InvalidInput
from patron.services.audit import audit_trail
from patron.web.console import StaffDep
from patron.web.i18n import _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    staff: StaffDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=50)] = None,
    member: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query(description="the last day shown")] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    patron: Patron = request.app.state.patron
    filters = {
        "actor": actor or "",
        "action": action or "",
        "member": member or "",
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    query = AuditQuery(
        actor=actor or None,
        action=action or None,
        member_id=member,
        since=None if since is None else _midnight(since),
        # "to" included: the query ends at the next midnight (none after the last day there is)
        until=None if until is None or until == date.max else _midnight(until + timedelta(days=1)),
        after=after,
        limit=PAGE,
    )
    context = {"staff": staff, "filters": filters, "actions": [a.value for a in AuditAction]}
    try:
        if since is not None and until is not None and since > until:
            # checked on the days: "to" is the last day shown, so the query's end is the
            # next midnight, and the domain's check would let a one-day-too-early end by
            raise InvalidInput(_("the period starts after it ends (from > to)"))
        page = patron.read(audit_trail, query)
    except InvalidInput as exc:
        return render(request, "audit.html", {**context, "entries": [], "error": exc.message}, 422)
    kept = {k: v for k, v in filters.items() if v != ""}
    more = None if page.next_after is None else urlencode({**kept, "after": page.next_after})
    context |= {"entries": page.entries, "next": None if more is None else f"/console/audit?{more}"}
    return render(request, "audit.html", context)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())
