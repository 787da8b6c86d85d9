"""The console's suppression list (docs/messages.md): every role sees the addresses no
marketing message may reach, with why, from where, by whom and when; a marketer or an
owner adds one (reason `manual` unless chosen) or takes one off, under their own name.
The forms answer with a redirect (post/redirect/get); a refused address is said on the
page, and nothing changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.services.suppressions import (
    ChangeSuppression,
    add_suppression,
    remove_suppression,
    suppression_list,
)
from patron.web.console import StaffDep, refused_change
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = "/console/suppressions"
CHANNELS = ("email", "sms", "push")
REASONS = ("manual", "complaint", "bounce", "unsubscribe")


def _page(request: Request, staff: StaffDep, channel: str | None, **context: object) -> Response:
    patron: Patron = request.app.state.patron
    chosen = channel if channel in CHANNELS else None
    page = {
        "staff": staff,
        "entries": patron.read(suppression_list, chosen, 500),
        "channel": chosen,
        "channels": CHANNELS,
        "reasons": REASONS,
        "may_change": staff.user.role.may_change,
        "done": request.query_params.get("done"),
        **context,
    }
    status = 422 if context.get("error") else 200
    return render(request, "suppressions.html", page, status_code=status)


@router.get("/suppressions", response_class=HTMLResponse)
def suppressions(
    request: Request,
    staff: StaffDep,
    channel: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    return _page(request, staff, channel)


@router.post("/suppressions", response_class=HTMLResponse)
def change(
    request: Request,
    staff: StaffDep,
    channel: Annotated[str, Form(max_length=10)],
    address: Annotated[str, Form(max_length=320)],
    action: Annotated[str, Form(max_length=10)] = "add",
    reason: Annotated[str, Form(max_length=20)] = "manual",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    command = ChangeSuppression(channel, address, "console", staff.user.actor, reason)
    if action not in ("add", "remove"):
        return _page(
            request, staff, None, error=f"action: {action!r} is neither add nor remove",
            form={"channel": channel, "address": address},
        )  # fmt: skip
    try:
        if action == "remove":
            patron.run(remove_suppression, command)
        else:
            patron.run(add_suppression, command)
    except PatronError as exc:
        return _page(
            request, staff, None, error=exc.message, form={"channel": channel, "address": address}
        )
    done = "removed" if action == "remove" else "added"
    return RedirectResponse(f"{PAGE}?done={done}", status_code=303)
