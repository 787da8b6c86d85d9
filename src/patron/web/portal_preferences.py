"""The member's preferences page: a yes or no per channel (e-mail, SMS, notifications),
each shown with when and how it was given, and the language of their messages.

The form is posted with the session's CSRF token; a changed answer appends a consent
record with the source `portal` (services/preferences.py). A yes to e-mail given before
the address was proved waits for its confirmation, and the page says so.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from patron.domain.consent import MARKETING, MARKETING_PUSH, MARKETING_SMS, ConsentSource
from patron.services.preferences import (
    SavePreferences,
    message_locale,
    preferences,
    save_preferences,
)
from patron.web.app_state import patron_of
from patron.web.consents import consent_words
from patron.web.i18n import LANGUAGES, N_, _
from patron.web.portal import MemberDep
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)

CHANNELS = {
    MARKETING: N_("News and offers by e-mail"),
    MARKETING_SMS: N_("News and offers by SMS"),
    MARKETING_PUSH: N_("News and offers as notifications"),
}
SOURCES = {
    ConsentSource.PORTAL: N_("in your account"),
    ConsentSource.API: N_("through the shop"),
    ConsentSource.CONSOLE: N_("by the shop's staff"),
    ConsentSource.UNCONFIRMED: N_("awaiting your confirmation"),
    ConsentSource.CONFIRMATION: N_("by the confirmation link we e-mailed you"),
    ConsentSource.UNSUBSCRIBE: N_("by the unsubscribe link of a message"),
}
LANGUAGE_NAMES = {"en": "English", "ro": "Română"}


def _page(
    request: Request, me: MemberDep, context: dict[str, object], status: int = 200
) -> Response:
    patron = patron_of(request)
    rows = [
        {
            "purpose": found.purpose,
            "label": _(CHANNELS[found.purpose]),
            "granted": found.state.value == "granted" or found.awaiting,
            "state": consent_words(found.state),
            "awaiting": found.awaiting,
            "recorded_at": found.recorded_at,
            "source": _(SOURCES[found.source]) if found.source else None,
        }
        for found in patron.read(preferences, me.member.id)
    ]
    page = {
        "me": me,
        "rows": rows,
        "locale_now": patron.read(message_locale, me.member.id) or "",
        "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
        **context,
    }
    return render(request, "portal_preferences.html", page, status_code=status)


@router.get("/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, me: MemberDep) -> Response:
    return _page(request, me, {})


@router.post("/preferences", response_class=HTMLResponse)
def save(
    request: Request,
    me: MemberDep,
    marketing: Annotated[str, Form(max_length=10)] = "",
    marketing_sms: Annotated[str, Form(max_length=10)] = "",
    marketing_push: Annotated[str, Form(max_length=10)] = "",
    language: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(csrf, me.session.csrf):
        error = _("The form was sent without its security token, so nothing was done.")
        return _page(request, me, {"error": error}, 403)
    if language and language not in LANGUAGES:
        return _page(request, me, {"error": _("Choose a language from the list.")}, 422)
    answers = {MARKETING: marketing, MARKETING_SMS: marketing_sms, MARKETING_PUSH: marketing_push}
    command = SavePreferences(
        me.member.id,
        {purpose: said == "yes" for purpose, said in answers.items()},
        language or None,
    )
    patron_of(request).run(save_preferences, command)
    return _page(request, me, {"saved": True})
