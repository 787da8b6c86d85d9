"""The API's edge (api/guard.py): 413 before anything, then the address's failed attempts
(429), the key (401), the key's rate (429), and only then the body (422).

The limits come from PATRON_* settings as a deployment sets them; each test sets small
ones so that a handful of requests reaches them. The arithmetic of the buckets (the exact
Retry-After) is tested with a hand-moved clock in tests/unit/test_ratelimit.py; here the
Retry-After is bounded by the figure the setting implies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.config import get_settings
from tests.conftest import new_key

PROBLEM = "application/problem+json"
Clients = Callable[..., TestClient]


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    """Clients of the real app over a store, built under the given PATRON_* settings."""
    opened: list[TestClient] = []

    def build(patron: Patron, address: str = "10.0.0.1", **settings: object) -> TestClient:
        for name, value in settings.items():
            monkeypatch.setenv(f"PATRON_{name.upper()}", str(value))
        get_settings.cache_clear()
        client = TestClient(
            create_app(patron), raise_server_exceptions=False, client=(address, 40000)
        )
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.close()
    monkeypatch.undo()
    get_settings.cache_clear()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Idempotency-Key": "idem-1"}


def test_an_oversize_body_gets_413_before_its_key_is_looked_at(
    patron: Patron, clients: Clients
) -> None:
    client = clients(patron, max_body_bytes=2048)
    # given a body one byte over the limit, and no key
    response = client.post(
        "/v1/purchases", content=b"{" + b" " * 2048, headers={"Content-Type": "application/json"}
    )
    # then 413, not 401: the declared length alone decides, and the connection is closed
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["connection"] == "close"
    assert response.json() == {
        "type": "https://patron.dev/problems/body_too_large",
        "title": "body too large",
        "status": 413,
        "detail": "the request body is over this server's limit of 2048 bytes",
        "code": "body_too_large",
        "limit": 2048,
    }


def test_a_chunked_body_without_content_length_is_counted_and_refused_past_the_limit(
    patron: Patron, clients: Clients
) -> None:
    client = clients(patron, max_body_bytes=2048)
    key = new_key(patron, "pos")

    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"external_id": "'
        yield b"x" * (total - 19)
        yield b'"}'

    headers = {**bearer(key), "Content-Type": "application/json"}
    over = client.post("/v1/members", content=chunks(2049), headers=headers)
    assert "content-length" not in over.request.headers
    assert over.request.headers["transfer-encoding"] == "chunked"
    assert (over.status_code, over.json()["code"]) == (413, "body_too_large")
    # a chunked body within the limit reaches the route, which reads it as usual
    member = client.post("/v1/members", content=chunks(100), headers=headers)
    assert member.status_code == 201, member.text
    assert member.json()["external_id"] == "x" * 81


def test_a_body_is_not_parsed_before_the_key_is_checked(patron: Patron, clients: Clients) -> None:
    client = clients(patron)
    broken = b'{"member_id": '  # not JSON: a route that parsed it first would answer 422
    json_type = {"Content-Type": "application/json"}
    without = client.post("/v1/purchases", content=broken, headers=json_type)
    wrong = client.post("/v1/purchases", content=broken, headers={**json_type, **bearer("ptr_x")})
    assert (without.status_code, without.json()["detail"]) == (
        401,
        "send `Authorization: Bearer <API key>`",
    )
    assert without.headers["www-authenticate"] == "Bearer"
    assert without.headers["content-type"] == PROBLEM
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "the API key is unknown or revoked")
    # with a good key the same body reaches the route and its validation
    good = client.post(
        "/v1/purchases", content=broken, headers={**json_type, **bearer(new_key(patron, "pos"))}
    )
    assert (good.status_code, good.json()["code"]) == (422, "invalid_request")


def test_every_v1_path_needs_a_key_and_the_others_do_not(
    sqlite_patron: Patron, clients: Clients
) -> None:
    client = clients(sqlite_patron)
    assert client.get("/v1/no-such-thing").status_code == 401  # no map of paths for strangers
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_an_address_that_keeps_failing_is_locked_out_even_with_a_good_key(
    patron: Patron, clients: Clients
) -> None:
    # given 2 failed attempts a minute per address
    client = clients(patron, auth_failure_limit=2)
    key = new_key(patron, "pos")
    # good keys spend none of the allowance
    assert [client.get("/v1/rewards", headers=bearer(key)).status_code for _ in range(3)] == [
        200
    ] * 3
    # when one request comes without a key and one with a wrong one
    assert client.get("/v1/rewards").status_code == 401
    assert client.get("/v1/rewards", headers=bearer("ptr_guess")).status_code == 401
    # then the address is refused, the good key too, until a failure's share of the minute
    # (60 / 2 = 30 s) has passed
    locked = client.get("/v1/rewards", headers=bearer(key))
    assert locked.status_code == 429
    assert locked.headers["content-type"] == PROBLEM
    assert 1 <= int(locked.headers["retry-after"]) <= 30
    assert locked.json()["code"] == "too_many_failed_attempts"
    assert locked.json()["detail"] == (
        "too many requests with a missing or wrong API key from this address"
    )
    # another address is not concerned
    other = clients(patron, address="10.0.0.2", auth_failure_limit=2)
    assert other.get("/v1/rewards", headers=bearer(key)).status_code == 200


def test_a_key_over_its_rate_gets_429_and_other_keys_do_not(
    patron: Patron, clients: Clients
) -> None:
    # given a burst of 3 requests and 1 more every 100 s
    client = clients(patron, key_rate_limit=0.01, key_rate_burst=3)
    busy, other = new_key(patron, "pos"), new_key(patron, "pos")
    answers = [client.get("/v1/rewards", headers=bearer(busy)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= 100
    assert limited.json() == {
        "type": "https://patron.dev/problems/rate_limited",
        "title": "rate limited",
        "status": 429,
        "detail": "this API key sent more than 0.01 requests a second (or 3 at once)",
        "code": "rate_limited",
    }
    assert client.get("/v1/rewards", headers=bearer(other)).status_code == 200


def test_a_rate_of_zero_turns_the_limits_off(sqlite_patron: Patron, clients: Clients) -> None:
    client = clients(sqlite_patron, key_rate_limit=0, key_rate_burst=1, auth_failure_limit=0)
    key = new_key(sqlite_patron, "pos")
    assert {client.get("/v1/rewards", headers=bearer(key)).status_code for _ in range(5)} == {200}
    assert {client.get("/v1/rewards").status_code for _ in range(5)} == {401}


def test_the_largest_purchase_the_schema_allows_fits_under_the_default_limit(
    sqlite_patron: Patron, clients: Clients
) -> None:
    """500 lines (the schema's maximum), each with a 64-character sku and category of a
    character JSON escapes in 12 bytes, pretty-printed: the default 1 MiB must not refuse
    a valid purchase, however its client writes it."""
    client = clients(sqlite_patron)
    key = new_key(sqlite_patron, "pos")
    assert client.post("/v1/members", json={"external_id": "c-1"}, headers=bearer(key)).is_success
    wide = "\U0001d11e"  # MUSICAL SYMBOL G CLEF: "\\ud834\\udd1e" in ASCII-only JSON
    lines = [
        {
            "sku": f"{n:03d}" + wide * 61,
            "category": wide * 64,
            "quantity": 1,
            "unit_price": "0.0001",
            "unit_cost": "0.0001",
        }
        for n in range(500)
    ]
    body = {
        "external_id": "c-1",
        "order_id": wide * 128,
        "occurred_at": "2026-01-01T09:00:00Z",
        "currency": "EUR",
        "lines": lines,
        "channel": wide * 50,
        "payment_method": wide * 50,
    }
    raw = json.dumps(body, indent=2).encode()
    assert 800_000 < len(raw) < 1_048_576  # about 820 kB: a fifth of the default to spare
    headers = {**bearer(key), "Idempotency-Key": "big-1", "Content-Type": "application/json"}
    response = client.post("/v1/purchases", content=raw, headers=headers)
    assert response.status_code == 201, response.text
