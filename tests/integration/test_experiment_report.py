"""An experiment's report computed in the store's engine (analytics/experiments.py) on
SQLite and PostgreSQL: per-member outcomes of a small fixture whose numbers are written
here, the difference equal to scipy's Welch test on them, CUPED equal to a hand
adjustment, the cost of the rewards the treated redeemed, and the power table."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
import scipy.stats

from patron.analytics.experiments import Window, default_period, power_table, report
from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.experiments import Arm
from patron.services.commands import MemberRef, RecordPurchase, Redeem
from patron.services.earn import record_purchase
from patron.services.experiments import CreateExperiment, create_experiment, show_experiment
from patron.services.redeem import redeem
from tests.conftest import Clock, use_program
from tests.integration.helpers import member
from tests.usecases.test_experiments import expected_arm

PROGRAM = """
name = "Report"
currency = "EUR"

[earning]
points_per_unit = 1
rounding = "down"
pending_days = 0

[[rewards]]
id = "coffee"
name = "Free coffee"
kind = "gift"
points = 150
cost = 0.80
"""
SALT = "report-salt"
N = 12


def buy(patron: Patron, mid: int, order: str, amount: int, at: datetime) -> None:
    # each purchase costs the business 60 % of its price: margin = 0.4 x revenue
    line = Line("A", None, 1, Decimal(amount), unit_cost=Decimal(amount) * Decimal("0.6"))
    patron.run(record_purchase, RecordPurchase(MemberRef(id=mid), order, at, "EUR", (line,)))


@pytest.fixture
def fixture(patron: Patron, clock: Clock) -> dict[str, object]:
    use_program(patron, PROGRAM)
    start = clock()
    ids = [member(patron, f"c-{i}", enrolled_at=start - timedelta(days=60)) for i in range(N)]
    pre, now = {}, {}
    for i, mid in enumerate(ids):
        treated = expected_arm(SALT, mid, 0.5) is Arm.TREATMENT
        pre[mid] = 10 * (i + 1)  # one purchase in the pre-period, 10 days before the start
        now[mid] = pre[mid] + (15 if treated else 0) + 7 * (i % 3)
        buy(patron, mid, f"pre-{i}", pre[mid], start - timedelta(days=10))
    patron.run(
        create_experiment,
        CreateExperiment("h", "holdout", "cli:test", control_share=Decimal("0.5"), salt=SALT),
    )
    clock.advance(days=20)
    for i, mid in enumerate(ids):
        if i % 4 != 3:  # every fourth member buys nothing in the period
            buy(patron, mid, f"now-{i}", now[mid], start + timedelta(days=5))
        else:
            now[mid] = 0
    rich = max((m for m in ids if expected_arm(SALT, m, 0.5) is Arm.TREATMENT), key=now.get)
    patron.run(redeem, Redeem(rich, reward_id="coffee"))  # 0.80 EUR of cost, in the period
    clock.advance(days=10)
    return {"ids": ids, "pre": pre, "now": now, "start": start}


def test_the_report_equals_welch_and_cuped_by_hand(patron: Patron, fixture: dict) -> None:  # type: ignore[type-arg]
    ids, pre, now = fixture["ids"], fixture["pre"], fixture["now"]
    experiment = patron.read(show_experiment, "h").experiment
    period = default_period(experiment, patron.clock())
    assert period == Window(fixture["start"], fixture["start"] + timedelta(days=30))
    found = patron.analytics().run(lambda con: report(con, experiment, period, other_cost=100.0))
    arm = {m: expected_arm(SALT, m, 0.5) for m in ids}
    yc = np.array([now[m] for m in ids if arm[m] is Arm.CONTROL], dtype=float)
    yt = np.array([now[m] for m in ids if arm[m] is Arm.TREATMENT], dtype=float)
    xc = np.array([pre[m] for m in ids if arm[m] is Arm.CONTROL], dtype=float)
    xt = np.array([pre[m] for m in ids if arm[m] is Arm.TREATMENT], dtype=float)
    # the arms as drawn, members who bought nothing included
    summary = {a.arm: a for a in found.arms}
    assert (summary["control"].members, summary["treatment"].members) == (len(yc), len(yt))
    assert summary["treatment"].revenue == pytest.approx(yt.mean())
    assert summary["treatment"].margin == pytest.approx(0.4 * yt.mean())
    assert summary["control"].retention == pytest.approx((yc > 0).mean())
    effects = {(e.metric, e.cuped): e for e in found.effects}
    welch = scipy.stats.ttest_ind(yt, yc, equal_var=False)
    plain = effects[("revenue", False)]
    assert (plain.ci_low, plain.ci_high) == (
        pytest.approx(welch.confidence_interval().low),
        pytest.approx(welch.confidence_interval().high),
    )
    assert plain.p_value == pytest.approx(welch.pvalue)
    x, y = np.concatenate([xc, xt]), np.concatenate([yc, yt])
    theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
    adjusted = scipy.stats.ttest_ind(
        yt - theta * (xt - x.mean()), yc - theta * (xc - x.mean()), equal_var=False
    )
    cuped = effects[("revenue", True)]
    assert cuped.difference == pytest.approx(
        (yt - theta * (xt - x.mean())).mean() - (yc - theta * (xc - x.mean())).mean()
    )
    assert cuped.ci_low == pytest.approx(adjusted.confidence_interval().low)
    # money: the CUPED margin difference x treated members, less the cost
    margin = effects[("margin", True)]
    assert found.incremental_margin.value == pytest.approx(margin.difference * len(yt))
    assert found.redeemed_cost == pytest.approx(0.80)
    assert found.net_margin.low == pytest.approx(margin.ci_low * len(yt) - 100.80)
    assert found.roi.high == pytest.approx((margin.ci_high * len(yt) - 100.80) / 100.80)
    assert found.sample_ratio is not None
    assert found.sample_ratio.control == len(yc) and not found.sample_ratio.mismatch


def test_the_power_table_from_the_stores_own_variance(patron: Patron, fixture: dict) -> None:  # type: ignore[type-arg]
    now = fixture["now"]
    at = fixture["start"] + timedelta(days=30)
    rows = patron.analytics().run(
        lambda con: power_table(con, at, 0.1, control_share=0.5, horizons=(4,))
    )
    # the last 4 weeks: every member, with their purchase of the period (or nothing)
    y = np.array([now[m] for m in fixture["ids"]], dtype=float)
    z2 = (scipy.stats.norm.ppf(0.975) + scipy.stats.norm.ppf(0.8)) ** 2
    (row,) = rows
    assert (row.members, row.mean) == (N, pytest.approx(y.mean()))
    assert row.variance == pytest.approx(y.var(ddof=1))
    assert row.members_needed == int(np.ceil(z2 * y.var(ddof=1) * 4 / (0.1 * y.mean()) ** 2))
    assert row.purchases_per_member_week == pytest.approx((y > 0).mean() / 4)
