"""Every use case on SQLite and on PostgreSQL, with `verify` after each scenario."""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import (
    Conflict,
    InsufficientPoints,
    InvalidInput,
    NoProgram,
)
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Enroll,
    Expire,
    Redeem,
    ReevaluateTiers,
)
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.queries import balance
from patron.services.redeem import cancel, quote, redeem
from patron.services.tiers import reevaluate_tiers
from tests.conftest import Clock
from tests.integration.helpers import balance_of, buy, lots_of, member

pytestmark = pytest.mark.usefixtures("verified")


def test_a_big_purchase_upgrades_the_tier_at_once(patron: Patron) -> None:
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", "electronics", 1, "600.00"))
    second = buy(patron, mid, "o-2", ("TV", "electronics", 1, "100.00"))
    assert second.tier == "Silver"
    assert second.points_earned == 125  # Silver earns x1.25


def test_redeem_a_reward_and_cancel_it_back_into_the_original_lots(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome points (1 Jan 2026, expiring 1 Jan 2028) and 200 points earned
    # on 10 Feb 2026 (expiring 10 Feb 2028), both spendable by 25 Feb
    mid = member(patron)
    clock.advance(days=40)
    buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    [(welcome, _, _), (earned, _, _)] = lots_of(patron, mid)
    q = patron.read(quote, Redeem(mid, reward_id="coffee"))
    assert (q.points, q.spendable) == (150, 300)
    # when a coffee (150 points) is redeemed: the welcome lot expires first, so it gives
    # all its 100 points and the purchase's lot the other 50
    done = patron.run(redeem, Redeem(mid, reward_id="coffee"))
    assert done.balance == 150
    assert lots_of(patron, mid) == [(earned, 150, datetime(2028, 2, 10, 9, 0))]
    # and the redemption is cancelled a year later
    clock.advance(days=365)
    cancelled = patron.run(cancel, CancelRedemption(done.redemption_id))
    # then the points are back in the very lots they came from, with the original expiry
    # dates (not in a new lot expiring 24 months after the cancellation)
    assert (cancelled.status, cancelled.balance) == ("cancelled", 300)
    assert lots_of(patron, mid) == [
        (welcome, 100, datetime(2028, 1, 1, 9, 0)),
        (earned, 200, datetime(2028, 2, 10, 9, 0)),
    ]
    with pytest.raises(Conflict, match="already cancelled"):
        patron.run(cancel, CancelRedemption(done.redemption_id))
    # and the restored welcome points burn on their own date
    assert expire(patron.new_uow, Expire(datetime(2028, 1, 2))).points_expired == 100


def test_adjustments_are_audited_and_cannot_go_below_zero(patron: Patron) -> None:
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 500, "goodwill", "alice"))
    patron.run(adjust, Adjust(mid, -550, "correction", "bob"))
    assert balance_of(patron, mid) == 50
    with pytest.raises(InsufficientPoints):
        patron.run(adjust, Adjust(mid, -51, "too much", "bob"))
    with pytest.raises(InvalidInput, match="reason"):
        patron.run(adjust, Adjust(mid, 5, " ", "bob"))
    with patron.uow(readonly=True) as uow:
        audit = uow.audit.for_member(mid)
    assert [(a.actor, a.reason, a.details["points"]) for a in audit] == [
        ("alice", "goodwill", 500),
        ("bob", "correction", -550),
    ]


def test_expiry_burns_old_points_once_and_warns_before(patron: Patron, clock: Clock) -> None:
    mid = member(patron)  # 100 welcome points, expire 2028-01-01
    report = expire(patron.new_uow, Expire(datetime(2027, 12, 10)))
    assert (report.points_expired, report.warnings) == (0, 1)
    first = expire(patron.new_uow, Expire(datetime(2028, 1, 2)))
    again = expire(patron.new_uow, Expire(datetime(2028, 1, 2)))
    assert (first.points_expired, again.points_expired) == (100, 0)
    assert balance_of(patron, mid) == 0
    with patron.uow(readonly=True) as uow:
        types = [e.type for e in uow.outbox.for_member(mid)]
    assert types.count("points.expiring_soon") == 1 and types.count("points.expired") == 1


def test_reevaluation_downgrades_members_whose_window_emptied(patron: Patron) -> None:
    mid = member(patron)
    buy(patron, mid, "o-1", ("TV", None, 1, "700.00"))
    assert patron.read(balance, mid).tier == "Silver"
    report = reevaluate_tiers(patron.new_uow, ReevaluateTiers(datetime(2027, 6, 1)))
    assert report.downgraded == 1
    assert patron.read(balance, mid).tier == "Bronze"


def test_nothing_works_without_a_program(store_kind: str, tmp_path, clock, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_patron

    empty = make_patron(store_kind, tmp_path / "empty", clock, request)
    try:
        with pytest.raises(NoProgram, match="^no program is loaded$"):
            empty.run(enroll, Enroll("c-1"))
    finally:
        empty.dispose()
