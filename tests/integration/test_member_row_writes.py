"""Each use case writes a member's row once (services/balances.py, `Account`), however
many times it moves their points, and the row says what the use case did.

The example program (examples/program.toml): 1 point per EUR, welcome 100, referral 200
to both members on the friend's first purchase of at least 20.00, 14 days pending,
Silver from 500 EUR spent over 12 months; lots expire 24 months after they were earned.
The clock starts on 2026-01-01 09:00 UTC.

Not per use case: one rule of services/balances.py, held by every use case that moves
points, checked the same way (counting the UPDATEs) for each of them side by side; the use
cases' own tests are in tests/usecases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from patron.bootstrap import Patron
from patron.domain.member import Member
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Enroll,
    Expire,
    Redeem,
    ReevaluateTiers,
    Refund,
)
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from patron.services.tiers import reevaluate_tiers
from tests.conftest import Clock
from tests.integration.helpers import buy, member

pytestmark = pytest.mark.usefixtures("verified")


@contextmanager
def member_updates(patron: Patron) -> Iterator[list[str]]:
    """The UPDATE statements on `members` sent while the block runs."""
    sent: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE MEMBERS"):
            sent.append(statement)

    event.listen(patron.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(patron.engine, "before_cursor_execute", seen)


def row(patron: Patron, member_id: int) -> Member:
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
    assert found is not None
    return found


def owing(patron: Patron, clock: Clock) -> int:
    """A member who owes 200 points: 100 welcome + 200 earned on o-1 (200.00 EUR), all 300
    redeemed after the 14 pending days, then o-1 returned."""
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=300))
    patron.run(refund, Refund(o1.purchase_id))
    found = row(patron, mid)
    assert (found.balance, found.debt, found.lifetime_spend) == (0, 200, Decimal("0.00"))
    return mid


def test_an_earn_that_settles_a_debt_and_upgrades_writes_the_member_once(
    patron: Patron, clock: Clock
) -> None:
    # given a Bronze member who owes 200 points and has spent 200 - 200 = 0.00 net
    mid = owing(patron, clock)
    # when they buy for 600.00 EUR: 600 points, 200 of them paying the debt, and
    # 600.00 spent in the window lifts them to Silver
    with member_updates(patron) as sent:
        done = buy(patron, mid, "o-2", ("A", None, 1, "600.00"))
    # then the row was written once, with all of it
    assert len(sent) == 1
    after = row(patron, mid)
    assert (done.points_earned, done.tier) == (600, "Silver")
    assert (after.balance, after.debt, after.tier, after.tier_since) == (
        400,
        0,
        "Silver",
        datetime(2026, 1, 16, 9, 0),
    )
    assert (after.purchase_count, after.lifetime_spend) == (2, Decimal("600.00"))


def test_a_refund_that_leaves_a_debt_writes_the_member_once(patron: Patron, clock: Clock) -> None:
    # given 100 welcome + 200 earned on o-1, 300 redeemed
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=300))
    # when o-1 is returned: 200 points to take back, none left, all owed
    with member_updates(patron) as sent:
        done = patron.run(refund, Refund(o1.purchase_id))
    assert len(sent) == 1
    after = row(patron, mid)
    assert (done.debt, done.balance, after.balance, after.debt) == (200, 0, 0, 200)
    assert after.lifetime_spend == Decimal("0.00")


def test_a_cancelled_redemption_that_pays_a_debt_writes_the_member_once(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome + 200 (o-1) + 100 (o-2) earned, 300 redeemed, 100 left; o-1
    # returned takes the 100 and owes 100
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    buy(patron, mid, "o-2", ("A", None, 1, "100.00"))
    clock.advance(days=15)
    spent = patron.run(redeem, Redeem(mid, points=300))
    patron.run(refund, Refund(o1.purchase_id))
    assert (row(patron, mid).balance, row(patron, mid).debt) == (0, 100)
    # when the redemption is cancelled: 300 points back, 100 of them paying the debt
    with member_updates(patron) as sent:
        done = patron.run(cancel, CancelRedemption(spent.redemption_id, "till error"))
    assert len(sent) == 1
    after = row(patron, mid)
    assert (done.balance, after.balance, after.debt) == (200, 200, 0)


def test_a_redemption_an_adjustment_and_an_expiry_write_the_member_once_each(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome + 200 earned, spendable
    mid = member(patron)
    buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    with member_updates(patron) as sent:
        patron.run(redeem, Redeem(mid, points=120))
    assert (len(sent), row(patron, mid).balance) == (1, 180)
    with member_updates(patron) as sent:
        patron.run(adjust, Adjust(mid, -30, "goodwill reversed", "cli:ops"))
    assert (len(sent), row(patron, mid).balance) == (1, 150)
    # when the lots expire (24 months after 2026-01-01): all 150 burn
    with member_updates(patron) as sent:
        expire(patron.new_uow, Expire(datetime(2028, 2, 1)))
    assert (len(sent), row(patron, mid).balance) == (1, 0)


def test_a_referral_writes_each_member_once_at_the_enrolment_and_at_the_qualifying_purchase(
    patron: Patron,
) -> None:
    # given a referrer with 100 welcome points
    referrer = patron.run(enroll, Enroll("c-1")).member
    # when c-2 enrolls with their code: 100 welcome, nothing yet to the referrer
    with member_updates(patron) as sent:
        done = patron.run(enroll, Enroll("c-2", referral_code=referrer.referral_code))
    # then only the new member's row (inserted with 0) is updated, once
    assert len(sent) == 1
    assert (done.member.balance, row(patron, done.member.id).balance) == (100, 100)
    assert str(done.member.lifetime_spend) == "0.00"
    assert row(patron, referrer.id).balance == 100
    # when c-2's first purchase (30.00) qualifies: 30 + 200 to them, 200 to the referrer
    with member_updates(patron) as sent:
        buy(patron, done.member.id, "o-1", ("A", None, 1, "30.00"))
    # then each row is updated once
    assert len(sent) == 2
    assert (row(patron, done.member.id).balance, row(patron, referrer.id).balance) == (330, 300)


def test_a_tier_reevaluation_writes_a_member_once_and_only_when_it_moves(
    patron: Patron, clock: Clock
) -> None:
    # given a Silver member (600.00 spent on 2026-01-01) and a Bronze one
    silver = member(patron, "c-1")
    buy(patron, silver, "o-1", ("A", None, 1, "600.00"))
    member(patron, "c-2")
    # when tiers are re-evaluated 13 months later: the purchase left the window
    with member_updates(patron) as sent:
        report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 2, 1)))
    assert (report.downgraded, len(sent)) == (1, 1)
    assert (row(patron, silver).tier, row(patron, silver).tier_since) == (
        "Bronze",
        datetime(2027, 2, 1),
    )
