"""The member portal's door: a login by magic link, the member's page, the logout.

Design overview. A member types their e-mail address (`POST /portal/login`); whether or
not a member has it, the answer is the same page, so the form tells nobody who is a
member (services/login_links.py decides, and drops requests over the limit). When a link
was made, it is mailed at once (engage/channels/mail.py); only a failure to send is told
("try again"). The link opens a page whose button logs in (`GET` then `POST
/portal/login/confirm`): mail scanners open links, and a `GET` spends nothing. The `POST`
uses the link up and sets the member's session, a cookie signed like the console's
under its own name, path and salt (web/sessions.py), so neither opens the other.

Both forms carry a CSRF token in a cookie of their own (the double submit), so another
site can neither ask for links in a member's name from their browser nor log their
browser in to another account. The links start with `PATRON_PUBLIC_URL`; without it, with
the address the request came to, but only a loopback one: a Host header is the client's
to write, and a link to another server would hand it the token.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.errors import InvalidInput
from patron.domain.login_links import VALID_FOR, Refusal
from patron.domain.member import Member
from patron.engage.channels.mail import MailNotSent, MailSender
from patron.engage.transactional import login_link
from patron.services.business import business_or_none
from patron.services.login_links import (
    check_link,
    end_portal_sessions,
    request_link,
    session_member,
)
from patron.services.queries import balance
from patron.services.secrets import SESSION_KEY, server_secret
from patron.services.unclaimed import claim_login
from patron.web.app_state import held, is_https, patron_of
from patron.web.i18n import N_, _
from patron.web.sessions import Session, Sessions, login_token, same_token, set_login_cookie
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)
log = logging.getLogger("patron.portal")

PATH = "/portal"
LOGIN = "/portal/login"
WELCOME = "/portal/welcome"  # web/portal_join.py
COOKIE = "patron_member"
LOGIN_COOKIE = "patron_member_csrf"
SALT = "patron.portal.session"

MINUTES = int(VALID_FOR.total_seconds() // 60)
# what each refusal of a link says (translated when shown); every one is a 4xx page
REFUSED: dict[Refusal, tuple[int, str]] = {
    Refusal.UNKNOWN: (404, N_("This link is not valid: copy the whole link from the e-mail.")),
    Refusal.USED: (410, N_("This link was used already: a link logs in once.")),
    Refusal.EXPIRED: (410, N_("This link expired: a link works for %(minutes)s minutes.")),
    Refusal.ERASED: (410, N_("This link no longer works.")),
}


class MemberLoginRequired(Exception):
    """Raised by `MemberDep` for a portal page asked without a valid member session."""


@dataclass(frozen=True)
class MemberSession:
    member: Member
    session: Session


def _sessions(request: Request) -> Sessions:
    """The portal's sessions, signed with the server's key under the portal's own salt."""

    def make() -> Sessions:
        secret = patron_of(request).run(server_secret, SESSION_KEY)
        return Sessions(secret, salt=SALT, cookie=COOKIE, path=PATH)

    return held(request, "portal_sessions", make)


def current_member(request: Request) -> MemberSession:
    """The member of the request's session, read again now: an erased member's session
    ends at their next click."""
    patron = patron_of(request)
    session = _sessions(request).decode(request.cookies.get(COOKIE), patron.clock())
    if session is None or not session.subject.isdigit():
        raise MemberLoginRequired
    member = patron.read(session_member, int(session.subject), session.issued_at)
    if member is None:
        raise MemberLoginRequired
    return MemberSession(member, session)


MemberDep = Annotated[MemberSession, Depends(current_member)]


def login_redirect() -> RedirectResponse:
    return RedirectResponse(LOGIN, status_code=303)


def with_form_token(
    request: Request, template: str, context: Mapping[str, object], status: int = 200
) -> Response:
    """A page with a form: a fresh CSRF token in the form and in the form's cookie."""
    token = login_token()
    response = render(request, template, {**context, "csrf": token}, status_code=status)
    set_login_cookie(response, token, secure=is_https(request), name=LOGIN_COOKIE, path=PATH)
    return response


def form_token_ok(request: Request, sent: str) -> bool:
    return same_token(sent, request.cookies.get(LOGIN_COOKIE))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return with_form_token(request, "portal_login.html", {})


