"""A small store for the goals' tests, every figure of it computed by hand.

Program: 1 point per EUR, no welcome bonus, points spendable at once, tiers Bronze (0) and
Gold (1,000 EUR). The goals are made on 2026-07-01 with a 30-day window: the days
[2026-06-02, 2026-07-02); the window before it is [2026-05-03, 2026-06-02).

    member  enrolled     purchases (EUR, cost)                         ledger
    m1      2026-01-10   05-10 100 (60), 06-05 40 (25), 06-25 60 (30)  redeems 30 on 06-26
    m2      2026-02-01   04-01 30 (10), 05-20 80 (50)                  redeems 50 on 05-25
    m3      2026-05-01   06-10 50 (20)
    m4      2026-06-20   none
    no member: an unclaimed purchase of 50 EUR on 06-15 (x@example.com)

In the window: purchases m1 40, m1 60, m3 50: 3 purchases, 150 EUR; N = 4 members (all
enrolled before 07-02); buyers m1 and m3.
    purchase_frequency    3 / 4 × 365 / 30 = 9.125
    average_basket        150 / 3 = 50
    repeat_purchase_rate  1 (m1) / 2 = 0.5
    retention_rate        bought in the window before: m1, m2; again: m1 -> 1/2 = 0.5
    churn_rate            0.5
    active_members        2
    revenue_per_member    150 / 4 = 37.5
    member_revenue_share  150 / (150 + 50 unclaimed) = 0.75
    redemption_rate       issued 40 + 60 + 50 = 150, redeemed 30 -> 0.2 (m2's 50 on
                          05-25 and the points of 05-10 and 05-20 are in the window before)
    margin_per_member     (40−25) + (60−30) + (50−20) = 75; / 4 = 18.75
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.unclaimed import CustomerKeys
from patron.services.commands import Enroll, MemberRef, RecordPurchase, RecordUnclaimed, Redeem
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.redeem import redeem
from patron.services.unclaimed import record_unclaimed
from tests.conftest import Clock, use_program

PROGRAM = """
name = "Goals test"
currency = "EUR"
[earning]
points_per_unit = 1
welcome_bonus = 0
pending_days = 0
[tiers]
basis = "spend"
window_months = 12
  [[tiers.levels]]
  name = "Bronze"
  threshold = 0
  [[tiers.levels]]
  name = "Gold"
  threshold = 1000
[redemption]
min_points = 10
point_value = 0.01
max_basket_share = 0.5
"""
CREATED = datetime(2026, 7, 1, 10, 0)
MEMBERS = {
    "m1": datetime(2026, 1, 10),
    "m2": datetime(2026, 2, 1),
    "m3": datetime(2026, 5, 1),
    "m4": datetime(2026, 6, 20),
}
PURCHASES = (
    ("m2", "o1", datetime(2026, 4, 1, 12), "30.00", "10.00"),
    ("m1", "o2", datetime(2026, 5, 10, 12), "100.00", "60.00"),
    ("m2", "o3", datetime(2026, 5, 20, 12), "80.00", "50.00"),
    ("m1", "o4", datetime(2026, 6, 5, 12), "40.00", "25.00"),
    ("m3", "o5", datetime(2026, 6, 10, 12), "50.00", "20.00"),
    ("m1", "o6", datetime(2026, 6, 25, 12), "60.00", "30.00"),
)
REDEMPTIONS = (("m2", datetime(2026, 5, 25, 12), 50), ("m1", datetime(2026, 6, 26, 12), 30))

# each KPI of the catalogue on the store above, all members, 30 days to 2026-07-01
EXPECTED = {
    "purchase_frequency": Decimal("9.125"),
    "average_basket": Decimal("50"),
    "repeat_purchase_rate": Decimal("0.5"),
    "retention_rate": Decimal("0.5"),
    "churn_rate": Decimal("0.5"),
    "active_members": Decimal("2"),
    "revenue_per_member": Decimal("37.5"),
    "member_revenue_share": Decimal("0.75"),
    "redemption_rate": Decimal("0.2"),
    "margin_per_member": Decimal("18.75"),
}


def build(patron: Patron, clock: Clock) -> dict[str, int]:
    """The store of the module docstring; the clock left at CREATED. Member ids by name."""
    clock.now = datetime(2026, 1, 1)
    use_program(patron, PROGRAM)
    ids = {}
    for name, at in MEMBERS.items():
        clock.now = at
        ids[name] = patron.run(enroll, Enroll(name, enrolled_at=at)).member.id
    events = [(at, "buy", p) for p in PURCHASES for at in [p[2]]]
    events += [(at, "redeem", r) for r in REDEMPTIONS for at in [r[1]]]
    for at, kind, what in sorted(events, key=lambda e: e[0]):
        clock.now = at
        if kind == "buy":
            who, order, _, price, cost = what
            line = Line("A", None, 1, Decimal(price), Decimal(cost))
            command = RecordPurchase(MemberRef(id=ids[who]), order, at, "EUR", (line,))
            patron.run(record_purchase, command)
        else:
            who, _, points = what
            patron.run(redeem, Redeem(ids[who], points=points, basket_total=Decimal("100.00")))
    clock.now = datetime(2026, 6, 15, 12)
    keys = CustomerKeys(email="x@example.com")
    line = Line("B", None, 1, Decimal("50.00"))
    patron.run(record_unclaimed, RecordUnclaimed(keys, "u1", clock.now, "EUR", (line,)))
    clock.now = CREATED
    return ids
