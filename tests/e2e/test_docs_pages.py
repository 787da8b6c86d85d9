"""The API's pages for people (api/docs.py): /docs and /redoc work on a machine without
internet, and `/` leads a browser to them.

The pages' HTML and assets are checked over HTTP in every run; headless Chromium
(tests/support/browser.py) then renders both pages from the real served app and records
every request they make: each must be for the app's own host and port.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import resources
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from tests.e2e.server import LOADED
from tests.support.browser import Visit

SWAGGER_ASSETS = [
    "/docs/assets/swagger-ui.css",
    "/docs/assets/favicon.png",
    "/docs/assets/swagger-ui-bundle.js",
]
REDOC_ASSETS = ["/docs/assets/favicon.png", "/docs/assets/redoc.standalone.js"]
CONTENT_TYPES = {
    "/docs/assets/swagger-ui.css": "text/css; charset=utf-8",
    "/docs/assets/favicon.png": "image/png",
    "/docs/assets/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "/docs/assets/redoc.standalone.js": "text/javascript; charset=utf-8",
}
# a path of Patron's that both pages must show, to know they rendered the document
A_PATH = "/v1/purchases"


NAMED = re.compile(r"""(?:src|href|spec-url)="([^"]*)"|url: '([^']*)'""")


@pytest.fixture(params=["", "/patron"], ids=["at-root", "behind-a-proxy-at-patron"])
def root(request: pytest.FixtureRequest) -> str:
    """Where the app is served: at the root, or behind a proxy that mounts it at /patron."""
    return str(request.param)


@pytest.fixture
def docs_client(root: str, sqlite_patron: Patron) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_patron), root_path=root) as client:
        yield client


def named_urls(html: str) -> list[str]:
    """Every address the page's HTML names: src, href, Swagger's url, ReDoc's spec-url."""
    return [a or b for a, b in NAMED.findall(html)]


def test_root_sends_a_browser_to_the_portal(docs_client: TestClient, root: str) -> None:
    # given the app, at the root or behind a proxy at /patron
    # when a browser opens /
    answer = docs_client.get("/", follow_redirects=False)

    # then it is sent on to the members' portal (issue 13), not remembered (307)
    assert answer.status_code == 307
    assert answer.headers["location"] == f"{root}/portal"


@pytest.mark.parametrize(("page", "assets"), [("/docs", SWAGGER_ASSETS), ("/redoc", REDOC_ASSETS)])
def test_docs_pages_name_only_this_servers_assets(
    docs_client: TestClient, root: str, page: str, assets: list[str]
) -> None:
    # when the page is asked for, with no key
    answer = docs_client.get(page)

    # then it names this server's assets and OpenAPI document, under the root path, and
    # nothing elsewhere
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    expected = [f"{root}{asset}" for asset in assets] + [f"{root}/openapi.json"]
    assert sorted(named_urls(answer.text)) == sorted(expected)
    assert "://" not in answer.text


def packaged(name: str) -> bytes:
    """A file as the fastapi-offline package ships it."""
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


@pytest.mark.parametrize("asset", sorted(CONTENT_TYPES))
def test_docs_assets_are_served_from_the_package(sqlite_patron: Patron, asset: str) -> None:
    with TestClient(create_app(sqlite_patron)) as client:
        answer = client.get(asset)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == CONTENT_TYPES[asset]
    if not asset.endswith("redoc.standalone.js"):
        assert answer.content == packaged(asset.rsplit("/", 1)[1])


def test_redoc_is_served_without_its_cdn_logo(sqlite_patron: Patron) -> None:
    with TestClient(create_app(sqlite_patron)) as client:
        script = client.get("/docs/assets/redoc.standalone.js").content

    # the package's bundle, with the logo's one address (the src of an <img>) emptied
    logo = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
    assert packaged("redoc.standalone.js").count(logo) == 1
    assert script == packaged("redoc.standalone.js").replace(logo, b'""')


def own_paths(seen: Visit) -> set[str]:
    return {urlsplit(url).path for url in seen.requests if url.startswith(seen.origin + "/")}


def spec_paths(base: str) -> set[str]:
    return set(httpx.get(f"{base}/openapi.json", timeout=LOADED).json()["paths"])


def test_swagger_ui_renders_every_path_with_no_request_leaving_the_machine(
    served_app: str, visit: Callable[[str], Visit]
) -> None:
    # given the real app served on a loopback port, and the paths its OpenAPI document has
    paths = spec_paths(served_app)
    assert A_PATH in paths

    # when headless Chromium opens /docs and Swagger UI has rendered the operations
    seen = visit(f"{served_app}/docs")
    assert seen.foreign_requests() == []  # the page's own scripts and stylesheet
    seen.shows(f'.opblock-summary-path[data-path="{A_PATH}"]')
    seen.settle()

    # then it shows every path of the document, every request went to the app's own host
    # and port, and the page had no error
    shown = seen.page.locator(".opblock-summary-path").evaluate_all(
        "spans => spans.map(span => span.dataset.path)"
    )
    assert set(shown) == paths
    assert seen.foreign_requests() == []
    pages_own = {"/docs", "/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js"}
    assert pages_own | {"/openapi.json"} <= own_paths(seen)
    assert seen.errors == []


def test_redoc_renders_every_path_with_no_request_leaving_the_machine(
    served_app: str, visit: Callable[[str], Visit]
) -> None:
    # given the real app served on a loopback port, and the paths its OpenAPI document has
    paths = spec_paths(served_app)

    # when headless Chromium opens /redoc and ReDoc has rendered the operations
    seen = visit(f"{served_app}/redoc")
    assert seen.foreign_requests() == []
    seen.shows(f'span.http-verb + span:text-is("{A_PATH}")')
    seen.settle()  # ReDoc's menu asks for its logo once it is drawn

    # then every operation's path is shown, every request went to the app's own host and
    # port, and the page had no error
    shown = seen.page.locator("span.http-verb + span").evaluate_all(
        "spans => spans.map(span => span.textContent)"
    )
    assert set(shown) == paths
    assert seen.foreign_requests() == []
    assert {"/redoc", "/docs/assets/redoc.standalone.js", "/openapi.json"} <= own_paths(seen)
    assert seen.errors == []
