"""Races on fulfilled rewards, with real concurrent connections: threads, each running its
own unit of work (its own connection and transaction) through `Patron.run`.

- 100 members redeem a gift with a stock of 10 at once: exactly 10 get one, 90 are
  refused `reward_unavailable`, the stock ends at 0, never below (a conditional UPDATE
  checked by its row count: store/rewards.py `take_one`);
- 20 tills use one voucher at once for different sales: exactly one uses it, 19 are
  refused `voucher_used`; the same sale sent 20 times at once: one use, 19 answered with
  it (`repeated`).

PostgreSQL (READ COMMITTED, row locks) and SQLite (one writer at a time) alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Redeem
from patron.services.fulfil import UseVoucher, use
from patron.services.redeem import redeem
from tests.conftest import Clock, load_example, make_patron
from tests.integration.helpers import assert_verified, at_once, member, outcome

PROGRAM = """
name = "Races"
currency = "EUR"

[earning]
welcome_bonus = 500

[[rewards]]
id = "mug"
name = "A mug"
kind = "gift"
points = 200
cost = 2.50
stock = 10

[[rewards]]
id = "five-off"
name = "5 EUR off"
kind = "discount"
points = 300
cost = 5.00
"""


@pytest.fixture
def racing(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Patron]:
    patron = make_patron(store_kind, tmp_path, Clock(), request, pool_size=8)
    load_example(patron, PROGRAM)
    yield patron
    patron.dispose()


def test_100_concurrent_redemptions_never_take_more_than_the_stock(racing: Patron) -> None:
    # given 100 members with 500 points each and a mug with a stock of 10
    members = [member(racing, f"c-{i}") for i in range(100)]
    # when all of them redeem the mug at once
    results = at_once(100, lambda i: racing.run(redeem, Redeem(members[i], reward_id="mug")))
    # then exactly 10 get one and 90 are refused as out of stock, the stock is 0
    assert Counter(outcome(r) for r in results) == {"ok": 10, "reward_unavailable": 90}
    with racing.uow(readonly=True) as uow:
        mug = uow.rewards.get("mug")
        assert mug is not None and mug.stock == 0
        assert len(uow.fulfilments.waiting()) == 10
    assert_verified(racing)


def test_one_voucher_used_by_20_tills_at_once_is_used_once(racing: Patron) -> None:
    # given a member's 5 EUR voucher
    mid = member(racing)
    done = racing.run(redeem, Redeem(mid, reward_id="five-off"))
    assert done.voucher is not None
    code = done.voucher.code
    # when 20 tills use it at once, each for its own sale
    results = at_once(20, lambda i: racing.run(use, UseVoucher(code, f"sale-{i}", "till")))
    # then one uses it and 19 are refused as used
    assert Counter(outcome(r) for r in results) == {"ok": 1, "voucher_used": 19}
    [winner] = [r for r in results if not isinstance(r, PatronError)]
    with racing.uow(readonly=True) as uow:
        audits = [a for a in uow.audit.for_member(mid) if a.action == "voucher.used"]
    assert len(audits) == 1
    assert winner.transaction_id.startswith("sale-")


def test_the_same_use_sent_20_times_at_once_is_one_use_answered_20_times(racing: Patron) -> None:
    mid = member(racing)
    racing.run(adjust, Adjust(mid, 100, "setup", "tests"))
    done = racing.run(redeem, Redeem(mid, reward_id="five-off"))
    assert done.voucher is not None
    code = done.voucher.code
    results = at_once(20, lambda i: racing.run(use, UseVoucher(code, "sale-1", "till")))
    # every answer is the one use (one made it, 19 repeat it), all with the same moment
    assert all(not isinstance(r, PatronError) for r in results), results
    assert Counter(r.repeated for r in results) == {False: 1, True: 19}
    assert {(r.state, r.used_at, r.transaction_id) for r in results} == {
        ("used", results[0].used_at, "sale-1")
    }