@router.post("/login", response_class=HTMLResponse)
def ask_for_link(
    request: Request,
    email: Annotated[str, Form(max_length=400)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    context: dict[str, object] = {"email": email}
    if not form_token_ok(request, csrf):
        context["error"] = _("The form expired: please send it again.")
        return with_form_token(request, "portal_login.html", context, 403)
    try:
        issued = patron_of(request).run(request_link, email)
    except InvalidInput:
        context["error"] = _("This is not an e-mail address: check it and send it again.")
        return with_form_token(request, "portal_login.html", context, 422)
    if issued is not None:
        try:
            link = confirm_url(request, issued.token)
            mailer(request).send(login_link(issued.email, issued.name, link, VALID_FOR))
        except (MailNotSent, PublicUrlMissing) as exc:
            log.error("a login link was not sent: %s", exc)
            context["error"] = _("We could not send the e-mail. Please try again in a minute.")
            return with_form_token(request, "portal_login.html", context, 503)
    return render(request, "portal_sent.html", {"minutes": MINUTES})


@router.get("/login/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, token: str = "") -> Response:
    """The page a link opens: it only reads the link; its button logs in."""
    refused = patron_of(request).read(check_link, token)
    if refused is not None:
        return _refused(request, refused)
    return with_form_token(request, "portal_confirm.html", {"token": token})


@router.post("/login/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not form_token_ok(request, csrf):
        context = {"token": token, "error": _("The page expired: press the button again.")}
        return with_form_token(request, "portal_confirm.html", context, 403)
    # the link proves the address: purchases recorded under it are linked now (docs/portal.md)
    used, linked = patron_of(request).run(claim_login, token)
    if used.member_id is None:
        return _refused(request, used.refusal or Refusal.UNKNOWN)
    response = RedirectResponse(WELCOME if linked.purchases else PATH, status_code=303)
    log_in(request, response, used.member_id)
    return response


def log_in(request: Request, response: Response, member_id: int) -> None:
    """Set the member's session on `response` (and drop the form's CSRF cookie)."""
    sessions = _sessions(request)
    session = sessions.issue(str(member_id), patron_of(request).clock())
    sessions.set_cookie(response, session, secure=is_https(request))
    response.delete_cookie(LOGIN_COOKIE, path=PATH)


def _refused(request: Request, refusal: Refusal) -> Response:
    status, message = REFUSED[refusal]
    context = {"message": _(message) % {"minutes": MINUTES}}
    return render(request, "portal_refused.html", context, status_code=status)


@router.get("", response_class=HTMLResponse)
def home(request: Request, me: MemberDep) -> Response:
    """The member's balance, pending points and tier, from the API's own query."""
    patron = patron_of(request)
    view = patron.read(balance, me.member.id)
    business = patron.read(business_or_none, me.member.id)  # a business: its entitlements
    context = {"me": me, "view": view, "as_of": patron.clock(), "business": business}
    return render(request, "portal_home.html", context)


@router.post("/logout")
def logout(
    request: Request, me: MemberDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if not same_token(csrf, me.session.csrf):
        message = _("The form was sent without its security token, so nothing was done.")
        return render(request, "portal_refused.html", {"message": message}, status_code=403)
    patron_of(request).run(end_portal_sessions, me.member.id)  # a copied cookie ends too
    response = login_redirect()
    _sessions(request).clear_cookie(response, secure=is_https(request))
    return response


class PublicUrlMissing(Exception):
    """A link cannot be made: no PATRON_PUBLIC_URL, and the request came to an address
    that is not a loopback one."""


def mailer(request: Request) -> MailSender:
    mailer: MailSender = request.app.state.mail
    return mailer


def confirm_url(request: Request, token: str) -> str:
    base = getattr(request.app.state, "public_url", None) or _loopback_origin(request)
    return f"{base.rstrip('/')}{LOGIN}/confirm?{urlencode({'token': token})}"


def _loopback_origin(request: Request) -> str:
    origin = f"{request.url.scheme}://{request.url.netloc}"
    host = urlsplit(origin).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise PublicUrlMissing(
            f"the request came to {host!r}, not a loopback address: set PATRON_PUBLIC_URL to"
            " the address members reach the server at (docs/portal.md)"
        )
    return origin
