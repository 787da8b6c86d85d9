"""The points roll-forward balances every month against the ledger, on both stores, with
the figures of tests/integration/points_story.py computed by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from patron.analytics import breakage
from patron.analytics.liability import LINES, report, roll_forward
from patron.bootstrap import Patron
from tests.conftest import Clock
from tests.integration.points_story import tell

pytestmark = pytest.mark.usefixtures("verified")

JANUARY = {
    "issued_purchases": 600,
    "issued_bonuses": 50,
    "issued_welcome": 200,
    "issued_referral": 0,
    "adjusted_up": 40,
    "redemptions_cancelled": 100,
    "redeemed_rewards": 150,
    "redeemed_discounts": 100,
    "expired": 0,
    "refunds": 0,
    "adjusted_down": 30,
    "debt_settled": 0,
}
FEBRUARY = {**dict.fromkeys(LINES, 0), "issued_purchases": 50, "redeemed_rewards": 150,
            "redeemed_discounts": 20, "refunds": 300}  # fmt: skip
MARCH = {**dict.fromkeys(LINES, 0), "expired": 200}


def _balances_at(patron: Patron, end: datetime) -> int:
    """Σ over members of their ledger entries dated before `end`, read entry by entry."""
    total = 0
    with patron.uow(readonly=True) as uow:
        for mid in (1, 2):
            total += sum(
                e.points for e in uow.ledger.entries(mid, 1000, None) if e.occurred_at < end
            )
    return total


def test_the_roll_forward_balances_every_month_against_the_ledger(patron: Patron, clock: Clock):
    # given the story's three months
    tell(patron, clock)
    # when
    found = patron.read(roll_forward, date(2026, 1, 1), date(2026, 3, 1))
    rows = report_rows(patron)
    # then each month's lines are the hand-computed ones
    assert [r["month"] for r in rows] == ["2026-01", "2026-02", "2026-03"]
    for row, expected in zip(rows, (JANUARY, FEBRUARY, MARCH), strict=True):
        assert {k: row[k] for k in LINES} == expected, row["month"]
    assert [(r["opening"], r["closing"], r["pending"]) for r in rows] == [
        (0, 710, 300),
        (710, 290, 50),
        (290, 90, 0),
    ]
    # opening + issued − redeemed + cancelled − expired ± adjusted − refunds = closing
    for r in rows:
        moved = (r["issued"] + r["adjusted_up"] + r["redemptions_cancelled"] - r["redeemed_rewards"]
                 - r["redeemed_discounts"] - r["expired"] - r["refunds"] - r["adjusted_down"]
                 - r["debt_settled"])  # fmt: skip
        assert r["opening"] + moved == r["closing"]
        assert r["balanced"] == "yes" and r["lots_closing"] == r["closing"]
    # and the closing is the members' balances from the ledger at each month's end
    ends = [datetime(2026, 2, 1), datetime(2026, 3, 1), datetime(2026, 4, 1)]
    assert [m.closing for m in found] == [_balances_at(patron, e) for e in ends]
    with patron.uow(readonly=True) as uow:
        assert found[-1].closing == sum(uow.members.get(m).balance for m in (1, 2))  # type: ignore[union-attr]


def report_rows(patron: Patron) -> list[dict[str, object]]:
    return patron.read(
        lambda uow: report(uow, date(2026, 1, 1), date(2026, 3, 1), replicates=20).rows()
    )


def test_money_is_points_at_the_point_value_and_liability_nets_breakage(patron, clock, monkeypatch):
    tell(patron, clock)
    # the story's few redeemers are under the 30 a store needs before breakage is applied
    # (breakage.MIN_REDEEMERS): at first the liability is the points at their full value
    first = patron.read(lambda uow: report(uow, date(2026, 1, 1), date(2026, 3, 1), replicates=0))
    assert first.rows()[2]["liability"] == Decimal("0.90")
    # the netting itself, with the threshold lowered to the story's size
    monkeypatch.setattr(breakage, "MIN_REDEEMERS", 1)
    found = patron.read(lambda uow: report(uow, date(2026, 1, 1), date(2026, 3, 1), replicates=20))
    rows = found.rows()
    # 710 points at 0.01 EUR
    assert rows[0]["closing_value"] == Decimal("7.10")
    assert rows[1]["refunds_value"] == Decimal("3.00")
    b = found.breakage
    assert b is not None and 0 <= b.low <= b.expected <= b.high <= 1
    expected = (Decimal(90) * Decimal("0.01") * (1 - Decimal(str(b.expected)))).quantize(
        Decimal("0.01")
    )
    assert rows[2]["liability"] == expected
    assert rows[2]["liability_change"] == rows[2]["liability"] - rows[1]["liability"]


def test_an_opening_before_the_first_month_asked_carries_the_earlier_months(patron, clock):
    tell(patron, clock)
    found = patron.read(roll_forward, date(2026, 2, 1), date(2026, 2, 1))
    assert [(m.opening, m.closing) for m in found] == [(710, 290)]


def test_every_line_has_its_columns_in_the_reports():
    from patron.analytics.columns import kinds

    names = kinds("liability")
    assert all(line in names and f"{line}_value" in names for line in LINES)


def test_the_fate_of_every_point_by_age_as_the_breakage_reads_it(patron: Patron, clock: Clock):
    # given the story, read on 2026-03-20 10:00; ages in whole days since each lot's earning
    a, b = tell(patron, clock)
    with patron.uow(readonly=True) as uow:
        fates = uow.points.point_fates(uow.now)
    found = sorted((f.member_id == a and "A" or "B", f.cohort, f.cause, f.age_days, f.points)
                   for f in fates)  # fmt: skip
    assert found == sorted([
        ("A", "2026-01", "redeem", 24, 100),   # the mug on 01-25 from the welcome lot
        ("A", "2026-01", "redeem", 20, 50),    # and from the 01-05 lot
        ("A", "2026-01", "redeem", 36, 150),   # the mug on 02-10, the 01-05 lot
        ("A", "2026-01", "other", 6, 300),     # the refund on 02-03 of the 01-28 lot
        ("A", "2026-01", "open", 50, 40),      # the adjustment of 01-29, open on 03-20
        ("B", "2026-01", "redeem", 55, 20),    # the discount on 02-25, welcome lot
        ("B", "2026-01", "other", 28, 30),     # the adjustment −30 on 01-29, welcome lot
        ("B", "2026-01", "expire", 59, 200),   # the welcome lot's 50 (03-01), the 01-10 lot's 150
        ("B", "2026-02", "open", 28, 50),      # the 02-20 lot
    ])  # fmt: skip
    # the cancelled discount and its cancel are not there; every point issued is
    assert sum(f.points for f in fates) == 940
    with patron.uow(readonly=True) as uow:
        still = uow.points.open_points(uow.now)
    assert sorted((o.age_days, o.life_days, o.points) for o in still) == [
        (28, 59, 50),
        (50, 59, 40),
    ]  # lives: 02-20 to 04-20, 01-29 to 03-29


def test_with_no_redemption_yet_the_liability_is_the_points_full_value(patron: Patron):
    # given one member and their 100 welcome points (examples/program.toml: 0.01 a point)
    from tests.integration.helpers import member

    member(patron)
    found = patron.read(lambda uow: report(uow, None, None, replicates=5))
    assert found.breakage is not None and not found.breakage.applicable
    assert found.rows()[-1]["liability"] == Decimal("1.00")


def test_a_period_of_more_than_twenty_years_is_refused(patron: Patron):
    from patron.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at most 240 months"):
        patron.read(roll_forward, date(2000, 1, 1), date(2026, 1, 1))


def test_twenty_years_of_month_ends_in_one_report(patron: Patron, clock: Clock):
    tell(patron, clock)
    found = patron.read(roll_forward, date(2006, 4, 1), date(2026, 3, 1))  # 240 month ends
    assert len(found) == 240 and all(m.balanced for m in found)
    assert [m.closing for m in found[-3:]] == [710, 290, 90]


def test_the_points_issued_with_purchases_by_the_rule_that_gave_them(patron: Patron, clock):
    # January: 200 + 100 + 300 EUR at 1 point per EUR, and B's code S bonus; February: 50
    tell(patron, clock)
    found = patron.read(lambda uow: report(uow, date(2026, 1, 1), date(2026, 3, 1), replicates=0))
    assert [(r["month"], r["rule"], r["points"]) for r in found.rule_rows()] == [
        ("2026-01", "base", 600),
        ("2026-01", "promotion Code S +50", 50),
        ("2026-02", "base", 50),
    ]
    for row in found.rows():  # each month's rules sum to what its earn entries issued
        by_rule = sum(r.points for r in found.by_rule if r.month == row["month"])
        assert by_rule == row["issued_purchases"] + row["issued_bonuses"]
