"""The member's profile page: name, phone, birthday and marketing consent, changed by the member;
the e-mail shown read only (it is their login).

The form is posted with the session's CSRF token (the logout's). A refused field is shown
beside itself and nothing is saved; a saved change is audited and a change of consent
appends a record (services/profile.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from patron.domain.consent import ConsentState
from patron.domain.joining import FormRefused
from patron.services.commands import UpdateProfile
from patron.services.profile import Profile, profile, update_profile
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _
from patron.web.portal import MemberDep
from patron.web.portal_join import field_errors
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)

CONSENT_WORDS = {
    ConsentState.GRANTED: N_("You receive the shop's news and offers."),
    ConsentState.DECLINED: N_("You do not receive the shop's news and offers."),
    ConsentState.NOT_RECORDED: N_("You have not said yet whether you want the shop's news."),
}
AWAITING = N_(
    "You asked for the shop's news and offers: they start once you confirm your address"
    " with the link we e-mailed you."
)


def _page(
    request: Request, me: MemberDep, context: dict[str, object], status: int = 200
) -> Response:
    found: Profile = patron_of(request).read(profile, me.member.id)
    form = context.pop("form", None) or {
        "name": found.name,
        "phone": found.phone,
        "birthday": str(found.birthday).removeprefix("--") if found.birthday else "",
        "marketing": found.marketing == ConsentState.GRANTED or found.awaiting,
    }
    page = {
        "me": me,
        "profile": found,
        "form": form,
        "consent_label": _(AWAITING if found.awaiting else CONSENT_WORDS[found.marketing]),
        **context,
    }
    return render(request, "portal_profile.html", page, status_code=status)


@router.get("/profile", response_class=HTMLResponse)
def profile_page(request: Request, me: MemberDep) -> Response:
    return _page(request, me, {})


@router.post("/profile", response_class=HTMLResponse)
def save_profile(
    request: Request,
    me: MemberDep,
    name: Annotated[str, Form(max_length=400)] = "",
    phone: Annotated[str, Form(max_length=100)] = "",
    marketing: Annotated[str, Form(max_length=10)] = "",
    birthday: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = {"name": name, "phone": phone, "marketing": marketing == "yes", "birthday": birthday}
    if not same_token(csrf, me.session.csrf):
        error = _("The form was sent without its security token, so nothing was done.")
        return _page(request, me, {"form": form, "error": error}, 403)
    command = UpdateProfile(me.member.id, name, phone, marketing == "yes", birthday)
    try:
        patron_of(request).run(update_profile, command)
    except FormRefused as refused:
        return _page(request, me, {"form": form, "errors": field_errors(refused)}, 422)
    return _page(request, me, {"saved": True})
