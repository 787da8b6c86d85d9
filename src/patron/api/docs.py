"""The API's pages for people: Swagger UI at /docs, ReDoc at /redoc, and / leading to them.

Design overview. FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine
without internet /docs is a blank page, and the design allows no script from the internet
at all (DESIGN.md, "The web"). Here the two pages load their scripts, stylesheet and icon
from this server, under /docs/assets/, out of the `fastapi-offline` package, which bundles
them (pinned in requirements/; Swagger UI 5.32.6, Apache-2.0, and ReDoc 2.5.3, MIT, in
fastapi-offline 1.7.7, MIT). ReDoc goes without its Google fonts, and its bundle is served
with its one address outside this server taken out: the Redocly logo under its menu, which
it loads from a CDN whatever the options say. The pages and their assets need no key, like
/openapi.json, and honour the server's root path as FastAPI's own pages do. `/` sends a
browser to /docs, from this one place, until the console answers there (issue 13).
tests/e2e/test_docs_pages.py renders both pages in headless Chromium and fails on any
request for another host.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
ASSETS_PACKAGE = ("fastapi_offline", "static")  # swagger-ui-bundle.js, swagger-ui.css, ...
HOME = "/portal"  # where `/` sends a browser: the members' portal (issue 13)
REDOCLY_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'  # the src of an <img> in ReDoc


def install(app: FastAPI) -> None:
    """Serve /docs and /redoc with the packaged assets, and `/`. The app must be built with
    `docs_url=None, redoc_url=None`, or FastAPI's CDN pages would answer first."""

    # before the mount, which would otherwise serve the bundle as the package has it
    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_script() -> Response:
        return Response(_redoc_script(), media_type="text/javascript; charset=utf-8")

    app.mount(ASSETS, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> RedirectResponse:
        # 307, not 308: a browser must not remember where `/` leads
        return RedirectResponse(f"{_root(request)}{HOME}", status_code=307)


@cache
def _redoc_script() -> bytes:
    """ReDoc's bundle with the logo's src emptied: the browser then asks nothing for it, and
    ReDoc drops the image on its error event (the text link to Redocly stays)."""
    package, folder = ASSETS_PACKAGE
    script = resources.files(package).joinpath(folder, "redoc.standalone.js").read_bytes()
    return script.replace(REDOCLY_LOGO, b'""')


def _root(request: Request) -> str:
    """The path the server is mounted at behind a proxy (`--root-path`), or ''."""
    return str(request.scope.get("root_path", "")).rstrip("/")
