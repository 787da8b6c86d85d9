"""The console's webhooks: the subscriptions with their event types, a form to add one
(its signing secret shown once, on the answer to that form) and a button to remove one;
the delivery log filtered by state, one delivery's attempts, and a replay of a dead letter
(or of every one). Every role reads; only an owner changes anything, as only an admin key
does through the API.

The use cases are the API's and the CLI's (services/webhooks.py), run under the staff
user's name, so the audit log says who added, removed or replayed what (never the secret).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.errors import NotFound, PatronError
from patron.domain.webhooks import ALL, EVENT_TYPES, DeliveryState
from patron.services import webhooks as uc
from patron.web.app_state import patron_of
from patron.web.console import Staff, StaffDep
from patron.web.i18n import _, word
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
Id = Annotated[int, Query(ge=1, le=2**62)]
STATES = [s.value for s in DeliveryState]
DONE = ("added", "removed", "replayed")


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks(
    request: Request,
    staff: StaffDep,
    state: Annotated[str, Query(max_length=20)] = "",
    delivery: Id | None = None,
    done: Annotated[str, Query(max_length=20)] = "",
    count: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    told = (done, count) if done in DONE else None
    return _page(request, staff, state=state or None, delivery=delivery, told=told)


@router.post("/webhooks", response_class=HTMLResponse)
def add(
    request: Request,
    staff: StaffDep,
    url: Annotated[str, Form(max_length=2100)] = "",
    event_types: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form(max_length=300)] = "",
    csrf: Csrf = "",
) -> Response:
    """Subscribe a URL (owners); the answer shows its secret, this once."""
    refused = _refused(request, staff, csrf)
    if refused is not None:
        return refused
    command = uc.AddWebhook(url, event_types or [], staff.user.actor, description.strip())
    try:
        new = patron_of(request).run(uc.add_webhook, command)
    except PatronError as exc:
        return _page(request, staff, error=exc.message, status=422)
    # shown once, on this answer only: never in a URL, a log or a later page
    return _page(request, staff, created=new)


@router.post("/webhooks/{subscription_id}/remove")
def remove(request: Request, staff: StaffDep, subscription_id: int, csrf: Csrf = "") -> Response:
    refused = _refused(request, staff, csrf)
    if refused is not None:
        return refused
    command = uc.RemoveWebhook(subscription_id, staff.user.actor)
    try:
        dead = patron_of(request).run(uc.remove_webhook, command)
    except PatronError as exc:
        return _page(request, staff, error=exc.message, status=404)
    return RedirectResponse(f"/console/webhooks?done=removed&count={dead}", 303)


@router.post("/webhooks/replay")
def replay(
    request: Request,
    staff: StaffDep,
    delivery: Annotated[int | None, Form(ge=1, le=2**62)] = None,
    csrf: Csrf = "",
) -> Response:
    """Send one delivery again (`delivery`), or every dead letter (none given)."""
    refused = _refused(request, staff, csrf)
    if refused is not None:
        return refused
    command = uc.Replay([delivery] if delivery is not None else None, staff.user.actor)
    try:
        count = patron_of(request).run(uc.replay, command)
    except PatronError as exc:
        return _page(request, staff, error=exc.message, status=404)
    return RedirectResponse(f"/console/webhooks?done=replayed&count={count}", 303)


def _refused(request: Request, staff: Staff, csrf: str) -> Response | None:
    """A form without the session's token (403, nothing done), or not from an owner."""
    if not same_token(csrf, staff.session.csrf):
        return render(request, "refused.html", {"staff": staff}, status_code=403)
    role = staff.user.role
    if role.may_manage_access:
        return None
    message = _("Only an owner manages webhooks; you are a %(role)s.")
    context = {"staff": staff, "message": message % {"role": word(role.value)}}
    return render(request, "forbidden.html", context, 403)


def _page(
    request: Request,
    staff: Staff,
    *,
    state: str | None = None,
    delivery: int | None = None,
    told: tuple[str, int] | None = None,
    created: uc.NewWebhook | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    patron = patron_of(request)
    context: dict[str, Any] = {
        "staff": staff,
        "subscriptions": patron.read(uc.webhooks),
        "event_types": [ALL, *EVENT_TYPES],
        "states": STATES,
        "state": state if state in STATES else None,
        "may_manage": staff.user.role.may_manage_access,
        "backlog": patron.read(uc.backlog),
        "told": told,
        "created": created,
        "error": error,
        "delivery": None,
        "attempts": [],
    }
    context["deliveries"] = patron.read(uc.deliveries, uc.ListDeliveries(context["state"]))
    if delivery is not None:
        try:
            context["attempts"] = patron.read(uc.attempts, delivery)
            context["delivery"] = delivery
        except NotFound as exc:
            context["error"], status = exc.message, 404
    return render(request, "webhooks.html", context, status_code=status)
