"""The simulation against the ledger (the differential test of issue 14, point 4).

The same purchases are recorded one by one through the use cases (enroll at the first
purchase, record each purchase with the clock at its moment; at every month's start the
expiry run and the tier re-evaluation) and replayed by `analytics.simulation` with
redemptions off. Every purchase's points, the tier after every purchase, every member's
tier after every re-evaluation, the points expired by each run and the balance at the
end must be equal. Two programs: basis spend with half-even rounding, and basis points
with rounding up (where tiers and points depend on each other).

SQLite with a few thousand purchases (half a minute); PostgreSQL (`CI=true`) with a
quarter of them, as its ledger records a purchase three times slower and the rules do
not depend on the store, though its Decimal columns do (SQLite keeps NUMERIC as a
double).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from patron.analytics.simulation import Assumptions, history_of, simulate
from patron.bootstrap import Patron
from patron.domain.program import Program
from patron.services.commands import Enroll, Expire, MemberRef, RecordPurchase, ReevaluateTiers
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.expire import expire
from patron.services.tiers import reevaluate_tiers
from tests.conftest import Clock, use_program
from tests.support.simulation_history import Bought, history

PROGRAM = """
name = "Differential"
currency = "EUR"

[earning]
points_per_unit = 1.3
rounding = "half_even"
welcome_bonus = 100
pending_days = 14

[tiers]
basis = "spend"
window_months = 3

  [[tiers.levels]]
  name = "Bronze"

  [[tiers.levels]]
  name = "Silver"
  threshold = 600
  multiplier = 1.25

  [[tiers.levels]]
  name = "Gold"
  threshold = 1500.005
  multiplier = 1.5

[categories]
books = 2
toys = 1.15
gift-cards = 0.5

[[promotions]]
name = "Double weekend"
starts = 2025-03-07
ends = 2025-03-09
multiplier = 2

[[promotions]]
name = "Toy week"
starts = 2025-06-01
ends = 2025-06-30
multiplier = 1.5
categories = ["toys"]

[[promotions]]
name = "Spring code"
starts = 2025-04-01
ends = 2025-05-31
bonus = 50
code = "SPRING"

[[promotions]]
name = "VIP books"
starts = 2025-09-01
ends = 2025-12-31
multiplier = 1.1
code = "VIP"

[[promotions]]
name = "Food bonus"
starts = 2025-10-01
ends = 2025-10-31
bonus = 20
categories = ["food"]

[[milestones]]
name = "Tenth purchase"
kind = "purchase_count"
threshold = 10
bonus = 250

[[milestones]]
name = "1000 club"
kind = "cumulative_spend"
threshold = 1000
bonus = 500

[[milestones]]
name = "Odd club"
kind = "cumulative_spend"
threshold = 2500.505
bonus = 300

[expiry]
months = 6
"""

POINTS_PROGRAM = (
    PROGRAM.replace('basis = "spend"', 'basis = "points"')
    .replace('rounding = "half_even"', 'rounding = "up"')
    .replace("threshold = 600\n", "threshold = 800\n")
    .replace("threshold = 1500.005", "threshold = 2000")
)
BOUNDARIES = [datetime(2025 + (m // 12), m % 12 + 1, 1) for m in range(1, 15)]


def record_all(
    patron: Patron, clock: Clock, bought: list[Bought], program: Program
) -> tuple[list[int], list[str], list[dict[str, str]], list[int], dict[str, int]]:
    """Record every purchase in time order through the use cases, with the month-start
    jobs; returns points and tier per purchase (history order), every member's tier
    after each re-evaluation, the points each expiry run burned, and the member ids."""
    points, tiers = [0] * len(bought), [""] * len(bought)
    ids: dict[str, int] = {}
    after_reevaluation: list[dict[str, str]] = []
    burned: list[int] = []
    pending = list(BOUNDARIES)

    def month_start(at: datetime) -> None:
        clock.now = at
        burned.append(expire(patron.new_uow, Expire(at)).points_expired)
        reevaluate_tiers(patron.new_uow, ReevaluateTiers(at))
        with patron.uow(readonly=True) as uow:
            after_reevaluation.append(
                {c: uow.members.get(i).tier for c, i in ids.items()}  # type: ignore[union-attr]
            )

    for k in sorted(range(len(bought)), key=lambda k: (bought[k].at, k)):
        b = bought[k]
        while pending and pending[0] < b.at:
            month_start(pending.pop(0))
        clock.now = b.at
        if b.customer not in ids:
            ids[b.customer] = patron.run(enroll, Enroll(b.customer, enrolled_at=b.at)).member.id
        recorded = patron.run(
            record_purchase,
            RecordPurchase(
                MemberRef(id=ids[b.customer]), f"o-{k}", b.at, "EUR", b.lines, promotion_code=b.code
            ),
        )
        points[k], tiers[k] = recorded.points_earned, recorded.tier
    for at in pending:
        month_start(at)
    return points, tiers, after_reevaluation, burned, ids


def replay(program: Program, bought: list[Bought]):  # type: ignore[no-untyped-def]
    data = history_of(
        [b.customer for b in bought],
        np.array([b.at for b in bought], dtype="datetime64[us]"),
        [b.code for b in bought],
        [b.lines for b in bought],
    )
    return simulate(program, data, Assumptions(date(2025, 1, 1), date(2026, 2, 28)))


@pytest.mark.parametrize(
    ("text", "purchases"), [(PROGRAM, 3000), (POINTS_PROGRAM, 1500)], ids=["spend", "points"]
)
def test_the_simulation_gives_what_the_ledger_gives(
    patron: Patron, clock: Clock, store_kind: str, text: str, purchases: int
) -> None:
    # given
    program = use_program(patron, text)
    quarter = store_kind == "postgres"
    bought = history(purchases // 4 if quarter else purchases, members=25 if quarter else 100)
    # when
    points, tiers, reevaluated, burned, ids = record_all(patron, clock, bought, program)
    run = replay(program, bought)
    # then: every purchase, every tier, every run
    names = [t.name for t in program.tiers.levels]
    assert run.points.total.tolist() == points
    assert [names[r] for r in run.tier_after] == tiers
    member_of = {str(c): m for m, c in enumerate(run.member_ids)}
    for k, members in enumerate(reevaluated):
        simulated = {c: names[run.reevaluated[member_of[c], k]] for c in members}
        assert simulated == members, f"re-evaluation at {BOUNDARIES[k]}"
    assert run.flows.expired.tolist() == burned
    with patron.uow(readonly=True) as uow:
        balances = sum(uow.members.get(i).balance for i in ids.values())  # type: ignore[union-attr]
    assert int(run.flows.outstanding[-1]) == balances
    # and the history has what the test is for: ups and downs, expiry, every rule
    assert sum(burned) > 0
    downgraded = [
        c
        for was, now in zip(reevaluated, reevaluated[1:], strict=False)
        for c in was
        if names.index(now[c]) < names.index(was[c])
    ]
    assert downgraded
    assert len(set(tiers)) == 3
    for rule in ("category", "tier", "promotion", "milestone"):
        assert getattr(run.points, rule).sum() > 0, rule
