"""Bonuses (issue 15 §4; docs/program.md, "Bonuses that burn, milestone vouchers, the
birthday bonus"), on both stores: a burning bonus is spent before older points, expires
on its date through the expiry run and is in its warnings; a promotion's burning bonus is
a lot of its own that the purchase's refund takes back; the birthday bonus is granted once
a year in its window (two runs, the next year again, nothing outside the window, nothing
for an erased member); a milestone's voucher is issued once without spending points.

Elsewhere: the rules without a store (tests/unit/test_bonuses.py); the stateful model
with burning grants (tests/integration/test_stateful_bonuses.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.birthdays import Birthday
from patron.domain.errors import Conflict, InvalidInput
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.birthdays import GrantBirthdays, SetBirthday, grant_birthdays, set_birthday
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    EraseMember,
    Expire,
    MemberRef,
    Redeem,
    Refund,
)
from patron.services.expire import expire
from patron.services.fulfil import UseVoucher, member_vouchers, use
from patron.services.privacy import erase_member
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, lots_of, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Bonuses"
currency = "EUR"

[earning]
welcome_bonus = 100

[[promotions]]
name = "Spring"
starts = 2026-01-01
ends = 2026-12-31
bonus = 30
valid_days = 10

[[milestones]]
name = "100 EUR"
kind = "cumulative_spend"
threshold = 100
voucher = "five-off"

[birthday]
points = 200
valid_days = 30
days_before = 2
days_after = 5

[expiry]
months = 24
warn_days = 7

[[rewards]]
id = "five-off"
name = "5 EUR off"
kind = "discount"
points = 500
cost = 5.00
value = 5.00
voucher_days = 30
"""

START = datetime(2026, 1, 1, 9, 0)  # the clock fixture's start


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_a_burning_grant_is_spent_before_older_points(patron: Patron, clock: Clock) -> None:
    # given 100 welcome points (expiring 2028-01-01) and 200 valid 14 days
    mid = member(patron)
    done = patron.run(adjust, Adjust(mid, 200, "autumn bonus", "alice", valid_days=14))
    assert done.expires_at == datetime(2026, 1, 15, 9, 0)
    # when 150 are redeemed
    patron.run(redeem, Redeem(mid, points=150))
    # then they all came from the bonus: 50 of it left, the welcome lot whole
    assert [(left, until) for _, left, until in lots_of(patron, mid)] == [
        (100, datetime(2028, 1, 1, 9, 0)),
        (50, datetime(2026, 1, 15, 9, 0)),
    ]


def test_a_burning_grant_is_warned_of_and_burns_on_its_date(patron: Patron, clock: Clock) -> None:
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 200, "autumn bonus", "alice", valid_days=14))
    # 7 days before (warn_days), the run warns of the 200, burns nothing
    report = expire(patron.new_uow, Expire(datetime(2026, 1, 8, 9, 0)))
    assert (report.points_expired, report.warnings) == (0, 1)
    with patron.uow(readonly=True) as uow:
        [event] = [e for e in uow.outbox.for_member(mid) if e.type == "points.expiring_soon"]
    assert event.payload == {"points": 200, "expires_on": "2026-01-15"}
    # a second before its moment it stays; on the moment it burns, the welcome lot stays
    clock.now = datetime(2026, 1, 15, 9, 0)
    assert expire(patron.new_uow, Expire(datetime(2026, 1, 15, 8, 59, 59))).points_expired == 0
    assert expire(patron.new_uow, Expire(datetime(2026, 1, 15, 9, 0))).points_expired == 200
    assert balance_of(patron, mid) == 100


def test_valid_days_is_refused_on_a_debit_and_out_of_bounds(patron: Patron) -> None:
    mid = member(patron)
    with pytest.raises(InvalidInput, match="valid_days"):
        patron.run(adjust, Adjust(mid, -50, "correction", "bob", valid_days=14))
    with pytest.raises(InvalidInput, match="valid_days"):
        patron.run(adjust, Adjust(mid, 50, "bonus", "bob", valid_days=0))
    assert balance_of(patron, mid) == 100


def test_a_promotion_bonus_burns_in_a_lot_of_its_own_taken_back_by_the_refund(
    patron: Patron,
) -> None:
    # given a purchase of 50.00: 50 points, and the promotion's 30 valid 10 days
    mid = member(patron)
    bought = record(patron, mid, "o-1")
    assert bought.points_earned == 80
    assert [(left, until) for _, left, until in lots_of(patron, mid)] == [
        (100, datetime(2028, 1, 1, 9, 0)),
        (50, datetime(2028, 1, 1, 9, 0)),
        (30, datetime(2026, 1, 11, 9, 0)),
    ]
    # when the purchase is returned, both its lots go back
    done = patron.run(refund, Refund(bought.purchase_id))
    assert (done.points_taken_back, done.debt) == (80, 0)
    assert [left for _, left, _ in lots_of(patron, mid)] == [100]


