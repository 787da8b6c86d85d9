"""A redemption's `transaction_id` (the till's own id for the sale) is unique per member,
whatever API key sends it (docs/api.md, "Redemptions"): a till that fails over to its
second key and sends the redemption again gets the first one back, never a second spend.

Idempotency keys cannot do this: they are scoped to the API key that sent them, so the
same request under another key is a new request (test_api.py,
test_keys_are_scoped_to_the_api_key_that_sent_them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from patron.bootstrap import Patron
from patron.domain.clock import utcnow
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.store.tables import ledger_entries
from tests.conftest import Clock, load_example, make_patron, new_key
from tests.e2e.conftest import Api
from tests.e2e.server import running_server
from tests.integration.helpers import assert_verified, balance_of, member

SALE = "till-7-000123"


def rich_member(patron: Patron, external_id: str = "c-1") -> int:
    """A member holding 1000 spendable points (100 welcome + 900 adjusted)."""
    mid = member(patron, external_id)
    patron.run(adjust, Adjust(mid, 900, "test setup", "tests"))
    assert balance_of(patron, mid) == 1000
    return mid


def redeem_entries(patron: Patron, mid: int) -> int:
    with patron.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(ledger_entries)
                .where(ledger_entries.c.member_id == mid, ledger_entries.c.kind == "redeem")
            ).scalar_one()
        )


def test_a_redemption_sent_again_through_another_key_answers_the_first_and_spends_once(
    pos: Api, patron: Patron
) -> None:
    # given a member with 1000 points and a till holding two API keys
    mid = rich_member(patron)
    second_key = new_key(patron, "pos")
    body = {"member_id": mid, "points": 300, "transaction_id": SALE}
    # when the till redeems 300 points through its first key, then sends the same
    # redemption again through its second key (another Idempotency-Key too)
    first = pos.post("/v1/redemptions", body)
    again = pos.post("/v1/redemptions", body, key=second_key)
    # then the first is applied (201) and the second answers with it (200): same
    # redemption, 300 points spent once
    assert first.status_code == 201, first.text
    expected = {
        "id": first.json()["id"],
        "member_id": mid,
        "reward_id": None,
        "points": 300,
        "value": "3.00",
        "currency": "EUR",
        "balance": 700,
        "status": "completed",
        "transaction_id": SALE,
        "voucher": None,  # a discount in points: no code (a discount reward has one)
    }
    assert first.json() == expected
    assert again.status_code == 200, again.text
    assert again.json() == expected
    assert "Idempotent-Replayed" not in again.headers  # not the idempotency mechanism
    assert balance_of(patron, mid) == 700
    assert redeem_entries(patron, mid) == 1
    assert_verified(patron)


def test_the_same_transaction_id_with_other_terms_is_refused_and_spends_nothing(
    pos: Api, patron: Patron
) -> None:
    mid = rich_member(patron)
    second_key = new_key(patron, "pos")
    first = pos.post("/v1/redemptions", {"member_id": mid, "points": 300, "transaction_id": SALE})
    assert first.status_code == 201, first.text
    for other in ({"points": 400}, {"reward_id": "coffee"}):
        refused = pos.post(
            "/v1/redemptions", {"member_id": mid, "transaction_id": SALE, **other}, key=second_key
        )
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert refused.headers["content-type"] == "application/problem+json"
        assert problem["code"] == "transaction_id_reused"
        assert f"redemption {first.json()['id']}" in problem["detail"]
        assert "300 points" in problem["detail"]
    assert balance_of(patron, mid) == 700
    assert redeem_entries(patron, mid) == 1
    assert_verified(patron)


def test_a_transaction_id_is_unique_per_member_not_across_members(pos: Api, patron: Patron) -> None:
    ann, bob = rich_member(patron, "ann"), rich_member(patron, "bob")
    for mid in (ann, bob):
        answer = pos.post(
            "/v1/redemptions", {"member_id": mid, "reward_id": "coffee", "transaction_id": SALE}
        )
        assert (answer.status_code, answer.json()["balance"]) == (201, 850)  # 1000 - 150


def test_redemptions_without_a_transaction_id_are_each_applied(pos: Api, patron: Patron) -> None:
    mid = rich_member(patron)
    for _ in range(2):
        assert pos.post("/v1/redemptions", {"member_id": mid, "points": 300}).status_code == 201
    assert balance_of(patron, mid) == 400


def test_the_first_redemption_is_answered_even_once_the_points_are_gone_or_given_back(
    pos: Api, patron: Patron
) -> None:
    mid = rich_member(patron)
    second_key = new_key(patron, "pos")
    body = {"member_id": mid, "points": 300, "transaction_id": SALE}
    first = pos.post("/v1/redemptions", body).json()
    # the other 700 points are spent at another till
    assert pos.post("/v1/redemptions", {"member_id": mid, "points": 700}).status_code == 201
    # a late retry of the first sale is not refused for lack of points: it was applied
    late = pos.post("/v1/redemptions", body, key=second_key)
    assert (late.status_code, late.json()["id"], late.json()["balance"]) == (200, first["id"], 0)
    # once cancelled, a retry answers the cancelled redemption and spends nothing again
    cancelled = pos.post(f"/v1/redemptions/{first['id']}/cancel", {})
    assert cancelled.json()["transaction_id"] == SALE
    after = pos.post("/v1/redemptions", body, key=second_key)
    assert after.status_code == 200
    assert (after.json()["id"], after.json()["status"], after.json()["balance"]) == (
        first["id"],
        "cancelled",
        300,
    )
    assert balance_of(patron, mid) == 300
    assert_verified(patron)


def test_a_quote_ignores_the_transaction_id(pos: Api, patron: Patron) -> None:
    mid = rich_member(patron)
    body = {"member_id": mid, "points": 300, "transaction_id": SALE}
    assert pos.post("/v1/redemptions", body).status_code == 201
    quote = pos.post("/v1/redemptions/quote", body, idem=None)
    assert (quote.status_code, quote.json()["spendable"]) == (200, 700)


@pytest.fixture
def pg(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    patron = make_patron("postgres", tmp_path, Clock(), request, pool_size=10)
    patron.clock = utcnow  # the server runs in real time
    load_example(patron)
    yield patron
    patron.dispose()


async def _send_at_once(base: str, sends: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    """POST every (API key, body) to /v1/redemptions at the same time, each with its own
    Idempotency-Key."""
    limits = httpx.Limits(max_connections=len(sends))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        return await asyncio.gather(
            *(
                client.post(
                    "/v1/redemptions",
                    json=body,
                    headers={
                        "Authorization": f"Bearer {key}",
                        "Idempotency-Key": str(uuid.uuid4()),
                    },
                )
                for key, body in sends
            )
        )


@pytest.mark.postgres
def test_one_sale_sent_at_once_through_two_keys_spends_once(pg: Patron) -> None:
    # given a member with 1000 points and two keys of one till
    mid = rich_member(pg)
    keys = [new_key(pg, "pos"), new_key(pg, "pos")]
    body = {"member_id": mid, "points": 300, "transaction_id": SALE}
    # when the same sale is sent 20 times at once, 10 through each key
    with running_server(pg) as base:
        answers = asyncio.run(_send_at_once(base, [(keys[i % 2], body) for i in range(20)]))
    # then one send applies it and the 19 others answer with it: 300 points spent once
    assert Counter(r.status_code for r in answers) == {201: 1, 200: 19}, [
        r.text for r in answers if r.status_code >= 400
    ]
    assert len({r.json()["id"] for r in answers}) == 1
    assert {r.json()["balance"] for r in answers} == {700}
    assert balance_of(pg, mid) == 700
    assert redeem_entries(pg, mid) == 1
    assert_verified(pg)


def test_a_reward_redemption_sent_again_answers_the_first_and_a_changed_one_names_both(
    pos: Api, patron: Patron
) -> None:
    mid = rich_member(patron)
    second_key = new_key(patron, "pos")
    body = {"member_id": mid, "reward_id": "coffee", "transaction_id": SALE}
    first = pos.post("/v1/redemptions", body)
    assert first.status_code == 201, first.text
    again = pos.post("/v1/redemptions", body, key=second_key)
    assert again.status_code == 200, again.text
    assert (again.json()["id"], again.json()["reward_id"], again.json()["points"]) == (
        first.json()["id"],
        "coffee",
        150,
    )
    changed = pos.post(
        "/v1/redemptions",
        {"member_id": mid, "reward_id": "ten-off", "transaction_id": SALE},
        key=second_key,
    )
    assert changed.status_code == 409
    detail = changed.json()["detail"]
    assert "(reward 'coffee'); this request asks for reward 'ten-off'" in detail
    assert balance_of(patron, mid) == 850  # one coffee: 1000 - 150
    assert redeem_entries(patron, mid) == 1
