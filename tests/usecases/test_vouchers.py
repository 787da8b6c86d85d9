"""Rewards that are fulfilled (services/fulfil.py, docs/rewards.md): a discount's voucher
used once at the till, refused with its own code when unknown, used, expired or
cancelled; a gift handed over; the limit per member and period; the stock taken by a
conditional UPDATE; the totals of the causes. Both stores.

Elsewhere: concurrent uses and 100 concurrent redemptions of a stock on PostgreSQL
(tests/e2e/test_voucher_races.py); the API (tests/e2e/test_voucher_api.py); the stateful
ledger model (tests/integration/ledger_model.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import (
    RewardLimitReached,
    RewardUnavailable,
    VoucherCancelled,
    VoucherExpired,
    VoucherUnknown,
    VoucherUsed,
)
from patron.domain.fulfilment import ALPHABET, CODE_LENGTH
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.commands import Adjust, CancelRedemption, Redeem
from patron.services.fulfil import (
    HandOver,
    UseVoucher,
    cause_totals,
    check,
    hand_over,
    member_vouchers,
    use,
    waiting,
)
from patron.services.redeem import cancel, quote, redeem
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, buy, lots_of, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Fulfilment"
currency = "EUR"

[earning]
points_per_unit = 1
welcome_bonus = 100

[expiry]
months = 24

[redemption]
voucher_days = 30           # a discount's voucher is valid 30 days

[[rewards]]
id = "five-off"
name = "5 EUR off"
kind = "discount"
points = 500
cost = 5.00
value = 5.00
voucher_days = 10           # this one only 10

[[rewards]]
id = "ten-off"
name = "10 EUR off"
kind = "discount"
points = 900
cost = 10.00
value = 10.00

[[rewards]]
id = "mug"
name = "A mug"
kind = "gift"
points = 200
cost = 2.50
stock = 2

[[rewards]]
id = "wash"
name = "Car wash"
kind = "service"
points = 100
cost = 4.00
limit = 2
per = "month"

[[rewards]]
id = "trees"
name = "Plant a tree"
kind = "cause"
points = 100
cost = 1.20

[[rewards]]
id = "school"
name = "School books"
kind = "cause"
points = 300
cost = 2.00
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def rich(patron: Patron, external_id: str = "c-1", points: int = 1900) -> int:
    """A member with 100 welcome + `points` adjusted points."""
    mid = member(patron, external_id)
    patron.run(adjust, Adjust(mid, points, "test setup", "tests"))
    return mid


def test_a_discount_issues_a_voucher_used_once_then_refused_as_used(
    patron: Patron, clock: Clock
) -> None:
    # given a member who redeems 5 EUR off on 1 Jan 2026 09:00 (voucher_days = 10)
    mid = rich(patron)
    done = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    voucher = done.voucher
    assert voucher is not None
    # then the voucher has 12 characters of the alphabet and expires 10 days later
    assert len(voucher.code) == CODE_LENGTH and set(voucher.code) <= set(ALPHABET)
    assert voucher.expires_at == datetime(2026, 1, 11, 9, 0)
    assert (voucher.state, voucher.kind, voucher.redemption_id) == (
        "issued",
        "discount",
        done.redemption_id,
    )
    # when the till checks it typed in lower case with dashes, then uses it for sale s-1
    typed = "-".join([voucher.code[:4].lower(), voucher.code[4:8], voucher.code[8:]])
    assert patron.read(check, typed).state == "issued"
    clock.advance(hours=2)
    used = patron.run(use, UseVoucher(typed, "s-1", "apikey:till"))
    # then it is used at 11:00 by the till, audited; the same use again answers the same
    assert (used.state, used.used_at, used.transaction_id, used.repeated) == (
        "used",
        datetime(2026, 1, 1, 11, 0),
        "s-1",
        False,
    )
    again = patron.run(use, UseVoucher(voucher.code, "s-1", "apikey:till"))
    assert (again.state, again.used_at, again.repeated) == ("used", used.used_at, True)
    # and any other use is refused as used: another sale, or none named
    with pytest.raises(VoucherUsed):
        patron.run(use, UseVoucher(voucher.code, "s-2", "apikey:till"))
    with pytest.raises(VoucherUsed):
        patron.run(use, UseVoucher(voucher.code, None, "apikey:till"))
    with patron.uow(readonly=True) as uow:
        audits = [a for a in uow.audit.for_member(mid) if a.action == "voucher.used"]
    assert [(a.actor, a.details["redemption_id"]) for a in audits] == [
        ("apikey:till", done.redemption_id)
    ]
    # and a used voucher's redemption can no longer be cancelled: nothing changes
    before = balance_of(patron, mid)
    with pytest.raises(VoucherUsed):
        patron.run(cancel, CancelRedemption(done.redemption_id))
    assert balance_of(patron, mid) == before == 2000 - 500


def test_unknown_expired_and_cancelled_vouchers_are_refused_each_with_its_code(
    patron: Patron, clock: Clock
) -> None:
    mid = rich(patron)
    # unknown: a well-formed code nobody holds, and a malformed one
    for code in ("K7QM4XT9PR2W", "not a code", ""):
        with pytest.raises(VoucherUnknown) as unknown:
            patron.run(use, UseVoucher(code))
        assert unknown.value.code == "voucher_unknown"
    # expired: ten-off has the [redemption] default of 30 days, so at 1 Jan 09:00 + 30
    # days it expires; a second before it is still good (checked, not used)
    done = patron.run(redeem, Redeem(mid, reward_id="ten-off"))
    assert done.voucher is not None
    code = done.voucher.code
    assert done.voucher.expires_at == datetime(2026, 1, 31, 9, 0)
    clock.advance(days=30, seconds=-1)
    assert patron.read(check, code).state == "issued"
    clock.advance(seconds=1)
    assert patron.read(check, code).state == "expired"
    with pytest.raises(VoucherExpired) as expired:
        patron.run(use, UseVoucher(code, "s-1"))
    assert expired.value.code == "voucher_expired"
    # cancelled: a voucher whose redemption was cancelled
    other = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    assert other.voucher is not None
    patron.run(cancel, CancelRedemption(other.redemption_id))
    assert patron.read(check, other.voucher.code).state == "cancelled"
    with pytest.raises(VoucherCancelled) as cancelled:
        patron.run(use, UseVoucher(other.voucher.code, "s-2"))
    assert cancelled.value.code == "voucher_cancelled"
    # a used one: its own code too
    third = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    assert third.voucher is not None
    patron.run(use, UseVoucher(third.voucher.code, "s-3"))
    with pytest.raises(VoucherUsed) as used:
        patron.run(use, UseVoucher(third.voucher.code, "s-4"))
    assert used.value.code == "voucher_used"
    # and the member's vouchers, newest first, read as the portal shows them
    states = [(v.reward_id, v.state) for v in patron.read(member_vouchers, mid)]
    assert states == [("five-off", "used"), ("five-off", "cancelled"), ("ten-off", "expired")]


def test_cancelling_an_unused_voucher_gives_the_points_back_into_their_original_lots(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome points (1 Jan 2026, expiring 1 Jan 2028) and 450 earned on
    # 10 Jan 2026 (expiring 10 Jan 2028)
    mid = member(patron)
    clock.advance(days=9)
    buy(patron, mid, "o-1", ("A", None, 1, "450.00"))
    [(welcome, w_pts, w_exp), (earned, e_pts, e_exp)] = lots_of(patron, mid)
    assert (w_pts, e_pts) == (100, 450)
    assert (w_exp, e_exp) == (datetime(2028, 1, 1, 9, 0), datetime(2028, 1, 10, 9, 0))
    # when 5 EUR off (500 points) is redeemed: the welcome lot gives 100, the other 400
    done = patron.run(redeem, Redeem(mid, reward_id="five-off"))
    assert lots_of(patron, mid) == [(earned, 50, e_exp)]
    # and its unused voucher's redemption is cancelled 3 days later
    clock.advance(days=3)
    back = patron.run(cancel, CancelRedemption(done.redemption_id, reason="changed mind"))
    # then the 500 points are back in the same two lots with their original expiry
    assert back.balance == 550
    assert lots_of(patron, mid) == [(welcome, 100, w_exp), (earned, 450, e_exp)]
    assert back.voucher is not None and back.voucher.state == "cancelled"


def test_a_gift_waits_in_the_queue_until_handed_over_and_its_stock_never_goes_below_zero(
    patron: Patron, clock: Clock
) -> None:
    # given the mug (stock 2) and three members
    a, b, c = (rich(patron, f"c-{i}") for i in range(3))
    first = patron.run(redeem, Redeem(a, reward_id="mug"))
    clock.advance(minutes=1)
    second = patron.run(redeem, Redeem(b, reward_id="mug"))
    # then the third is refused (out of stock) and the quote says the same; stock is 0
    with pytest.raises(RewardUnavailable, match="out of stock"):
        patron.run(redeem, Redeem(c, reward_id="mug"))
    with pytest.raises(RewardUnavailable):
        patron.read(quote, Redeem(c, reward_id="mug"))
    with patron.uow(readonly=True) as uow:
        mug = uow.rewards.get("mug")
    assert mug is not None and mug.stock == 0
    # and both gifts wait, oldest first, with no expiry
    queue = patron.read(waiting)
    assert [(v.redemption_id, v.state, v.expires_at) for v in queue] == [
        (first.redemption_id, "issued", None),
        (second.redemption_id, "issued", None),
    ]
    # when the desk hands the first over (audited) and tries again
    clock.advance(minutes=5)
    given = patron.run(hand_over, HandOver(first.redemption_id, "web:ana", "at the desk"))
    assert (given.state, given.used_at) == ("handed_over", datetime(2026, 1, 1, 9, 6))
    with pytest.raises(VoucherUsed):
        patron.run(hand_over, HandOver(first.redemption_id, "web:ana"))
    # then only the second waits; cancelling it gives a mug back to the stock
    assert [v.redemption_id for v in patron.read(waiting)] == [second.redemption_id]
    patron.run(cancel, CancelRedemption(second.redemption_id))
    assert patron.read(waiting) == []
    patron.run(redeem, Redeem(c, reward_id="mug"))
    with patron.uow(readonly=True) as uow:
        audits = [x for x in uow.audit.for_member(a) if x.action == "reward.handed_over"]
    assert [(x.actor, x.reason) for x in audits] == [("web:ana", "at the desk")]


def test_the_limit_per_member_counts_in_calendar_months_and_cancellations_do_not_count(
    patron: Patron, clock: Clock
) -> None:
    # given the car wash: at most 2 a month per member
    mid = rich(patron)
    other = rich(patron, "c-2")
    first = patron.run(redeem, Redeem(mid, reward_id="wash"))
    patron.run(redeem, Redeem(mid, reward_id="wash"))
    # then a third in January is refused, redemption and quote alike, and nothing changes
    before = balance_of(patron, mid)
    for action in (redeem, quote):
        with pytest.raises(RewardLimitReached) as limit:
            patron.run(action, Redeem(mid, reward_id="wash"))  # type: ignore[arg-type]
        assert limit.value.facts == {"limit": 2, "per": "month"}
    assert balance_of(patron, mid) == before
    # another member is not limited by the first
    patron.run(redeem, Redeem(other, reward_id="wash"))
    # a cancelled one no longer counts
    patron.run(cancel, CancelRedemption(first.redemption_id))
    patron.run(redeem, Redeem(mid, reward_id="wash"))
    with pytest.raises(RewardLimitReached):
        patron.run(redeem, Redeem(mid, reward_id="wash"))
    # and on 1 Feb 00:00 the month is new (from 1 Jan 09:00: 30 days and 15 hours)
    clock.advance(days=30, hours=14, minutes=59)
    with pytest.raises(RewardLimitReached):
        patron.run(redeem, Redeem(mid, reward_id="wash"))
    clock.advance(minutes=1)
    assert clock() == datetime(2026, 2, 1, 0, 0)
    patron.run(redeem, Redeem(mid, reward_id="wash"))


def test_cause_totals_by_hand(patron: Patron) -> None:
    # given three members: a gives 2 trees, b 1 tree and school books, c 1 tree cancelled
    a, b, c = (rich(patron, f"c-{i}") for i in range(3))
    patron.run(redeem, Redeem(a, reward_id="trees"))
    patron.run(redeem, Redeem(a, reward_id="trees"))
    patron.run(redeem, Redeem(b, reward_id="trees"))
    patron.run(redeem, Redeem(b, reward_id="school"))
    gone = patron.run(redeem, Redeem(c, reward_id="trees"))
    patron.run(cancel, CancelRedemption(gone.redemption_id))
    # then (a cause issues no voucher) trees: 3 donations, 300 points, 2 members,
    # 3 × 1.20 = 3.60; school: 1, 300, 1, 2.00
    assert gone.voucher is None
    totals = [
        (t.reward_id, t.donations, t.points, t.members, t.cost) for t in patron.read(cause_totals)
    ]
    assert totals == [
        ("school", 1, 300, 1, Decimal("2.00")),
        ("trees", 3, 300, 2, Decimal("3.60")),
    ]


def test_every_fulfilled_reward_records_its_cost_on_the_redemption(patron: Patron) -> None:
    mid = rich(patron)
    costs = {}
    for reward in ("five-off", "mug", "wash", "trees"):
        done = patron.run(redeem, Redeem(mid, reward_id=reward))
        with patron.uow(readonly=True) as uow:
            row = uow.redemptions.get(done.redemption_id)
        assert row is not None
        costs[reward] = row.cost
    assert costs == {
        "five-off": Decimal("5.00"),
        "mug": Decimal("2.50"),
        "wash": Decimal("4.00"),
        "trees": Decimal("1.20"),
    }


def test_a_voucher_code_is_not_one_of_the_few_before_it() -> None:
    from patron.services.fulfil import new_code

    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    # every letter of the alphabet turns up, none outside it (2000 × 12 draws of 31)
    assert set("".join(codes)) == set(ALPHABET)
