"""Real concurrent HTTP clients against a real server (DESIGN.md §4).

The races run on PostgreSQL; the replay of a request still running runs on both stores,
whose contracts differ (docs/api.md, "Idempotency").
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from patron.api.routes import purchases as purchase_routes
from patron.bootstrap import Patron
from patron.domain.clock import utcnow
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.services.earn import record_purchase
from patron.store.tables import ledger_entries
from patron.store.uow import UnitOfWork
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example, make_patron, new_key
from tests.e2e.server import running_server
from tests.integration.helpers import assert_verified, balance_of, member

pytestmark = pytest.mark.usefixtures("unlimited_keys")


@pytest.fixture
def pg(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Patron]:
    patron = make_patron("postgres", tmp_path, Clock(), request, pool_size=10)
    patron.clock = utcnow  # the server runs in real time
    text = EXAMPLE_PROGRAM.read_text().replace("min_points = 100", "min_points = 0")
    load_example(patron, text)
    yield patron
    patron.dispose()


async def _send_all(
    base: str,
    key: str,
    requests: list[tuple[str, dict, str]],  # type: ignore[type-arg]
    concurrency: int,
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:

        async def one(path: str, body: dict, idem: str) -> httpx.Response:  # type: ignore[type-arg]
            async with gate:
                return await client.post(
                    path,
                    json=body,
                    headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem},
                )

        return await asyncio.gather(*(one(*r) for r in requests))


def _code(response: httpx.Response) -> str | None:
    return response.json().get("code") if response.status_code >= 400 else None


@pytest.mark.postgres
def test_concurrent_redemptions_never_spend_the_same_points_twice(pg: Patron) -> None:
    # given a member holding exactly 500 spendable points
    mid = member(pg, "rich")
    pg.run(adjust, Adjust(mid, 400, "test setup", "tests"))
    assert balance_of(pg, mid) == 500
    key = new_key(pg, "pos")
    # when 100 clients redeem 10 points each at the same time
    requests = [
        ("/v1/redemptions", {"member_id": mid, "points": 10}, str(uuid.uuid4())) for _ in range(100)
    ]
    with running_server(pg) as base:
        responses = asyncio.run(_send_all(base, key, requests, concurrency=100))
    # then exactly 50 succeed and 50 are refused for lack of points, each by the use case
    # itself (the member lock), none by a CHECK constraint caught as a generic 409
    # `conflict`; and nothing is left
    outcomes = Counter((r.status_code, _code(r)) for r in responses)
    assert outcomes == {(201, None): 50, (409, "insufficient_points"): 50}
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {(p["requested"], p["available"]) for p in refused} == {(10, 0)}
    assert balance_of(pg, mid) == 0
    assert_verified(pg)


@pytest.mark.postgres
def test_earn_requests_sent_three_times_credit_exactly_once(pg: Patron) -> None:
    # given 200 purchases, each sent three times at once under its own Idempotency-Key
    mid = member(pg, "shopper")
    key = new_key(pg, "pos")
    requests = []
    for i in range(200):
        body = {
            "member_id": mid,
            "order_id": f"o-{i}",
            "occurred_at": "2026-01-05T10:00:00Z",
            "currency": "EUR",
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}],
        }
        requests += [("/v1/purchases", body, f"earn-{i}")] * 3
    answers: dict[int, httpx.Response] = {}
    pending = list(range(len(requests)))
    with running_server(pg) as base:
        # when every send refused with 409 `idempotency_key_in_use` (its twin was still
        # running) is retried, as a client would, until none is refused
        for _ in range(20):
            sent = asyncio.run(_send_all(base, key, [requests[i] for i in pending], 48))
            answers.update(zip(pending, sent, strict=True))
            in_use = [r for r in sent if r.status_code == 409]
            assert {_code(r) for r in in_use} <= {"idempotency_key_in_use"}
            assert all(r.headers["Retry-After"] == "1" for r in in_use)
            pending = [i for i, r in zip(pending, sent, strict=True) if r.status_code == 409]
            if not pending:
                break
    # then every send ends with 201 and its key's purchase id; one per key was applied,
    # the other two are replays of its answer
    assert not pending
    assert Counter(r.status_code for r in answers.values()) == {201: 600}
    for i in range(200):
        sends = [answers[3 * i + k] for k in range(3)]
        assert {r.json()["order_id"] for r in sends} == {f"o-{i}"}
        assert len({r.json()["id"] for r in sends}) == 1
        replayed = Counter(r.headers.get("Idempotent-Replayed", "applied") for r in sends)
        assert replayed == {"applied": 1, "true": 2}
    assert len({r.json()["id"] for r in answers.values()}) == 200
    with pg.uow(readonly=True) as uow:
        found = uow.members.get(mid)
        assert found is not None and found.purchase_count == 200
    with pg.engine.connect() as conn:
        kinds = Counter(
            k
            for (k,) in conn.execute(
                select(ledger_entries.c.kind).where(ledger_entries.c.member_id == mid)
            )
        )
    assert kinds == {"welcome": 1, "earn": 200}
    assert_verified(pg)


def test_a_replay_sent_while_the_first_request_runs(
    patron: Patron, store_kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL answers the replay at once with 409 `idempotency_key_in_use`; SQLite's
    single writer makes it wait for the first request's commit and answers with the first
    request's answer (docs/api.md)."""
    # given a purchase request that stops inside its use case until released
    started, release = threading.Event(), threading.Event()

    def held(uow: UnitOfWork, command: Any) -> Any:
        if not started.is_set():  # the first request only
            started.set()
            assert release.wait(timeout=60), "the test never released the first request"
        return record_purchase(uow, command)

    mid = member(patron, "shopper")
    key = new_key(patron, "pos")
    monkeypatch.setattr(purchase_routes, "record_purchase", held)
    writes_begun = _count_write_transactions(patron, monkeypatch)
    body = {
        "member_id": mid,
        "order_id": "o-1",
        "occurred_at": "2025-12-30T10:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}],
    }
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "till-7-0001"}
    answers: dict[str, httpx.Response] = {}
    with running_server(patron) as base, httpx.Client(base_url=base, timeout=90) as client:

        def send(name: str) -> None:
            answers[name] = client.post("/v1/purchases", json=body, headers=headers)

        first = threading.Thread(target=send, args=("first",))
        first.start()
        assert started.wait(timeout=60)
        # when the same request is sent again while the first is still running
        if store_kind == "postgres":
            send("replay")
            release.set()
            first.join(timeout=60)
        else:
            replay = threading.Thread(target=send, args=("replay",))
            replay.start()
            assert writes_begun.acquire(timeout=60)  # the first request's transaction
            assert writes_begun.acquire(timeout=60)  # the replay's, now waiting on it
            release.set()
            first.join(timeout=60)
            replay.join(timeout=60)
        later = client.post("/v1/purchases", json=body, headers=headers)
    # then the first is applied once, and every later send gets its answer
    assert answers["first"].status_code == 201
    purchase_id = answers["first"].json()["id"]
    assert "Idempotent-Replayed" not in answers["first"].headers
    replay_answer = answers["replay"]
    if store_kind == "postgres":
        assert (replay_answer.status_code, _code(replay_answer)) == (409, "idempotency_key_in_use")
        assert replay_answer.headers["Retry-After"] == "1"
    else:
        assert _answer(replay_answer) == (201, purchase_id, "true")
    assert _answer(later) == (201, purchase_id, "true")
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
        assert found is not None and found.purchase_count == 1
    assert_verified(patron)


def _answer(response: httpx.Response) -> tuple[int, object, str | None]:
    """Status, purchase id (or the problem's code) and the Idempotent-Replayed header."""
    try:
        body = response.json()
    except ValueError:  # a 500 in plain text
        return response.status_code, response.text, None
    found = body.get("id") if response.status_code < 400 else body.get("code")
    return response.status_code, found, response.headers.get("Idempotent-Replayed")


def _count_write_transactions(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> threading.Semaphore:
    """A semaphore released each time the server opens a write transaction."""
    begun = threading.Semaphore(0)
    original: Callable[..., UnitOfWork] = patron.uow

    def uow(*, readonly: bool = False) -> UnitOfWork:
        if not readonly:
            begun.release()
        return original(readonly=readonly)

    monkeypatch.setattr(patron, "uow", uow)
    return begun
