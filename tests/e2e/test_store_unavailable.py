"""A store that drops or refuses connections: the pool replaces dropped ones before use,
an unreachable store answers 503 problem+json with Retry-After, and nothing answers a bare
text/plain 500 (Patron issue 12, finding 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.services.apikeys import Principal, Scope
from tests.conftest import PG_ADMIN_URL, Clock, load_example, make_patron, new_key
from tests.e2e.server import free_port

PROBLEM = "application/problem+json"
STORE_DOWN = {
    "type": "https://patron.dev/problems/store_unavailable",
    "title": "store unavailable",
    "status": 503,
    "detail": "the database cannot be reached just now; retry in a few seconds (a write sent"
    " again with the same Idempotency-Key is applied at most once)",
    "code": "store_unavailable",
}


def terminate_backends(database: str) -> int:
    """Drop every connection to `database` from the server's side, as a restart or a
    failover does, and wait (up to 5 s each) until they are gone."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            dropped = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
                    " FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(dropped)


@pytest.mark.postgres
def test_connections_the_server_dropped_are_replaced_before_the_next_requests(
    tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    # given a pool of 4 open connections to PostgreSQL, and a member
    patron = make_patron("postgres", tmp_path, clock, request, pool_size=4)
    try:
        load_example(patron)
        key = new_key(patron, "pos")
        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(patron), raise_server_exceptions=False) as client:
            enrolled = client.post(
                "/v1/members",
                json={"external_id": "c-1"},
                headers={**headers, "Idempotency-Key": "e"},
            )
            assert enrolled.status_code == 201
            held = [patron.engine.connect() for _ in range(4)]
            for conn in held:
                conn.close()
            assert patron.engine.pool.checkedin() == 4  # type: ignore[attr-defined]
            # when the server drops them all
            assert terminate_backends(str(patron.engine.url.database)) == 4
            # then every next request gets its answer: the first key look-up and the reads
            # after it each take a pooled connection, find it dead and open a new one
            client.app.state.key_cache.clear()  # type: ignore[attr-defined]
            answers = [
                client.get("/v1/members/c-1/balance", headers=headers).status_code for _ in range(6)
            ]
        assert answers == [200] * 6
    finally:
        patron.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres")])
def unreachable(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Patron]:
    """A Patron whose store cannot be opened: a PostgreSQL port nobody listens on, or an
    SQLite file that is a directory."""
    if request.param == "postgres":  # no server needed: the connection is refused
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/patron"
    else:
        (tmp_path / "patron.db").mkdir()
        url = f"sqlite:///{tmp_path / 'patron.db'}"
    patron = Patron.from_url(url, clock=clock)
    yield patron
    patron.dispose()


def test_an_unreachable_store_answers_503_with_retry_after(unreachable: Patron) -> None:
    app = create_app(unreachable)
    # a handled answer, not an exception that escapes to the server (which TestClient raises)
    with TestClient(app, raise_server_exceptions=True) as client:
        # the key is looked up in the store before the route runs (api/guard.py) ...
        at_the_edge = client.get("/v1/rewards", headers={"Authorization": "Bearer ptr_x"})
        # ... and a key already known reaches the route, whose read fails the same way
        app.state.key_cache.put("ptr_known", Principal(1, "t", Scope.POS))
        in_the_route = client.post(
            "/v1/members",
            json={"external_id": "c-1"},
            headers={"Authorization": "Bearer ptr_known", "Idempotency-Key": "k-1"},
        )
    for response in (at_the_edge, in_the_route):
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "5"
        assert response.json() == STORE_DOWN


def test_an_unforeseen_error_is_a_500_problem_that_names_no_internals(
    sqlite_patron: Patron,
) -> None:
    app = create_app(sqlite_patron)

    @app.get("/test/boom")
    def _boom() -> None:
        raise RuntimeError("secret table layout and a password")

    @app.get("/test/invalidated")
    def _invalidated() -> None:  # a DBAPI error that lost its connection: the store's fault
        raise ProgrammingError("SELECT 1", {}, Exception("gone"), connection_invalidated=True)

    with TestClient(app, raise_server_exceptions=False) as client:
        boom = client.get("/test/boom")
        invalidated = client.get("/test/invalidated")
    assert boom.status_code == 500
    assert boom.headers["content-type"] == PROBLEM
    assert boom.json() == {
        "type": "https://patron.dev/problems/internal_error",
        "title": "internal error",
        "status": 500,
        "detail": "an unexpected error on the server; it has been logged under this answer's"
        " X-Request-ID (a write sent again with the same Idempotency-Key is applied at most"
        " once)",
        "code": "internal_error",
    }
    assert (invalidated.status_code, invalidated.headers["retry-after"]) == (503, "5")
    assert invalidated.json() == STORE_DOWN
