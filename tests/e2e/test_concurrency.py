"""Real concurrent HTTP clients against a real server on PostgreSQL (DESIGN.md §4)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from patron.bootstrap import Patron
from patron.domain.clock import utcnow
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.store.tables import ledger_entries
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example, make_patron, new_key
from tests.e2e.server import running_server
from tests.integration.helpers import assert_verified, balance_of, member

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Patron]:
    patron = make_patron("postgres", tmp_path, Clock(), request, pool_size=20)
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
    # then exactly 50 succeed, 50 are refused with 409, and nothing is left
    assert Counter(r.status_code for r in responses) == {201: 50, 409: 50}
    assert balance_of(pg, mid) == 0
    assert_verified(pg)


def test_earn_requests_sent_three_times_credit_exactly_once(pg: Patron) -> None:
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
    with running_server(pg) as base:
        responses = asyncio.run(_send_all(base, key, requests, concurrency=48))
        # a send refused with 409 (first still running) is retried, as a client would
        retry = [r for r, resp in zip(requests, responses, strict=True) if resp.status_code == 409]
        responses += asyncio.run(_send_all(base, key, retry, concurrency=16))
    assert {r.status_code for r in responses} <= {201, 409}
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
