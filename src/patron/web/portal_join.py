"""Joining the program from the portal in one step, and the welcome page.

Design overview. `GET /portal/join` shows one form: e-mail, name, marketing consent (an
unticked box), an optional phone and card, and the referral code of the link that
brought the person (`?ref=CODE`, carried in a hidden field). Its CSRF token is the login
form's double submit (web/portal.py). `POST` runs services/join.py: every refused field
is shown beside itself and nothing is written. A new member is logged in at once and
sent to the welcome page; a link is mailed that proves the address (and links earlier
purchases, docs/portal.md). An address that is a member's already gets a login link and
the "check your e-mail" page, the same one the login form answers with.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.joining import FormRefused, JoinForm, Problem
from patron.domain.login_links import VALID_FOR
from patron.engage.channels.mail import MailNotSent
from patron.engage.transactional import join_confirmation, login_link
from patron.services.join import join
from patron.services.unclaimed import welcome
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _
from patron.web.portal import (
    MINUTES,
    WELCOME,
    MemberDep,
    PublicUrlMissing,
    confirm_url,
    form_token_ok,
    log_in,
    mailer,
    with_form_token,
)
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)
log = logging.getLogger("patron.portal")

# what each refusal says beside its field (translated when shown)
PROBLEMS: dict[Problem, str] = {
    Problem.BAD_EMAIL: N_("This is not an e-mail address: check it."),
    Problem.NAME_MISSING: N_("Type your name."),
    Problem.NAME_TOO_LONG: N_("This name is too long: at most 200 characters."),
    Problem.CONTROL: N_("This name holds a character that cannot be kept: type it again."),
    Problem.BAD_PHONE: N_("This is not a phone number: 6 to 15 digits, a + before them if needed."),
    Problem.BAD_CARD: N_("This is not a card number: 4 to 32 letters and digits."),
    Problem.CARD_TAKEN: N_("This card is registered already: ask at the shop."),
    Problem.CARD_MISTYPED: N_("This card number is not right: check it on your card."),
    Problem.UNKNOWN_REFERRAL: N_("This invitation code is not known: check your link."),
    Problem.REFERRAL_REFUSED: N_(
        "This invitation cannot be used with this e-mail or phone: they are the inviting"
        " member's, another friend's they invited, or already a member's."
    ),
    Problem.BAD_BIRTHDAY: N_("This is not a day of the year: write it as 1990-04-17 or 04-17."),
}


def field_errors(refused: FormRefused) -> dict[str, str]:
    """Each refused field's message, in the page's language."""
    return {field: _(PROBLEMS[problem]) for field, problem in refused.problems.items()}


@router.get("/join", response_class=HTMLResponse)
def join_form(request: Request, ref: str = "") -> Response:
    return with_form_token(request, "portal_join.html", {"form": {"referral_code": ref[:32]}})


@router.post("/join", response_class=HTMLResponse)
def join_program(
    request: Request,
    email: Annotated[str, Form(max_length=400)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    card: Annotated[str, Form(max_length=100)] = "",
    marketing: Annotated[str, Form(max_length=10)] = "",
    referral_code: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = JoinForm(email, name, marketing == "yes", phone, card, referral_code)
    context: dict[str, object] = {"form": form}
    if not form_token_ok(request, csrf):
        context["error"] = _("The form expired: please send it again.")
        return with_form_token(request, "portal_join.html", context, 403)
    try:
        answer = patron_of(request).run(join, form)
    except FormRefused as refused:
        context["errors"] = field_errors(refused)
        return with_form_token(request, "portal_join.html", context, 422)
    issued = answer.link
    if issued is not None:
        try:
            link = confirm_url(request, issued.token)
            make = login_link if answer.enrolled is None else join_confirmation
            mailer(request).send(make(issued.email, issued.name, link, VALID_FOR))
        except (MailNotSent, PublicUrlMissing) as exc:
            # the member is enrolled: they ask for a login link later to prove the address
            log.error("a join confirmation was not sent: %s", exc)
    if answer.enrolled is None:
        return render(request, "portal_sent.html", {"minutes": MINUTES})
    response = RedirectResponse(WELCOME, status_code=303)
    log_in(request, response, answer.enrolled.member.id)
    return response


@router.get("/welcome", response_class=HTMLResponse)
def welcome_page(request: Request, me: MemberDep) -> Response:
    """The gifts of joining, and the earlier purchases linked so far."""
    view = patron_of(request).read(welcome, me.member.id)
    return render(request, "portal_welcome.html", {"me": me, "view": view, "minutes": MINUTES})
