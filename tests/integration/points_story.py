"""Three months of a small program, told through the use cases, whose points and money
are computed by hand in the comments: the roll-forward and the budget's actuals are
checked against these figures (tests/integration/test_liability.py, test_budget.py).

PROGRAM: 1 point per EUR, 100 welcome points, a 50-point bonus with code S, 14 pending
days, lots expire 2 months after they are earned, a point is worth 0.01 EUR, the mug
costs 150 points and 4.00 EUR to the business.

January 2026 (the clock starts 2026-01-01 09:00)
  01  A and B join: welcome 100 + 100                     (lots expire 03-01 09:00)
  05  A buys 200 EUR: earn 200                            (spendable 01-19, expires 03-05)
  10  B buys 100 EUR with code S: earn 100 + bonus 50     (spendable 01-24, expires 03-10)
  25  A redeems the mug: 150 (100 welcome + 50 of the 01-05 lot); cost 4.00
  26  B redeems 100 points as a discount (welcome lot); 27: it is cancelled, points back
  28  A buys 300 EUR: earn 300, pending until 02-11
  29  A adjusted +40 (expires 03-29), B adjusted −30 (from the welcome lot: 70 left)
  → issued: purchases 600, bonuses 50, welcome 200; adjusted up 40, down 30;
    redeemed: rewards 150, discounts 100, cancelled 100; closing 710, of which pending 300
    (A 490, B 220)
February
  03  A returns the 01-28 purchase: refund takes back 300 from its own lot
  10  A redeems the mug: 150 from the 01-05 lot; cost 4.00
  20  B buys 50 EUR: earn 50, pending until 03-06
  25  B redeems 20 points as a discount (welcome lot: 50 left); worth 0.20
  → closing 710 − 300 − 150 + 50 − 20 = 290, of which pending 50 (A 40, B 250)
March
  expiry run as of 03-02: B's welcome lot (50) burns; as of 03-15: B's 01-10 lot (150)
  → expired 200, closing 90 (A 40 from the adjustment, B 50 from 02-20), nothing pending
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Expire,
    MemberRef,
    RecordPurchase,
    Redeem,
    Refund,
)
from patron.services.earn import record_purchase
from patron.services.expire import expire
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from tests.conftest import Clock, use_program
from tests.integration.helpers import member

PROGRAM = """
name = "Liability"
currency = "EUR"

[earning]
points_per_unit = 1
welcome_bonus = 100
pending_days = 14

[[promotions]]
name = "Code S"
starts = 2026-01-01
ends = 2026-12-31
bonus = 50
code = "S"

[expiry]
months = 2

[redemption]
min_points = 10
point_value = 0.01

[[rewards]]
id = "mug"
name = "Mug"
kind = "gift"
points = 150
cost = 4.00
value = 6.00
"""


def _buy(patron: Patron, mid: int, order: str, amount: str, code: str | None = None) -> int:
    line = Line("X", None, 1, Decimal(amount))
    cmd = RecordPurchase(MemberRef(id=mid), order, patron.clock(), "EUR", (line,),
                         promotion_code=code)  # fmt: skip
    return patron.run(record_purchase, cmd).purchase_id


def tell(patron: Patron, clock: Clock) -> tuple[int, int]:
    """The story above, told to `patron`; the ids of A and B."""
    use_program(patron, PROGRAM)
    at = clock.now = datetime(2026, 1, 1, 9, 0)
    a, b = member(patron, "A"), member(patron, "B")

    def day(month: int, dd: int) -> None:
        clock.now = datetime(2026, month, dd, 10, 0)

    day(1, 5)
    _buy(patron, a, "o-1", "200.00")
    day(1, 10)
    _buy(patron, b, "o-2", "100.00", "S")
    day(1, 25)
    patron.run(redeem, Redeem(a, reward_id="mug"))
    day(1, 26)
    discount = patron.run(redeem, Redeem(b, points=100))
    day(1, 27)
    patron.run(cancel, CancelRedemption(discount.redemption_id, "till error"))
    day(1, 28)
    returned = _buy(patron, a, "o-3", "300.00")
    day(1, 29)
    patron.run(adjust, Adjust(a, 40, "goodwill", "test"))
    patron.run(adjust, Adjust(b, -30, "correction", "test"))
    day(2, 3)
    patron.run(refund, Refund(returned))
    day(2, 10)
    patron.run(redeem, Redeem(a, reward_id="mug"))
    day(2, 20)
    _buy(patron, b, "o-4", "50.00")
    day(2, 25)
    patron.run(redeem, Redeem(b, points=20))
    day(3, 20)
    expire(patron.new_uow, Expire(datetime(2026, 3, 2)))
    expire(patron.new_uow, Expire(datetime(2026, 3, 15)))
    assert at.year == 2026
    return a, b
