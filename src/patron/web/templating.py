"""Rendering the console's pages: one Jinja2 environment, autoescaped, from the package's
templates; every page carries the headers that keep it from being framed, sniffed or
cached, and a policy that lets it load nothing but the server's own files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from patron.web import i18n

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
)
ENV.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
    gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
)
ENV.filters.update(i18n.FILTERS)


def isolated(text: str) -> str:
    """Text a customer or a till wrote, for a place where <bdi> cannot go (a page's
    title): between FSI and PDI, so that direction characters inside it (a right-to-left
    override) end with it and cannot turn the text after it around."""
    return f"\u2068{text}\u2069"


def card_number(number: str) -> str:
    """A card number as printed: digits in groups of four, easier to read out and type."""
    if not number.isdigit():
        return number
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


ENV.filters["isolated"] = isolated
ENV.filters["card_number"] = card_number
ENV.globals["locale"] = i18n.current
TEMPLATES = Jinja2Templates(env=ENV)

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    response: HTMLResponse = TEMPLATES.TemplateResponse(
        request, template, context, status_code=status_code
    )
    response.headers.update(HEADERS)
    return response


class PageLocale:
    """Sets the shop's locale for everything a request renders or words (i18n.use): an
    ASGI middleware, so that the context the route and its dependencies run in has it."""

    def __init__(self, app: ASGIApp, locale: str) -> None:
        self.app, self.locale = app, locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        i18n.use(self.locale)
        await self.app(scope, receive, send)
