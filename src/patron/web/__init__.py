"""The web pages served by `patron serve` beside the API: the console for the shop's staff
(issue 13 builds its pages on what is here: sessions, CSRF, templates, static files).

A page computes nothing itself: it calls the same use cases and analytics as the API and
the CLI (docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from patron.web import (
    access,
    audit,
    cohorts,
    console,
    customer,
    customers,
    i18n,
    lifetime,
    overview,
    program,
    segments,
)
from patron.web.templating import PageLocale

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, locale: str = "en") -> None:
    """The console's routes and files on `app`, its pages in `locale` (its sessions are
    signed with a key read from the store on first use: building the app touches no
    database)."""
    app.add_middleware(PageLocale, locale=i18n.checked_locale(locale))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(console.router)
    app.include_router(overview.router)
    app.include_router(customers.router)
    app.include_router(customer.router)
    app.include_router(cohorts.router)
    app.include_router(segments.router)
    app.include_router(lifetime.router)
    app.include_router(audit.router)
    app.include_router(program.router)
    app.include_router(access.router)

    @app.exception_handler(console.LoginRequired)
    async def _to_login(_: Request, exc: console.LoginRequired) -> Response:
        return console.login_redirect(exc)
