"""The console's door: the login form, the logout, and the staff user behind every page.

Every page of the console depends on `StaffDep`: without a valid session the browser is
sent to the login form, which sends it back where it was going once logged in. The pages
themselves (issue 13) call the same use cases and analytics as the API and the CLI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.staff import LOCKOUT, StaffUser
from patron.services.secrets import SESSION_KEY, server_secret
from patron.services.staff import Login, active_user, log_in, log_out
from patron.web.app_state import held, is_https, patron_of
from patron.web.i18n import _, word
from patron.web.sessions import (
    COOKIE,
    LOGIN_COOKIE,
    Session,
    Sessions,
    clear_cookie,
    login_token,
    same_token,
    set_login_cookie,
)
from patron.web.templating import render
from patron.web.throttle import FailedLogins

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN = "/console/login"


class LoginRequired(Exception):
    """Raised by `StaffDep` for a page asked without a valid session."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Staff:
    user: StaffUser
    session: Session


def _sessions(request: Request) -> Sessions:
    """The app's sessions, their key read from the store (made there) on first use."""

    def make() -> Sessions:
        return Sessions(patron_of(request).run(server_secret, SESSION_KEY))

    return held(request, "sessions", make)


def _throttle(request: Request) -> FailedLogins:
    return held(request, "failed_logins", FailedLogins)


def current_staff(request: Request) -> Staff:
    """The staff user of the request's session, read again now (LoginRequired otherwise)."""
    patron = patron_of(request)
    session = _sessions(request).decode(request.cookies.get(COOKIE), patron.clock())
    user = None if session is None else patron.read(active_user, session.email)
    if session is None or user is None or not user.session_valid(session.issued_at):
        query = request.url.query  # the page asked, filters and all, is where the login leads
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return Staff(user, session)


StaffDep = Annotated[Staff, Depends(current_staff)]


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    """Where a page asked without a session sends the browser."""
    return RedirectResponse(f"{LOGIN}?next={quote(exc.path, safe='/')}", status_code=303)


def _next(target: str | None) -> str:
    """Only a console path is followed after the login: never another site."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    token = login_token()
    response = render(request, "login.html", {"csrf": token, "next": _next(next)})
    set_login_cookie(response, token, secure=is_https(request))
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form(max_length=400)],
    password: Annotated[str, Form(max_length=4096)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/console",
) -> Response:
    if not same_token(csrf, request.cookies.get(LOGIN_COOKIE)):
        return _login_again(request, email, next, _("The form expired: please log in again."), 403)
    address = request.client.host if request.client else "unknown"
    throttle = _throttle(request)
    wait = throttle.wait(address)
    if wait > 0:
        message = _("Too many failed logins from this address: try again in %(minutes)s minutes.")
        response = _login_again(
            request, email, next, message % {"minutes": math.ceil(wait / 60)}, 429
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    patron = patron_of(request)
    result = patron.run(log_in, Login(email, password))
    if result.user is None:
        # a locked user is answered as a wrong password is: the answer must not tell a
        # guesser which e-mails exist (only known ones could be locked)
        throttle.failed(address)
        minutes = int(LOCKOUT.total_seconds() // 60)
        message = _(
            "The e-mail or the password is wrong. After five wrong passwords in a row a"
            " user is locked for %(minutes)s minutes."
        ) % {"minutes": minutes}
        return _login_again(request, email, next, message, 401)
    sessions = _sessions(request)
    response = RedirectResponse(_next(next), status_code=303)
    sessions.set_cookie(
        response, sessions.issue(result.user.email, patron.clock()), secure=is_https(request)
    )
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


def _login_again(request: Request, email: str, next: str, error: str, status: int) -> Response:
    token = login_token()
    context = {"csrf": token, "next": _next(next), "email": email, "error": error}
    response = render(request, "login.html", context, status_code=status)
    set_login_cookie(response, token, secure=is_https(request))
    return response


@router.post("/logout")
def logout(
    request: Request, staff: StaffDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if not same_token(csrf, staff.session.csrf):
        return render(request, "refused.html", {"staff": staff}, status_code=403)
    patron_of(request).run(log_out, staff.user.email)  # the cookie itself cannot be recalled
    response = RedirectResponse(LOGIN, status_code=303)
    clear_cookie(response, secure=is_https(request))
    return response


def refused_change(
    request: Request, staff: Staff, csrf: str, *, owner_only: bool = False
) -> Response | None:
    """The answer to a form that may not change anything: without the session's token
    (403, nothing done), or from a role that may not (an analyst; with `owner_only`,
    anyone but an owner); None when the change may go ahead."""
    if not same_token(csrf, staff.session.csrf):
        return render(request, "refused.html", {"staff": staff}, status_code=403)
    role = staff.user.role
    if owner_only and not role.may_manage_access:
        message = _("Only an owner manages API keys; you are a %(role)s.")
    elif not role.may_change:
        message = _("A %(role)s reads only: ask an owner or a marketer.")
    else:
        return None
    context = {"staff": staff, "message": message % {"role": word(role.value)}}
    return render(request, "forbidden.html", context, 403)
