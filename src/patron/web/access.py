"""The console's rewards catalog and API keys: the catalog with what is left in stock, the
gifts and services waiting to be handed over (marked handed over by owners and marketers,
audited) and what members gave to the causes, for every role; the keys of the tills and
admins, listed for every role and created and revoked by owners, a new key shown once
on the page that created it.

The use cases are the API's and the CLI's (services/queries.active_rewards,
services/apikeys), run under the staff user's name, so the audit log says who created or
revoked which key (never the key itself)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.bootstrap import Patron
from patron.domain.access import Operation
from patron.domain.errors import PatronError
from patron.services.apikeys import NewKey, issue_key, list_keys, revoke_key
from patron.services.fulfil import HandOver, cause_totals, hand_over, waiting
from patron.services.queries import active_rewards
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]


@router.get("/rewards", response_class=HTMLResponse)
def rewards(
    request: Request,
    staff: StaffDep,
    handed: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    return _rewards_page(request, staff, handed=handed)


@router.post("/rewards/{redemption_id}/handed-over", response_class=HTMLResponse)
def handed_over(request: Request, staff: StaffDep, redemption_id: int, csrf: Csrf = "") -> Response:
    """Mark a gift or service handed over (owners and marketers), audited under the user."""
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        patron.run(hand_over, HandOver(redemption_id, staff.user.actor, "console"))
    except PatronError as exc:
        return _rewards_page(request, staff, error=exc.message, status=409)
    return RedirectResponse(f"/console/rewards?handed={redemption_id}", 303)


def _rewards_page(
    request: Request,
    staff: Staff,
    *,
    handed: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The catalog with its stock, the gifts and services to hand over, the causes."""
    patron: Patron = request.app.state.patron
    context = {
        "staff": staff,
        "rewards": patron.read(active_rewards),
        "queue": patron.read(waiting),
        "causes": patron.read(cause_totals),
        "may_hand_over": staff.user.role.may_change,
        "handed": handed,
        "error": error,
    }
    return render(request, "rewards.html", context, status_code=status)


@router.get("/keys", response_class=HTMLResponse)
def keys(
    request: Request,
    staff: StaffDep,
    revoked: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return _keys_page(request, staff, revoked=revoked)


@router.post("/keys", response_class=HTMLResponse)
def create_key(
    request: Request,
    staff: StaffDep,
    name: Annotated[str, Form(max_length=100)],
    scope: Annotated[str, Form(max_length=10)] = "pos",
    shop: Annotated[str, Form(max_length=100)] = "",
    operations: Annotated[list[str] | None, Form()] = None,
    csrf: Csrf = "",
) -> Response:
    refused = _refusal(request, staff, csrf)
    if refused is not None:
        return refused
    ops = None if not operations or set(operations) == {o.value for o in Operation} else operations
    new = NewKey(scope, name or None, shop.strip() or None, ops)
    patron: Patron = request.app.state.patron
    try:
        issued = patron.run(lambda uow, n: issue_key(uow, n, staff.user.actor), new)
    except PatronError as exc:
        return _keys_page(request, staff, error=exc.message, status=422)
    # shown once, on this answer only: never in a URL, a log or a later page
    return _keys_page(request, staff, issued=issued.key, issued_name=issued.info.name)


@router.post("/keys/{prefix}/revoke")
def revoke(request: Request, staff: StaffDep, prefix: str, csrf: Csrf = "") -> Response:
    refused = _refusal(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        info = patron.run(lambda uow, p: revoke_key(uow, p, staff.user.actor), prefix[:32])
    except PatronError as exc:
        return _keys_page(request, staff, error=exc.message, status=404)
    return RedirectResponse(f"/console/keys?revoked={info.prefix}", 303)


def _refusal(request: Request, staff: Staff, csrf: str) -> Response | None:
    return refused_change(request, staff, csrf, owner_only=True)


def _keys_page(
    request: Request,
    staff: Staff,
    *,
    revoked: str | None = None,
    error: str | None = None,
    issued: str | None = None,
    issued_name: str | None = None,
    status: int = 200,
) -> Response:
    patron: Patron = request.app.state.patron
    listed = patron.read(list_keys)
    context = {
        "staff": staff,
        "keys": listed,
        # said from the list, never from the address: a key that is revoked indeed
        "revoked": next(
            (k for k in listed if k.prefix == revoked and k.status.value == "revoked"), None
        ),
        "operations": [o.value for o in Operation],
        "may_manage": staff.user.role.may_manage_access,
        "error": error,
        "issued": issued,
        "issued_name": issued_name,
    }
    return render(request, "keys.html", context, status_code=status)
