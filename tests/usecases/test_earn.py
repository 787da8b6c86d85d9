"""Recording a purchase and the points it earns (services/earn.py): scoring, the return
window, promotions and milestones, debts settled by earnings, the dates and lines stored,
the purchases refused.

Elsewhere: the tier a purchase reaches (tests/usecases/test_tiers.py); the scoring rules
themselves, without a store (tests/unit/test_earning.py); the events of a purchase
(tests/integration/test_outbox_events.py); the member row written once
(tests/integration/test_member_row_writes.py); POST /v1/purchases and its bounds
(tests/e2e/test_api.py, tests/integration/test_bounds.py); the import, which earns the same
way (tests/usecases/test_importer.py, tests/integration/test_import.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import Conflict, InvalidInput
from patron.domain.program import Program
from patron.services.commands import Expire, Redeem, Refund, ReturnLine
from patron.services.expire import expire
from patron.services.queries import balance
from patron.services.redeem import redeem
from patron.services.refund import refund
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import assert_verified, balance_of, buy, is_recorded, member, record

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Earning"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
rounding = "down"           # 5.50 EUR earns 5 points
welcome_bonus = 100
pending_days = 14           # points are spendable 14 days after the purchase

[categories]
books = 2                   # a line of books earns twice its base points

[[promotions]]
name = "Spring code"
starts = 2026-04-01
ends = 2026-04-30
bonus = 50                  # on a purchase that carries the code
code = "SPRING26"

[expiry]
months = 24                 # a lot expires 24 months after it was earned
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


# --- scoring ----------------------------------------------------------------------------


def test_earning_scores_every_line_and_waits_out_the_return_window(
    patron: Patron, clock: Clock
) -> None:
    mid = member(patron)
    result = buy(patron, mid, "o-1", ("A1", "books", 2, "10.00"), ("B2", "home", 1, "5.50"))
    # PROGRAM: 20.00 of books at 1 point per EUR, x2; 5.50 rounded down
    assert result.points_earned == 40 + 5
    view = patron.read(balance, mid)
    assert (view.points, view.pending) == (100, 45)  # the welcome bonus; 14 days pending
    clock.advance(days=15)
    assert patron.read(balance, mid).points == 145
    with pytest.raises(
        Conflict, match=f"'o-1' is already recorded as purchase {result.purchase_id}"
    ):
        buy(patron, mid, "o-1", ("A1", None, 1, "1"))
    assert patron.read(balance, mid).points == 145  # the refused purchase changed nothing
    assert_verified(patron)


def test_the_lines_of_a_purchase_keep_their_category_and_unit_cost(
    patron: Patron, program: Program
) -> None:
    # 2 books at 10.00 (cost 6.00): 20 base x2 books = 40 points
    mid = member(patron)
    line = Line("B", "books", 2, Decimal("10.00"), Decimal("6.00"))
    points = int(line.amount * program.earning.points_per_unit) * program.categories["books"]
    done = record(patron, mid, "o-1", lines=(line,))
    with patron.uow(readonly=True) as uow:
        [stored] = uow.purchases.lines(done.purchase_id)
    assert (stored.category, stored.unit_cost, stored.points, stored.refunded_quantity) == (
        "books",
        Decimal("6.00"),
        points,
        0,
    )


def test_a_purchase_carrying_a_promotion_code_earns_its_bonus(patron: Patron, clock: Clock) -> None:
    # "Spring code" (April 2026, code SPRING26): +50 on 10.00 EUR, 10 base points
    clock.now = datetime(2026, 4, 20, 9)
    mid = member(patron)
    april = datetime(2026, 4, 10, 12)
    with_code = buy(patron, mid, "o-1", ("A", None, 1, "10.00"), at=april, code="SPRING26")
    without = buy(patron, mid, "o-2", ("A", None, 1, "10.00"), at=april)
    assert (with_code.points_earned, without.points_earned) == (60, 10)


def test_a_purchase_recorded_without_points_earns_none_and_its_return_takes_none(
    patron: Patron, program: Program
) -> None:
    # award_points=False records the purchase as history: no points, no breakdown; the
    # member keeps the 100 welcome points
    welcome = program.earning.welcome_bonus
    mid = member(patron)
    done = record(patron, mid, "o-1", award_points=False)
    assert (done.points_earned, done.breakdown) == (0, ())
    assert balance_of(patron, mid) == welcome
    # and returning it takes back nothing: it earned nothing
    back = patron.run(refund, Refund(done.purchase_id))
    assert (back.amount, back.points_taken_back, back.debt, back.balance) == (
        Decimal("50.00"),
        0,
        0,
        welcome,
    )


# --- milestones -------------------------------------------------------------------------

MILESTONE_PROGRAM = """
name = "Milestones"
currency = "EUR"