def test_a_milestone_voucher_is_issued_once_without_points(patron: Patron) -> None:
    mid = member(patron)
    record(patron, mid, "o-1")
    with patron.uow(readonly=True) as uow:
        assert member_vouchers(uow, mid) == []
    second = record(patron, mid, "o-2")
    with patron.uow(readonly=True) as uow:
        [voucher] = member_vouchers(uow, mid)
        row = uow.redemptions.get(voucher.redemption_id)
    assert (voucher.reward_id, voucher.state) == ("five-off", "issued")
    assert voucher.expires_at == datetime(2026, 1, 31, 9, 0)
    assert row is not None and (row.points, row.cost, row.entry_id) == (0, Decimal("5.00"), None)
    # the balance is the welcome and the two purchases' points: nothing was spent
    assert balance_of(patron, mid) == 100 + 80 + second.points_earned
    # the purchase that gave it returned (spend back to 50.00) and a third one crosses
    # the 100.00 again: no second voucher
    patron.run(refund, Refund(second.purchase_id))
    record(patron, mid, "o-3")
    with patron.uow(readonly=True) as uow:
        assert len(member_vouchers(uow, mid)) == 1
    # used at the till like any voucher; its redemption cannot be cancelled
    assert patron.run(use, UseVoucher(voucher.code, "sale-1", "till")).state == "used"
    with pytest.raises(Conflict, match="bonus"):
        patron.run(cancel, CancelRedemption(voucher.redemption_id))


def _birthday_run(patron: Patron, at: datetime) -> tuple[int, int, int]:
    report = grant_birthdays(patron.new_uow, GrantBirthdays(at))
    return report.due, report.granted, report.points


def test_the_birthday_bonus_is_granted_once_a_year_in_its_window(
    patron: Patron, clock: Clock
) -> None:
    # given a member born on 10 January, and one with no birthday
    mid = member(patron)
    member(patron, "c-2")
    patron.run(set_birthday, SetBirthday(mid, Birthday(1, 10, 1990), "alice"))
    # 3 days before: outside the window (2 days before), nothing
    assert _birthday_run(patron, datetime(2026, 1, 7, 6, 0)) == (0, 0, 0)
    # 2 days before: granted, 200 points valid 30 days
    clock.now = datetime(2026, 1, 8, 6, 0)
    assert _birthday_run(patron, clock.now) == (1, 1, 200)
    assert lots_of(patron, mid)[-1][1:] == (200, datetime(2026, 2, 7, 6, 0))
    # run again that day and on the birthday: due, but nothing more granted
    assert _birthday_run(patron, clock.now) == (1, 0, 0)
    clock.now = datetime(2026, 1, 10, 6, 0)
    assert _birthday_run(patron, clock.now) == (1, 0, 0)
    assert balance_of(patron, mid) == 300
    # 6 days after: outside; a year later, in the window again: granted again
    assert _birthday_run(patron, datetime(2026, 1, 16, 6, 0)) == (0, 0, 0)
    clock.now = datetime(2027, 1, 12, 6, 0)
    assert _birthday_run(patron, clock.now) == (1, 1, 200)
    with patron.uow(readonly=True) as uow:
        assert [(g.year, g.points) for g in uow.birthdays.grants_of(mid)] == [
            (2026, 200),
            (2027, 200),
        ]


def test_a_run_as_of_a_day_before_the_member_joined_grants_them_nothing(
    patron: Patron, clock: Clock
) -> None:
    """Seen in review: `patron birthdays --as-of` a past day granted a bonus dated before
    the member enrolled (its lot expired before they were a member)."""
    mid = member(patron)  # enrolled at the clock's 2026-01-01 09:00
    patron.run(set_birthday, SetBirthday(mid, Birthday(12, 31), "alice"))
    assert _birthday_run(patron, datetime(2025, 12, 31, 6, 0)) == (1, 0, 0)
    assert balance_of(patron, mid) == 100  # the welcome bonus alone


def test_an_erased_member_gets_no_birthday_bonus(patron: Patron, clock: Clock) -> None:
    mid = member(patron)
    patron.run(set_birthday, SetBirthday(mid, Birthday(1, 2), "alice"))
    patron.run(erase_member, EraseMember(MemberRef(id=mid), "asked", "alice"))
    assert _birthday_run(patron, clock.now) == (0, 0, 0)
    with patron.uow(readonly=True) as uow:
        assert uow.birthdays.of(mid) is None
    assert balance_of(patron, mid) == 100


def test_two_birthday_runs_at_once_grant_once(patron: Patron, clock: Clock) -> None:
    # given 5 members born on 2 January (in the window on 1 January, 2 days before)
    members = [member(patron, f"c-{i}") for i in range(5)]
    for mid in members:
        patron.run(set_birthday, SetBirthday(mid, Birthday(1, 2), "alice"))
    # when two runs start together, on their own connections
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: _birthday_run(patron, clock.now), range(2)))
    # then each member was granted once: 5 grants between them, 300 points each
    assert sum(granted for _, granted, _ in reports) == 5
    assert [balance_of(patron, mid) for mid in members] == [300] * 5
