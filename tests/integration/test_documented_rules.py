"""The rules docs/program.md and docs/ledger.md state with an example, each checked as
written (issue 9, point 20), on SQLite and PostgreSQL.

The example program is loaded unless a test loads its own: 1 point per EUR, Bronze 0 /
Silver 500 (x1.25) / Gold 1500 (x1.5) over 12 months, welcome 100, referral 200 each on
the friend's first purchase of at least 20.00, 14 days
pending, lots expire 24 months after they were earned, warn 30 days, min 100 points,
0.01 EUR a point, at most half a basket. The test clock starts at 2026-01-01 09:00.

Not per use case: the tests follow the documents' sections, so a change to a rule in
docs/ledger.md or docs/program.md and its check are found in one place; several rules
span use cases (a refund's debt settled by a cancellation or a referral). The tests of each
use case are in tests/usecases.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.cli.common import parse_as_of
from patron.domain.errors import Conflict, InvalidInput
from patron.domain.lots import add_months
from patron.services.commands import (
    CancelRedemption,
    Enroll,
    Expire,
    Redeem,
    ReevaluateTiers,
    Refund,
    ReturnLine,
)
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.queries import balance
from patron.services.redeem import cancel, quote, redeem
from patron.services.refund import refund
from patron.services.tiers import reevaluate_tiers
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example
from tests.integration.helpers import balance_of, buy, member

pytestmark = pytest.mark.usefixtures("verified")


def _lots(patron: Patron, member_id: int) -> list[tuple[int, datetime, datetime, datetime | None]]:
    with patron.uow(readonly=True) as uow:
        return [
            (lot.remaining, lot.earned_at, lot.available_at, lot.expires_at)
            for lot in uow.ledger.open_lots(member_id)
        ]


def _settlements(patron: Patron, member_id: int) -> list[int]:
    with patron.uow(readonly=True) as uow:
        entries = uow.ledger.entries(member_id, 50, None)
    return [int(e.points) for e in entries if e.kind == "debt_settlement"]


# ledger.md, Expiry: a moment; --as-of D is D 00:00 UTC; burns at or before it


def test_a_lot_expires_at_its_moment_and_expire_as_of_a_day_burns_up_to_its_start(
    patron: Patron, clock: Clock
) -> None:
    first = member(patron, "c-1")  # earned 2026-01-01 09:00
    second = member(patron, "c-2", enrolled_at=datetime(2026, 1, 2, 0, 0))
    assert _lots(patron, first)[0][3] == datetime(2028, 1, 1, 9, 0)
    clock.now = datetime(2028, 1, 1, 8, 59)
    assert patron.read(balance, first).points == 100
    clock.now = datetime(2028, 1, 1, 9, 0)  # from its moment it cannot be spent
    view = patron.read(balance, first)
    assert (view.points, view.total) == (0, 100)
    assert parse_as_of("2028-01-01") == datetime(2028, 1, 1, 0, 0)
    assert expire(patron.new_uow, Expire(parse_as_of("2028-01-01"))).points_expired == 0
    clock.now = datetime(2028, 1, 2, 9, 0)
    # the run for 2028-01-02 burns the lot of 09:00 the day before and the one of 00:00
    report = expire(patron.new_uow, Expire(parse_as_of("2028-01-02")))
    assert (report.members, report.points_expired) == (2, 200)
    assert (balance_of(patron, first), balance_of(patron, second)) == (0, 0)


# program.md, Months: clipped to the month's end


def test_months_are_clipped_to_the_months_end(patron: Patron) -> None:
    assert add_months(datetime(2026, 1, 31, 10, 0), 1) == datetime(2026, 2, 28, 10, 0)
    assert add_months(datetime(2028, 1, 31, 10, 0), 1) == datetime(2028, 2, 29, 10, 0)
    mid = member(patron, enrolled_at=datetime(2024, 2, 29, 10, 0))
    assert _lots(patron, mid)[0][3] == datetime(2026, 2, 28, 10, 0)


# ledger.md, expiring: before now + max(warn_days, 90) days, by expiry date


def test_expiring_lists_the_points_expiring_before_now_plus_90_days(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron, enrolled_at=datetime(2024, 3, 1, 9, 0))  # expires 2026-03-01 09:00
    buy(patron, mid, "in", ("A", None, 1, "50.00"), at=datetime(2024, 4, 1, 8, 59))
    buy(patron, mid, "out", ("A", None, 1, "70.00"), at=datetime(2024, 4, 1, 9, 0))
    # now 2026-01-01 09:00; + 90 days = 2026-04-01 09:00
    assert patron.read(balance, mid).expiring == [(date(2026, 3, 1), 100), (date(2026, 4, 1), 50)]


# program.md, Redemption limits


def test_a_quote_refuses_under_the_minimum_and_over_the_basket_share(patron: Patron) -> None:
    mid = member(patron)  # 100 spendable
    with pytest.raises(InvalidInput, match="at least 100 points"):
        patron.read(quote, Redeem(mid, points=99))
    ok = patron.read(quote, Redeem(mid, points=100, basket_total=Decimal("2.00")))
    assert (ok.points, ok.value, ok.spendable, ok.max_points) == (100, Decimal("1.00"), 100, 100)
    with pytest.raises(InvalidInput, match="basket"):
        patron.read(quote, Redeem(mid, points=101, basket_total=Decimal("2.00")))
    short = patron.read(quote, Redeem(mid, points=500))  # not refused: spendable says 100
    assert (short.points, short.spendable, short.max_points) == (500, 100, None)


def test_max_points_is_the_basket_cap_or_the_spendable_points(patron: Patron) -> None:
    mid = member(patron)
    small = patron.read(quote, Redeem(mid, reward_id="coffee", basket_total=Decimal("1.99")))
    assert small.max_points == 99  # 1.99 x 0.5 / 0.01 = 99.5, floored; under the minimum
    big = patron.read(quote, Redeem(mid, reward_id="coffee", basket_total=Decimal("1000")))
    assert big.max_points == 100  # the spendable points


# ledger.md, Refund: a refund's debt is its own shortfall


def test_a_refunds_debt_is_its_own_shortfall(patron: Patron, clock: Clock) -> None:
    mid = member(patron)
    a = buy(patron, mid, "o-a", ("A", None, 1, "200.00"))
    b = buy(patron, mid, "o-b", ("B", None, 1, "100.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=400))
    assert patron.run(refund, Refund(a.purchase_id)).debt == 200
    assert patron.run(refund, Refund(b.purchase_id)).debt == 100
    assert patron.read(balance, mid).debt == 300


# program.md, Tiers


def test_next_tier_after_a_downgrade_counts_from_the_new_tier(patron: Patron, clock: Clock) -> None:
    mid = member(patron)
    assert buy(patron, mid, "o-1", ("A", None, 1, "1600.00")).tier == "Gold"
    clock.now = datetime(2026, 12, 1, 9, 0)
    buy(patron, mid, "o-2", ("A", None, 1, "600.00"))
    clock.now = datetime(2027, 1, 15, 9, 0)
    reevaluate_tiers(patron.new_uow, ReevaluateTiers(clock.now))
    view = patron.read(balance, mid)
    assert (view.tier, view.qualifying, view.next_tier, view.needed_for_next_tier) == (
        "Silver",
        600,
        "Gold",
        900,
    )


def test_the_purchase_that_upgrades_is_scored_at_the_old_tier(patron: Patron) -> None:
    mid = member(patron)
    upgrading = buy(patron, mid, "o-1", ("A", None, 1, "600.00"))
    assert (upgrading.points_earned, upgrading.tier) == (600, "Silver")
    assert buy(patron, mid, "o-2", ("A", None, 1, "100.00")).points_earned == 125


def test_refunds_count_at_the_purchases_date_for_a_points_basis_tier(
    patron: Patron, clock: Clock
) -> None:
    load_example(patron, EXAMPLE_PROGRAM.read_text().replace('"spend"', '"points"', 1))
    mid = member(patron)  # the 100 welcome points do not qualify
    p = buy(patron, mid, "o-1", ("A", None, 3, "200.00"))
    assert (p.points_earned, p.tier) == (600, "Silver")
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=700))
    back = patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 1),)))
    assert (back.points_taken_back, back.debt) == (200, 200)  # all of it owed
    assert patron.read(balance, mid).qualifying == 400
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(clock.now))
    assert report.downgraded == 1 and patron.read(balance, mid).tier == "Bronze"


# ledger.md, Balances, spend and dates


def test_lifetime_spend_is_net_of_refunds(patron: Patron) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 1, "70.00"), ("B", None, 1, "30.00"))
    patron.run(refund, Refund(p.purchase_id, (ReturnLine(2, 1),)))
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
    assert found is not None and found.lifetime_spend == Decimal("70.00")


def test_enrolled_at_dates_the_welcome_lot_and_the_tier_and_may_not_be_ahead(
    patron: Patron, clock: Clock
) -> None:
    now = patron.run(enroll, Enroll("c-now")).member
    assert (now.enrolled_at, now.tier_since) == (clock.now, clock.now)
    past = patron.run(enroll, Enroll("c-past", enrolled_at=datetime(2025, 3, 1, 12))).member
    assert (past.enrolled_at, past.tier_since) == (datetime(2025, 3, 1, 12),) * 2
    when = datetime(2025, 3, 1, 12)
    assert _lots(patron, past.id) == [(100, when, when, datetime(2027, 3, 1, 12))]
    day_ahead = patron.run(enroll, Enroll("c-soon", enrolled_at=datetime(2026, 1, 2, 9))).member
    assert day_ahead.enrolled_at == datetime(2026, 1, 2, 9)
    with pytest.raises(InvalidInput, match=r"enrolled_at 2026-01-02T09:01:00 \(UTC\) is more"):
        patron.run(enroll, Enroll("c-late", enrolled_at=datetime(2026, 1, 2, 9, 1)))
    with patron.uow(readonly=True) as uow:
        assert (uow.members.count(), uow.members.by_external_id("c-late")) == (3, None)


def test_referral_points_come_with_the_friends_qualifying_purchase_and_pay_a_debt_first(
    patron: Patron, clock: Clock
) -> None:
    # given a referrer who owes 150 points (spent, then the purchase was returned)
    referrer = patron.run(enroll, Enroll("c-1")).member
    p = buy(patron, referrer.id, "o-1", ("A", None, 1, "150.00"))
    clock.now = datetime(2026, 1, 16, 9, 0)
    patron.run(redeem, Redeem(referrer.id, points=250))
    assert patron.run(refund, Refund(p.purchase_id)).debt == 150
    # when a friend enrolls with their code: nothing is credited yet
    friend = patron.run(enroll, Enroll("c-2", referral_code=referrer.referral_code)).member
    assert patron.read(balance, referrer.id).debt == 150
    # when the friend's first purchase of at least 20.00 is made
    when = datetime(2026, 1, 16, 9, 0)
    buy(patron, friend.id, "o-2", ("A", None, 1, "30.00"))
    # then the referrer's 200, dated at it and pending for its 14 days, pay the debt first
    assert _lots(patron, referrer.id) == [
        (50, when, datetime(2026, 1, 30, 9, 0), datetime(2028, 1, 16, 9, 0))
    ]
    view = patron.read(balance, referrer.id)
    assert (view.points, view.pending, view.debt, view.qualifying) == (0, 50, 0, 0)
    assert _settlements(patron, referrer.id) == [-150]


# ledger.md, Refund and debt settlement


def test_points_given_back_by_a_cancellation_first_settle_a_debt(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 1, "300.00"))
    clock.advance(days=15)
    done = patron.run(redeem, Redeem(mid, points=400))
    assert patron.run(refund, Refund(p.purchase_id)).debt == 300
    back = patron.run(cancel, CancelRedemption(done.redemption_id))
    assert back.balance == 100
    assert patron.read(balance, mid).debt == 0
    assert _settlements(patron, mid) == [-300]


def test_a_refund_takes_its_purchases_own_lot_even_expired_and_unburned(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 1, "300.00"))  # both lots expire 2028-01-01
    clock.now = datetime(2028, 1, 5, 9, 0)  # no expiry run yet
    back = patron.run(refund, Refund(p.purchase_id))
    assert (back.points_taken_back, back.debt, back.balance) == (300, 0, 100)
    assert expire(patron.new_uow, Expire(clock.now)).points_expired == 100


def test_refunding_a_fully_returned_purchase_is_refused_and_changes_nothing(
    patron: Patron,
) -> None:
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 1, "300.00"))
    patron.run(refund, Refund(p.purchase_id))
    with pytest.raises(Conflict, match="every line of this purchase has already been returned"):
        patron.run(refund, Refund(p.purchase_id))
    with pytest.raises(
        InvalidInput, match=r"lines\[0\]\.quantity: 1 asked, 0 of line 1 can still be returned"
    ):
        patron.run(refund, Refund(p.purchase_id, (ReturnLine(1, 1),)))
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
        assert found is not None
        assert (found.balance, found.debt, found.lifetime_spend) == (100, 0, 0)