[earning]
points_per_unit = 1

[[milestones]]
name = "Club"
kind = "cumulative_spend"
threshold = 300
bonus = 300
"""


def test_crossing_a_spend_milestone_again_after_a_refund_pays_nothing(patron: Patron) -> None:
    load_example(patron, MILESTONE_PROGRAM)
    mid = member(patron)
    first = buy(patron, mid, "o-1", ("A", None, 2, "100.00"))  # cumulative 200
    crossing = buy(patron, mid, "o-2", ("B", None, 1, "150.00"))  # 350: crosses 300
    assert (first.points_earned, crossing.points_earned) == (200, 150 + 300)
    patron.run(refund, Refund(first.purchase_id, (ReturnLine(1, 1),)))  # cumulative 250
    again = buy(patron, mid, "o-3", ("C", None, 1, "100.00"))  # 350: crosses 300 again
    assert again.points_earned == 100
    assert [b.rule for b in again.breakdown] == ["base"]
    assert balance_of(patron, mid) == 200 - 100 + 450 + 100


# --- debts settled by earnings ----------------------------------------------------------


def test_a_debt_of_one_point_is_settled_by_the_next_point_earned(
    patron: Patron, clock: Clock
) -> None:
    # PROGRAM: 1 point per EUR, welcome 100, spendable after 14 days
    # given: 400 points spent, then their purchase returned: a debt of 400
    mid = member(patron)
    tv = buy(patron, mid, "o-1", ("TV", None, 1, "400.00"))
    clock.advance(days=15)
    patron.run(redeem, Redeem(mid, points=500))
    assert patron.run(refund, Refund(tv.purchase_id)).debt == 400
    # and 399 points earned: 1 point still owed
    buy(patron, mid, "o-2", ("TV", None, 1, "399.00"))
    assert patron.read(balance, mid).debt == 1
    # when one more point is earned
    buy(patron, mid, "o-3", ("Pen", None, 1, "1.00"))
    # then it pays the last point of the debt
    view = patron.read(balance, mid)
    assert (view.debt, view.total) == (0, 0)


def test_a_back_dated_credit_settles_a_debt_from_itself_not_from_an_expired_lot(
    patron: Patron, clock: Clock
) -> None:
    # PROGRAM: lots expire 24 months after they were earned, spendable after 14 days
    # given: the welcome lot (100) expired on 2028-01-01 09:00 and was not burned yet
    mid = member(patron)
    clock.now = datetime(2027, 12, 20, 9, 0)
    p1 = buy(patron, mid, "o-1", ("TV", None, 1, "300.00"))  # spendable 2028-01-03
    clock.now = datetime(2028, 1, 5, 9, 0)
    patron.run(redeem, Redeem(mid, points=300))  # only the 300 are live
    clock.now = datetime(2028, 1, 6, 9, 0)
    refunded = patron.run(refund, Refund(p1.purchase_id))
    assert (refunded.points_taken_back, refunded.debt, refunded.balance) == (300, 300, 100)
    # when: a purchase of 2027-12-01 worth 139 points is uploaded late
    late = buy(patron, mid, "o-late", ("TV", None, 1, "139.00"), at=datetime(2027, 12, 1, 12))
    assert late.points_earned == 139
    # then: its 139 points pay 139 of the 300; the expired 100 pay nothing
    view = patron.read(balance, mid)
    assert (view.debt, view.total) == (300 - 139, 100)
    with patron.uow(readonly=True) as uow:
        entries = uow.ledger.entries(mid, 10, None)
    settlements = [(e.points, e.occurred_at) for e in entries if e.kind == "debt_settlement"]
    assert settlements == [(-139, datetime(2028, 1, 6, 9, 0))]
    # and the next expiry run burns the whole expired welcome lot
    assert expire(patron.new_uow, Expire(clock.now)).points_expired == 100
    assert balance_of(patron, mid) == 0


# --- dates and refusals -----------------------------------------------------------------


def test_a_purchase_dated_exactly_a_day_ahead_of_the_clock_is_recorded(
    patron: Patron, clock: Clock, program: Program
) -> None:
    # a till's clock may run up to a day fast: 2026-01-02 09:00 is the latest date allowed
    mid = member(patron)
    at = clock.now + timedelta(days=1)
    done = record(patron, mid, "o-1", at=at)  # 50.00 EUR
    assert (done.points_earned, done.available_at) == (
        int(Decimal("50.00") * program.earning.points_per_unit),
        at + timedelta(days=program.earning.pending_days),
    )


NEW_YORK = timezone(timedelta(hours=-5))
BUCHAREST = timezone(timedelta(hours=2))


def test_invoice_dates_are_stored_as_utc(patron: Patron) -> None:
    # due 2026-01-31 10:00 in Bucharest (UTC+2) is 08:00 UTC; paid 2026-01-01 03:30 in
    # New York (UTC-5) is 08:30 UTC, the day of the purchase (09:00 UTC)
    mid = member(patron)
    done = record(
        patron,
        mid,
        "o-1",
        invoice_due_at=datetime(2026, 1, 31, 10, tzinfo=BUCHAREST),
        paid_at=datetime(2026, 1, 1, 3, 30, tzinfo=NEW_YORK),
    )
    with patron.uow(readonly=True) as uow:
        row = uow.purchases.get(done.purchase_id)
    assert row is not None
    assert (row.invoice_due_at, row.paid_at) == (
        datetime(2026, 1, 31, 8),
        datetime(2026, 1, 1, 8, 30),
    )


@pytest.mark.parametrize(
    ("dates", "error"),
    [
        # an invoice falling due the day before the purchase
        ({"invoice_due_at": datetime(2025, 12, 31, 23)}, r"^invoice_due_at 2025-12-31T23:00:00 "),
        # a payment the day before the purchase (with a due date that is fine)
        (
            {"invoice_due_at": datetime(2026, 2, 1), "paid_at": datetime(2025, 12, 31, 12)},
            r"^paid_at 2025-12-31T12:00:00 is before",
        ),
        # a payment more than a day ahead of the clock
        ({"paid_at": datetime(2026, 1, 3, 9)}, r"^paid_at 2026-01-03T09:00:00 is more than a day"),
    ],
)
def test_a_wrong_invoice_date_is_refused_naming_its_field(
    patron: Patron, program: Program, dates: dict[str, datetime], error: str
) -> None:
    mid = member(patron)
    with pytest.raises(InvalidInput, match=error):
        record(patron, mid, "o-1", **dates)
    assert (is_recorded(patron, "o-1"), balance_of(patron, mid)) == (
        False,
        program.earning.welcome_bonus,
    )


def _set_purchase_count(patron: Patron, mid: int, count: int) -> None:
    """Set a member's purchase count by hand, through the row's one writer (`save`)."""
    with patron.uow() as uow:
        found = uow.members.get(mid, lock=True)
        assert found is not None
        uow.members.save(replace(found, purchase_count=count))
        uow.commit()


def test_a_member_with_the_most_purchases_is_refused_one_more_and_the_last_is_recorded(
    patron: Patron,
) -> None:
    # given a member one purchase short of the most one member may have (2^31 - 1)
    mid = member(patron)
    _set_purchase_count(patron, mid, 2_147_483_646)
    # when the last one allowed is recorded, then the next is refused and not recorded
    record(patron, mid, "o-1")
    with pytest.raises(
        Conflict,
        match=rf"^member {mid} has 2147483647 purchases, the most one member may have; record"
        " this purchase under another member$",
    ):
        record(patron, mid, "o-2")
    assert (is_recorded(patron, "o-1"), is_recorded(patron, "o-2")) == (True, False)
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(mid)
    assert found is not None and found.purchase_count == 2_147_483_647
    # the count was set by hand: put back the one purchase the books hold, for `verify`
    _set_purchase_count(patron, mid, 1)
