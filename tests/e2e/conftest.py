"""HTTP fixtures: the app over each store, clients holding a pos and an admin key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.config import get_settings
from tests.conftest import new_key
from tests.e2e.documented import PROBLEM, Refusals


class Api:
    """A test client that sends keys and fresh idempotency keys by default."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.key = client, key

    def headers(self, idem: str | None = "new", key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if idem == "new":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        elif idem is not None:
            headers["Idempotency-Key"] = idem
        return headers

    def post(self, path: str, body: Any, idem: str | None = "new", key: str | None = None) -> Any:
        return self.client.post(path, json=body, headers=self.headers(idem, key))

    def get(self, path: str, key: str | None = None) -> Any:
        return self.client.get(path, headers=self.headers(None, key))


_REFUSALS: dict[tuple[tuple[str, tuple[str, ...]], ...], Refusals] = {}


def refusals_of(app: FastAPI) -> Refusals:
    """What the app's OpenAPI document announces, read once per process for each set of
    routes: writing the document takes about a second, and some 900 tests build an app
    over their own store (the document depends on the routes, never on the store)."""
    routes = tuple(
        sorted(
            (str(getattr(r, "path", "")), tuple(sorted(getattr(r, "methods", None) or ())))
            for r in app.routes
        )
    )
    if routes not in _REFUSALS:
        _REFUSALS[routes] = Refusals(app.openapi())
    return _REFUSALS[routes]


@pytest.fixture
def client(patron: Patron) -> Iterator[TestClient]:
    """The app over `patron`; every answer it gives must be one the OpenAPI document
    announces for its path (tests/e2e/documented.py): the test fails otherwise."""
    app = create_app(patron)
    refusals = refusals_of(app)
    undocumented: list[str] = []

    def check(response: httpx.Response) -> None:
        response.read()
        problem = response.headers.get("content-type", "").startswith(PROBLEM)
        body = response.json() if problem else None
        request = response.request
        why = refusals.undocumented(
            request.method, request.url.path, response.status_code, body, response.headers
        )
        if why is not None:
            undocumented.append(why)

    with TestClient(app, raise_server_exceptions=False) as c:
        c.event_hooks["response"].append(check)
        yield c
    assert not undocumented, "answers the OpenAPI document does not announce: " + "; ".join(
        sorted(set(undocumented))
    )


@pytest.fixture
def pos(client: TestClient, patron: Patron) -> Api:
    return Api(client, new_key(patron, "pos"))


@pytest.fixture
def admin(client: TestClient, patron: Patron) -> Api:
    return Api(client, new_key(patron, "admin"))


@pytest.fixture
def unlimited_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Apps built in this test have no per-key rate limit: for tests whose clients send
    hundreds of requests with one key at once by design (the limit has its own tests in
    test_guard.py, and must not decide a race on a fast machine)."""
    monkeypatch.setenv("PATRON_KEY_RATE_LIMIT", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
