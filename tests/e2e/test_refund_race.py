"""Concurrent refunds, referrals and redemptions of a reward's last unit on real
PostgreSQL, over concurrent connections.

Each thread runs its use case in its own transaction on its own pooled connection, and
a barrier releases them together, so they meet inside the database as two points of sale
would. Before the fix, two refunds of different lines of one purchase ended with only
one counted in `refunded_total` (20 of 20 trials), and referrals had neither a lock on
the referrer nor a cap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from patron.bootstrap import Patron
from patron.services import redeem as redeem_module
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Enroll, Redeem, ReevaluateTiers, Refund, ReturnLine
from patron.services.enroll import Enrolled, enroll
from patron.services.redeem import Redeemed, redeem
from patron.services.refund import refund
from patron.services.tiers import reevaluate_tiers
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example, make_patron
from tests.integration.helpers import assert_verified, balance_of, buy, member

pytestmark = pytest.mark.postgres

T = TypeVar("T")


@pytest.fixture
def pg(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Patron]:
    patron = make_patron("postgres", tmp_path, Clock(), request, pool_size=8)
    yield patron
    patron.dispose()


def _together(calls: list[Callable[[], T]]) -> list[T]:
    """Run the calls on as many threads, released at once by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_refunds_of_different_lines_of_one_purchase_both_count(pg: Patron) -> None:
    load_example(pg)
    for trial in range(10):
        mid = member(pg, f"c-{trial}")
        p = buy(pg, mid, f"o-{trial}", ("A", None, 1, "50.00"), ("B", None, 1, "20.00"))
        done = _together(
            [
                lambda pid=p.purchase_id: pg.run(refund, Refund(pid, (ReturnLine(1, 1),))),
                lambda pid=p.purchase_id: pg.run(refund, Refund(pid, (ReturnLine(2, 1),))),
            ]
        )
        assert sorted(r.amount for r in done) == [Decimal("20.00"), Decimal("50.00")]
        with pg.uow(readonly=True) as uow:
            row = uow.purchases.get(p.purchase_id)
            found = uow.members.get(mid)
        assert row is not None and found is not None
        assert Decimal(str(row.refunded_total)) == Decimal("70.00"), f"trial {trial}"
        assert found.lifetime_spend == Decimal("0.00"), f"trial {trial}"
        # 70 points earned (Bronze, 1 per euro), all taken back: the welcome 100 is left
        assert found.balance == 100
    assert_verified(pg)


def test_members_who_returned_everything_concurrently_fall_back_to_bronze(pg: Patron) -> None:
    # 1,600 EUR lifts each member to Gold (1,500); both lines come back at the same time
    load_example(pg)
    mids = [member(pg, f"c-{i}") for i in range(5)]
    calls: list[Callable[[], object]] = []
    for i, mid in enumerate(mids):
        p = buy(pg, mid, f"o-{i}", ("A", None, 1, "1000.00"), ("B", None, 1, "600.00"))
        assert p.tier == "Gold"
        for line in (1, 2):
            calls.append(
                lambda pid=p.purchase_id, n=line: pg.run(refund, Refund(pid, (ReturnLine(n, 1),)))
            )
    _together(calls)
    report = reevaluate_tiers(pg.new_uow, ReevaluateTiers(as_of=pg.clock()))
    assert (report.members, report.downgraded) == (5, 5)
    with pg.uow(readonly=True) as uow:
        tiers = [m.tier for m in (uow.members.get(mid) for mid in mids) if m is not None]
    assert tiers == ["Bronze"] * 5
    assert_verified(pg)


def test_concurrent_enrollments_and_purchases_with_one_code_pay_at_most_the_cap(
    pg: Patron,
) -> None:
    # the example program (referrals of 200 each, on a purchase of at least 20.00) with at
    # most 5 rewards per referrer in all
    source = EXAMPLE_PROGRAM.read_text().replace("max_total = 20 ", "max_total = 5 ")
    assert "max_total = 5 " in source
    load_example(pg, source)
    referrer = pg.run(enroll, Enroll("ref")).member
    code = referrer.referral_code

    def newcomer(i: int) -> Callable[[], Enrolled]:
        return lambda: pg.run(enroll, Enroll(f"new-{i}", referral_code=code))

    done = _together([newcomer(i) for i in range(20)])
    assert all(e.member.referred_by == referrer.id for e in done)
    # every friend's first purchase (30.00) at once: 5 pay the referrer
    _together(
        [
            lambda e=e: buy(pg, e.member.id, f"o-{e.member.id}", ("A", None, 1, "30.00"))
            for e in done
        ]
    )
    # 100 welcome + 5 referrals of 200, pending (uncapped and unlocked: 20 x 200 = 4,000)
    assert balance_of(pg, referrer.id) == 1100
    assert sorted(balance_of(pg, e.member.id) for e in done) == [130] * 15 + [330] * 5
    assert_verified(pg)


def test_two_members_redeeming_the_last_unit_of_a_reward_leave_it_to_one(
    pg: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a coffee (150 points) with one unit left and two members holding 200 points
    source = EXAMPLE_PROGRAM.read_text().replace("cost = 0.80 ", "stock = 1\ncost = 0.80 ")
    assert "stock = 1" in source
    load_example(pg, source)
    mids = [member(pg, f"c-{i}") for i in range(2)]
    for mid in mids:
        pg.run(adjust, Adjust(mid, 100, "test setup", "tests"))
    # and each redemption, once it has read the reward, waits (at most 2 s) for the other
    # to have read it too: without the reward's row lock both would read one unit left
    real, entered, gate = redeem_module.allocate_spend, [0], threading.Condition()

    def after_the_other(*args: Any) -> Any:
        with gate:
            entered[0] += 1
            gate.notify_all()
            gate.wait_for(lambda: entered[0] >= 2, timeout=2)
        return real(*args)

    monkeypatch.setattr(redeem_module, "allocate_spend", after_the_other)

    def attempt(mid: int) -> Callable[[], object]:
        def call() -> object:
            try:
                return pg.run(redeem, Redeem(mid, reward_id="coffee"))
            except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
                return exc

        return call

    # when both redeem at once
    outcomes = _together([attempt(mid) for mid in mids])
    # then one gets the coffee and the other is told it is out of stock by the use case
    # (not by the CHECK constraint on the stock), and only the winner paid
    assert sorted(type(o).__name__ for o in outcomes) == ["Redeemed", "RewardUnavailable"]
    winner = next(o for o in outcomes if isinstance(o, Redeemed))
    with pg.uow(readonly=True) as uow:
        coffee = uow.rewards.get("coffee")
    assert coffee is not None and coffee.stock == 0
    assert sorted(balance_of(pg, mid) for mid in mids) == [50, 200]
    assert balance_of(pg, winner.member_id) == 50
    assert_verified(pg)
