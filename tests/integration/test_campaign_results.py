"""A campaign's results in the store's engine (analytics/campaigns.py) on SQLite and
PostgreSQL: on synthetic purchases with a known effect (each treated member spends 12.00
more in the attribution window), the reported incremental revenue's interval covers the
true one; the cost and the ROI from the messages and the offer's points; the variants'
split within its bound; the audience's model picks from a customer base."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from patron.analytics.campaigns import picked, results
from patron.analytics.insights import CustomerBase
from patron.bootstrap import Patron
from patron.domain.campaigns import CampaignInputs, Status, parse_audience
from patron.domain.errors import InvalidInput
from patron.domain.experiments import Arm
from patron.services.campaigns import (
    CampaignSpec,
    CreateCampaign,
    create_campaign,
    draw_run,
    find_campaign,
)
from patron.store import tables as t
from patron.store.campaigns import RunRecord
from tests.conftest import Clock, use_program
from tests.integration.helpers import member

PROGRAM = """
name = "Results"
currency = "EUR"

[earning]
points_per_unit = 1
"""
N = 400
EFFECT = 12.0  # per treated member, in the attribution window


def test_the_incremental_revenue_interval_covers_the_known_effect(
    patron: Patron, clock: Clock
) -> None:
    use_program(patron, PROGRAM)
    start = clock()
    ids = [member(patron, f"c-{i}", enrolled_at=start - timedelta(days=60)) for i in range(N)]
    variants = [{"name": "A", "share": "0.5"}, {"name": "B", "share": "0.5"}]
    spec = CampaignSpec(
        "known", audience={"consent": False}, variants=variants, holdout_share="0.5",
        salt="known-salt", attribution_days=14,
    )  # fmt: skip
    cid = patron.run(create_campaign, CreateCampaign(spec, "cli:test")).campaign.id
    with patron.uow() as uow:
        campaign = find_campaign(uow, str(cid))
        drawn = draw_run(uow, campaign, 1, None)
        moved = replace(campaign, status=Status.DONE, next_run_at=None)
        uow.campaigns.ran(moved, RunRecord(1, uow.now, N, len(drawn.holdout), 0, 0, "cli:test"))
        uow.commit()
    treated = {m for m, _ in drawn.treated}
    rng = np.random.default_rng(16)
    rows = []
    for i, mid in enumerate(ids):
        base = float(rng.gamma(2.0, 20.0))
        pre = max(0.0, base + float(rng.normal(0, 8)))
        now = max(0.0, base + float(rng.normal(0, 8))) + (EFFECT if mid in treated else 0.0)
        for n, (amount, at) in enumerate(
            ((pre, start - timedelta(days=7)), (now, start + timedelta(days=3)))
        ):
            total = Decimal(str(round(amount, 2)))
            rows.append({
                "member_id": mid, "order_id": f"o-{i}-{n}", "occurred_at": at, "currency": "EUR",
                "total": total, "cost": (total * Decimal("0.6")).quantize(Decimal("0.01")),
                "refunded_total": 0, "points_earned": 0, "bonus_points": 0, "source": "import",
                "created_at": at,
            })  # fmt: skip
    with patron.engine.begin() as conn:
        conn.execute(t.purchases.insert(), rows)
    clock.advance(days=30)
    with patron.uow(readonly=True) as uow:
        campaign = find_campaign(uow, str(cid))
    inputs = CampaignInputs(
        campaign, {"sent": 150, "refused:no_consent": 50}, None, 20, 1000,
        Decimal("0.05"), Decimal("0.01"), "EUR",
    )  # fmt: skip
    found = patron.analytics().run(lambda con: results(con, inputs, clock()))
    assert (found.window.start, found.window.end) == (start, start + timedelta(days=14))
    arms = {a.arm: a.members for a in found.arms}
    assert arms == {Arm.CONTROL.value: len(drawn.holdout), Arm.TREATMENT.value: len(treated)}
    true_revenue = EFFECT * len(treated)
    revenue = found.incremental_revenue
    assert revenue.low is not None and revenue.high is not None
    assert revenue.low <= true_revenue <= revenue.high
    # and the interval says something: narrower than the effect itself either side
    assert revenue.high - revenue.low < true_revenue
    # cost: 150 messages x 0.05 + 1000 points x 0.01 = 7.50 + 10.00
    assert found.cost.total == Decimal("17.5000")
    margin = found.incremental_margin
    assert margin.value is not None and found.net_margin.value is not None
    assert found.net_margin.value == pytest.approx(margin.value - 17.5)
    assert found.roi.value == pytest.approx((margin.value - 17.5) / 17.5)
    assert found.offer_purchases == 20 and found.sent == 150
    assert all(v.within for v in found.variants)
    assert sum(v.members for v in found.variants) == len(treated)
    assert "unsubscribes per campaign are not counted yet" in found.notes
    document = found.as_dict()
    assert Decimal(document["cost"]["total"]) == Decimal("17.50")
    assert document["incremental_revenue"]["low"] == revenue.low


class _Alive:
    """A purchase model whose P(alive) is the customer's frequency / 10 (by hand)."""

    def probability_alive(self, x: np.ndarray, t: np.ndarray, T: np.ndarray) -> np.ndarray:
        return x / 10


def test_the_model_criteria_pick_from_the_customer_base() -> None:
    summary = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "segment": ["at risk", "lost", "at risk", "champions"],
            "abc": ["A", "C", "B", "A"],
            "frequency": [1.0, 2.0, 5.0, 9.0],
            "recency": [1.0, 1.0, 1.0, 1.0],
            "T": [10.0, 10.0, 10.0, 10.0],
        }
    ).set_index("customer_id")
    base = CustomerBase(summary, _Alive(), None, date(2026, 3, 1))  # type: ignore[arg-type]
    assert picked(base, parse_audience({})) is None
    assert picked(base, parse_audience({"segments": ["at risk"]})) == {"a", "c"}
    assert picked(base, parse_audience({"segments": ["at risk"], "abc": ["A"]})) == {"a"}
    # P(alive) below 0.3: frequencies 1 and 2 (0.1, 0.2)
    assert picked(base, parse_audience({"p_alive_below": 0.3})) == {"a", "b"}
    with pytest.raises(InvalidInput, match="spend model"):
        picked(base, parse_audience({"clv_above": 10}))
