"""The budget against actuals on both stores: the reward costs by month of the story of
tests/integration/points_story.py, plans and spend computed by hand, refusals that
write nothing, and the audit of every write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from patron.analytics.budget import budget_report
from patron.analytics.liability import report
from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.domain.budget import BudgetCategory as C
from patron.domain.errors import InvalidInput
from patron.services.budget import RecordBudgetSpend, SetPlan, record_budget_spend, set_plan
from tests.conftest import Clock
from tests.integration.points_story import tell

pytestmark = pytest.mark.usefixtures("verified")
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def _report(patron: Patron) -> dict[tuple[str, str], dict[str, object]]:
    found = patron.read(lambda uow: budget_report(uow, JAN, MAR))
    return {(r["month"], r["category"]): r for r in (row.as_dict() for row in found.rows)}


def test_actual_reward_cost_is_the_cost_of_the_rewards_redeemed_by_month(
    patron: Patron, clock: Clock
):
    # given the story: a mug (4.00) in January and one in February; a 100-point discount in
    # January cancelled the next day; a 20-point discount (0.20) in February
    tell(patron, clock)
    rows = _report(patron)
    assert rows["2026-01", "rewards"]["actual"] == Decimal("4.00")
    assert rows["2026-01", "rewards"]["sources"] == {
        "rewards_redeemed": "4.00",
        "discounts_granted": "0.00",
        "free_event_seats": "0.00",
    }
    assert rows["2026-02", "rewards"]["actual"] == Decimal("4.20")
    assert ("2026-03", "rewards") not in rows  # nothing planned, nothing spent


def test_plan_against_actual_with_the_variance_by_hand(patron: Patron, clock: Clock):
    tell(patron, clock)
    plan = lambda m, c, a: patron.run(set_plan, SetPlan(m, c, Decimal(a), "EUR", "cli:ana"))  # noqa: E731
    plan(JAN, C.REWARDS, "10.00")
    plan(JAN, C.REWARDS, "5.00")  # replaces the 10.00
    plan(FEB, C.LOGISTICS, "100.00")
    for amount in ("60.00", "50.00"):
        spend = RecordBudgetSpend(FEB, C.LOGISTICS, Decimal(amount), "EUR", "cli:ana", "cards")
        patron.run(record_budget_spend, spend)
    rows = _report(patron)
    jan = rows["2026-01", "rewards"]
    assert (jan["planned"], jan["actual"], jan["variance"]) == (
        Decimal("5.00"),
        Decimal("4.00"),
        Decimal("-1.00"),
    )
    assert jan["variance_pct"] == pytest.approx(-0.2)
    feb = rows["2026-02", "logistics"]
    assert (feb["planned"], feb["actual"], feb["variance"]) == (
        Decimal("100.00"),
        Decimal("110.00"),
        Decimal("10.00"),
    )
    assert feb["variance_pct"] == pytest.approx(0.1)
    # the liability's change is the roll-forward's, month by month
    roll = patron.read(lambda uow: report(uow, JAN, MAR, replicates=0).rows())
    for month, row in zip(("2026-01", "2026-02", "2026-03"), roll, strict=True):
        assert rows[month, "points_liability"]["actual"] == row["liability_change"]
    # and every write is in the audit log, the replaced amount with it
    with patron.uow(readonly=True) as uow:
        planned = uow.audit.search(AuditQuery(action="budget.planned"))
        spent = uow.audit.search(AuditQuery(action="budget.spend_recorded"))
    assert [e.details["previous"] for e in planned] == [None, "10.00", None]
    assert [e.details["amount"] for e in spent] == ["60.00", "50.00"]
    assert spent[0].actor == "cli:ana" and spent[0].reason == "cards"


@pytest.mark.parametrize(
    ("category", "amount", "currency", "message"),
    [
        (C.LOGISTICS, "-1.00", "EUR", "amount: -1.00 must be a number from 0"),
        (C.LOGISTICS, "1.005", "EUR", "more than 2 decimals"),
        (C.LOGISTICS, "1.00", "USD", "not the program's currency"),
        (C.REWARDS, "1.00", "EUR", "Patron computes the actual of 'rewards'"),
    ],
)
def test_bad_spend_is_refused_and_nothing_is_written(
    patron: Patron, category, amount, currency, message
):
    with pytest.raises(InvalidInput, match=message):
        spend = RecordBudgetSpend(JAN, category, Decimal(amount), currency, "cli:ana")
        patron.run(record_budget_spend, spend)
    with pytest.raises(InvalidInput):
        patron.run(
            set_plan,
            SetPlan(
                JAN,
                C.OTHER,
                Decimal(amount) if currency == "USD" else Decimal("-5"),
                currency,
                "cli:ana",
            ),
        )
    with patron.uow(readonly=True) as uow:
        assert uow.budget.spend(JAN, MAR) == [] and uow.budget.plans(JAN, MAR) == []
        assert uow.audit.search(AuditQuery(action="budget.planned")) == []
        assert uow.audit.search(AuditQuery(action="budget.spend_recorded")) == []
