"""The FastAPI application: routers, problem+json errors and the OpenAPI description."""

from __future__ import annotations

from fastapi import FastAPI

from patron import __version__
from patron.analytics.held import Held
from patron.analytics.insights import CustomerBases
from patron.api import docs, errors, guard, logs, observability, openapi
from patron.api.keycache import KeyCache
from patron.api.problems import ok
from patron.api.routes import (
    analytics,
    apikeys,
    audit,
    birthdays,
    business,
    campaigns,
    cards,
    clubs,
    consents,
    economics,
    events,
    experiments,
    goals,
    journeys,
    members,
    money,
    privacy,
    purchases,
    redemptions,
    referrals,
    simulations,
    suppressions,
    surveys,
    vouchers,
    webhooks,
)
from patron.bootstrap import Patron
from patron.config import Settings, get_settings
from patron.engage.channels.mail import MailSender, mail_sender
from patron.web import install as install_web


def create_app(patron: Patron) -> FastAPI:
    app = FastAPI(
        title="Patron",
        version=__version__,
        summary="Loyalty program API: members, points, purchases, rewards, redemptions.",
        docs_url=None,  # docs.install serves /docs and /redoc without a CDN
        redoc_url=None,
    )
    settings = get_settings()
    app.state.patron = patron
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    app.state.mail = _mail(settings, patron)  # the portal's login links (web/portal.py)
    app.state.public_url = settings.public_url
    app.state.survey_alert_email = settings.survey_alert_email  # web/portal_survey.py
    # fitted customer bases per as_of day, and the console's figures, each held for the
    # version of the data it read (analytics/held.py)
    app.state.customer_bases = CustomerBases(wait=settings.figures_wait)
    app.state.figures = Held(wait=settings.figures_wait)
    errors.install(app)
    guard.install(app)  # size, key and rate limits before any body is read
    logs.install_redaction()  # no member references in uvicorn's access log (docs/privacy.md)
    app.include_router(members.router)
    app.include_router(cards.router)
    app.include_router(clubs.router)
    app.include_router(business.router)
    app.include_router(birthdays.router)
    app.include_router(consents.router)
    app.include_router(privacy.router)
    app.include_router(purchases.router)
    app.include_router(redemptions.router)
    app.include_router(vouchers.router)
    app.include_router(referrals.router)
    app.include_router(events.router)
    app.include_router(audit.router)
    app.include_router(apikeys.router)
    app.include_router(economics.router)  # before analytics: fixed paths first
    app.include_router(goals.router)
    app.include_router(money.router)
    app.include_router(simulations.router)
    app.include_router(experiments.router)
    app.include_router(campaigns.router)
    app.include_router(webhooks.router)
    app.include_router(suppressions.router)
    app.include_router(journeys.router)
    app.include_router(surveys.router)
    app.include_router(analytics.router)
    install_web(app, get_settings().locale)  # the console (web/)
    docs.install(app)  # /docs, /redoc and their assets from a package; / leads there
    observability.install(app, patron)  # /ready, /metrics, request ids, access lines

    @app.get("/health", tags=["meta"], responses=ok({"status": "ok"}))
    def health() -> dict[str, str]:
        """Liveness: answers when the process is up."""
        return {"status": "ok"}

    openapi.install(app)  # every refusal of every path, in the problem+json really sent
    return app


def _mail(settings: Settings, patron: Patron) -> MailSender:
    """The mail sender the settings ask for (a malformed PATRON_SMTP_URL stops the start)."""
    url = settings.smtp_url.get_secret_value() if settings.smtp_url is not None else None
    return mail_sender(
        url,
        sender=settings.mail_from,
        mailbox=settings.mailbox,
        timeout=settings.smtp_timeout,
        clock=patron.clock,
    )
