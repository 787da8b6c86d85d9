"""The console's consent form on the customer page: staff record, for a member who told
them (at the till, on the phone), a yes or a no per channel; the record's source is
`console` and its actor the staff user (services/preferences.py). A role that reads only
may not; the form answers with a redirect (post/redirect/get)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource
from patron.domain.errors import PatronError
from patron.domain.messages import Channel
from patron.services.preferences import ChannelConsent, set_channel_consent
from patron.web.console import StaffDep, refused_change
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
MemberId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/customers/{member_id}/consents")
def record_consent(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    channel: Annotated[str, Form(max_length=10)],
    granted: Annotated[str, Form(max_length=10)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        command = ChannelConsent(
            member_id, Channel(channel), granted == "yes", ConsentSource.CONSOLE, staff.user.actor
        )
        patron.run(set_channel_consent, command)
    except (ValueError, PatronError) as exc:
        message = exc.message if isinstance(exc, PatronError) else str(exc)
        return render(request, "forbidden.html", {"staff": staff, "message": message}, 422)
    return RedirectResponse(f"/console/customers/{member_id}#consents", status_code=303)
