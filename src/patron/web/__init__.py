"""The web pages served by `patron serve` beside the API: the console for the shop's staff
and the portal for its members (issue 13 builds their pages on what is here: sessions,
CSRF, templates, static files, the portal's login by magic link).

A page computes nothing itself: it calls the same use cases and analytics as the API and
the CLI (docs/architecture.md)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from patron.domain.errors import NotFound, PatronError
from patron.web import (
    access,
    audit,
    campaigns,
    clubs,
    cohorts,
    console,
    console_consents,
    customer,
    customers,
    events,
    experiments,
    goals,
    i18n,
    journeys,
    lifetime,
    message_links,
    money,
    overview,
    portal,
    portal_card,
    portal_clubs,
    portal_events,
    portal_join,
    portal_pages,
    portal_preferences,
    portal_profile,
    portal_survey,
    program,
    referrals,
    segments,
    simulate,
    suppressions,
    surveys,
    webhooks,
)
from patron.web.templating import PageLocale, render

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, locale: str = "en") -> None:
    """The console's and the portal's routes and files on `app`, their pages in `locale`
    (their sessions are signed with a key read from the store on first use: building the
    app touches no database). The portal sends mail by `app.state.mail` (api/app.py sets
    it)."""
    app.add_middleware(PageLocale, locale=i18n.checked_locale(locale))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.mount("/portal/static", StaticFiles(directory=STATIC), name="portal-static")
    app.include_router(console.router)
    app.include_router(overview.router)
    app.include_router(customers.router)
    app.include_router(customer.router)
    app.include_router(console_consents.router)
    app.include_router(cohorts.router)
    app.include_router(clubs.router)
    app.include_router(experiments.router)
    app.include_router(campaigns.router)
    app.include_router(segments.router)
    app.include_router(lifetime.router)
    app.include_router(goals.router)
    app.include_router(surveys.router)
    app.include_router(audit.router)
    app.include_router(referrals.router)
    app.include_router(journeys.router)
    app.include_router(program.router)
    app.include_router(money.router)
    app.include_router(simulate.router)
    app.include_router(access.router)
    app.include_router(suppressions.router)
    app.include_router(webhooks.router)
    app.include_router(portal.router)
    app.include_router(portal_pages.router)  # the member's pages behind the door
    app.include_router(portal_join.router)
    app.include_router(portal_profile.router)
    app.include_router(portal_preferences.router)
    app.include_router(message_links.router)
    app.include_router(portal_card.router)
    app.include_router(portal_clubs.router)
    app.include_router(portal_events.router)
    app.include_router(portal_survey.router)
    app.include_router(events.router)

    @app.exception_handler(console.LoginRequired)
    async def _to_login(_: Request, exc: console.LoginRequired) -> Response:
        return console.login_redirect(exc)

    @app.exception_handler(portal.MemberLoginRequired)
    async def _to_portal_login(_: Request, exc: portal.MemberLoginRequired) -> Response:
        return portal.login_redirect()

    _pages_answer_in_html(app)


def _pages_answer_in_html(app: FastAPI) -> None:
    """A console page asked with a bad parameter, or refused by a rule, answers with a page
    a person can read, not the API's problem+json: the API's handlers stay for the rest
    (they are installed before this, by api/errors.py)."""
    api_invalid = app.exception_handlers[RequestValidationError]
    api_refused = app.exception_handlers[PatronError]

    async def invalid(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/portal") and isinstance(exc, RequestValidationError):
            return _portal_refusal(request, exc)
        if not request.url.path.startswith("/console") or not isinstance(
            exc, RequestValidationError
        ):
            return await _answer(api_invalid(request, exc))
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _refusal(request, i18n._("This page cannot be shown: %(why)s") % {"why": fields})

    async def refused(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith("/console") or not isinstance(exc, PatronError):
            return await _answer(api_refused(request, exc))
        return _refusal(request, exc.message, 404 if isinstance(exc, NotFound) else 422)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(PatronError, refused)


async def _answer(answer: Response | Awaitable[Response]) -> Response:
    return await answer if inspect.isawaitable(answer) else answer


def _portal_refusal(request: Request, exc: RequestValidationError) -> Response:
    """A portal form or page asked with a field the route does not take (a name longer
    than any form allows, a page number that is no number): a page a member can read,
    naming the fields, and nothing changed."""
    fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e["loc"]}))
    message = i18n._(
        "This form could not be taken, so nothing was changed: check %(fields)s (too long,"
        " or not what the field takes) and send it again."
    ) % {"fields": fields}
    return render(request, "portal_refused.html", {"message": message}, 422)


def _refusal(request: Request, message: str, status: int = 422) -> Response:
    context = {"staff": None, "message": message, "title": i18n._("Not shown")}
    return render(request, "forbidden.html", context, status)
