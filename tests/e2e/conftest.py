"""HTTP fixtures: the app over each store, clients holding a pos and an admin key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.config import get_settings
from tests.conftest import new_key


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


@pytest.fixture
def client(patron: Patron) -> Iterator[TestClient]:
    with TestClient(create_app(patron), raise_server_exceptions=False) as c:
        yield c


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
