"""Fixtures of the console's tests: cheap password hashes, and browsers logged in as a
staff user of a given role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.services import staff
from patron.services.staff import NewUser, create_user

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id's cheapest parameters: the real ones cost a quarter of a second a hash
    (tests/usecases/test_staff_users.py checks them)."""
    monkeypatch.setattr(staff, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
    staff._dummy_hash.cache_clear()


def token(page: str) -> str:
    """The CSRF token of a page's (first) form."""
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


@pytest.fixture
def log_in(patron: Patron) -> Iterator[Callable[[str], TestClient]]:
    """`log_in(role)`: a new staff user `<role>@shop.ro` and a browser logged in as them."""
    clients: list[TestClient] = []

    def as_role(role: str) -> TestClient:
        email = f"{role}@shop.ro"
        new = NewUser(email, role, None, PASSWORD)
        patron.run(lambda uow, n: create_user(uow, n, "cli:root"), new)
        client = TestClient(create_app(patron), follow_redirects=False).__enter__()
        clients.append(client)
        form = {
            "email": email,
            "password": PASSWORD,
            "csrf": token(client.get("/console/login").text),
        }
        assert client.post("/console/login", data=form).status_code == 303
        return client

    yield as_role
    for client in clients:
        client.__exit__(None, None, None)
