"""A campaign's audience picks from the analytics, and its results against the holdout.

Design overview.

**Picks.** The audience criteria that come from models (RFM segment, A/B/C class,
P(alive) below a threshold, CLV above one) are read from the customer base the analytics
fit once a day and hold (analytics/insights.py `CustomerBase`; the console's and the
API's `store_base`): `picked` gives the external ids that meet them, which the use case
then intersects with the store's criteria. Nothing is fitted per request when a base is
held. A customer without a purchase is in no base, so meets no such criterion.

**Results.** Over the attribution window, [first run, last run + attribution days) cut at
now, the members of the campaign's two arms (`campaign_members`: `control` is the holdout,
`treatment` the treated, as drawn, whether or not their message went out: the
comparison is of the arms as drawn, intention to treat) are compared with exactly the
experiments' statistics: `analytics/experiments.outcomes_of` (revenue, purchases, margin,
retention per member, and the same over the pre-period of the window's length) and
`analytics/uplift.py` (Welch's difference, CUPED, incremental money = difference per
member × treated members, net = incremental margin − cost, ROI = net / cost, the sample
ratio against the holdout share). The cost is the messages sent at the channel's unit
cost plus the offer's points at the program's point value (domain/campaigns.Cost). The
variants' split is checked against their shares within a binomial bound
(domain/campaigns.binomial_bound).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import numpy as np
from tea_tasting.aggr import Aggregates

from patron.analytics import uplift
from patron.analytics.clv.value import discounted_clv
from patron.analytics.experiments import (
    ArmSummary,
    Window,
    arm_aggregates,
    json_safe,
    margin_basis,
    outcomes_of,
    summary,
)
from patron.analytics.insights import CustomerBase
from patron.analytics.summary import period_days
from patron.domain.campaigns import (
    Audience,
    CampaignInputs,
    Cost,
    attribution_window,
    binomial_bound,
)
from patron.domain.errors import InvalidInput
from patron.domain.experiments import Arm

METRICS = ("revenue", "purchases", "margin", "retention")
CLV_HORIZON = 52  # periods of the base (weeks), as the member insights' CLV


def picked(base: CustomerBase, audience: Audience) -> frozenset[str] | None:
    """The customers (external ids) the audience's model criteria keep; None when it
    names none. Refused when a criterion needs a model the store's history cannot fit."""
    if not audience.needs_models:
        return None
    s = base.summary
    keep = np.ones(len(s), dtype=bool)
    if audience.segments:
        keep &= s["segment"].isin(list(audience.segments)).to_numpy()
    if audience.abc:
        keep &= s["abc"].isin(list(audience.abc)).to_numpy()
    if audience.p_alive_below is not None or audience.clv_above is not None:
        if base.purchases is None:
            raise InvalidInput(
                "audience: P(alive) and CLV need a purchase model; the store's history is too"
                " short to fit one"
            )
        x, t, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
        if audience.p_alive_below is not None:
            keep &= base.purchases.probability_alive(x, t, T) < audience.p_alive_below
        if audience.clv_above is not None:
            if base.spend is None:
                raise InvalidInput(
                    "audience: CLV needs a spend model; too few repeat customers to fit one"
                )
            m = s["monetary_value"].to_numpy(dtype=float)
            clv = discounted_clv(
                base.purchases, base.spend, x, t, T, m, horizon=CLV_HORIZON,
                period_days=period_days(base.period),
            )  # fmt: skip
            keep &= np.asarray(clv) > float(audience.clv_above)
    return frozenset(str(c) for c in s.index[keep])


@dataclass(frozen=True)
class VariantSplit:
    variant: str
    share: float
    members: int
    expected: float
    bound: float  # |members − expected| within it: the split is as drawn

    @property
    def within(self) -> bool:
        return abs(self.members - self.expected) <= self.bound


@dataclass(frozen=True)
class CampaignResults:
    campaign: str
    window: Window
    pre_window: Window
    basis: str
    arms: list[ArmSummary]
    effects: list[uplift.Effect]
    incremental_revenue: uplift.Money
    incremental_margin: uplift.Money
    cost: Cost
    net_margin: uplift.Money
    roi: uplift.Money
    sample_ratio: uplift.SampleRatio | None
    variants: list[VariantSplit]
    messages: dict[str, int]
    unsubscribed: int | None
    offer_purchases: int
    confidence: float
    notes: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.messages.get("sent", 0)

    def money_rows(self) -> list[dict[str, Any]]:
        total = float(self.cost.total)
        named = [
            ("incremental_revenue", self.incremental_revenue),
            ("incremental_margin", self.incremental_margin),
            ("campaign_cost", uplift.Money(total, total, total)),
            ("net_incremental_margin", self.net_margin),
            ("roi", self.roi),
        ]
        return [{"figure": name, **money.as_dict()} for name, money in named]

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = json_safe(
            {
                "campaign": self.campaign,
                "window": {
                    "from": self.window.start.isoformat(),
                    "to": self.window.end.isoformat(),
                },
                "pre_window": {
                    "from": self.pre_window.start.isoformat(),
                    "to": self.pre_window.end.isoformat(),
                },
                "confidence": self.confidence,
                "margin_basis": self.basis,
                "messages": dict(self.messages),
                "sent": self.sent,
                "delivered": self.sent,
                "bounced": self.messages.get("bounced", 0),
                "unsubscribed": self.unsubscribed,
                "offers_used": self.offer_purchases,
                "arms": [dict(vars(a)) for a in self.arms],
                "effects": [e.as_dict() for e in self.effects],
                "incremental_revenue": self.incremental_revenue.as_dict(),
                "incremental_margin": self.incremental_margin.as_dict(),
                "cost": {
                    "currency": self.cost.currency,
                    "messages": self.cost.messages,
                    "unit_cost": str(self.cost.unit_cost),
                    "messages_cost": str(self.cost.messages_cost),
                    "offer_points": self.cost.offer_points,
                    "point_value": str(self.cost.point_value),
                    "vouchers_cost": str(self.cost.vouchers_cost),
                    "offer_cost": str(self.cost.offer_cost),
                    "total": str(self.cost.total),
                },
                "net_incremental_margin": self.net_margin.as_dict(),
                "roi": self.roi.as_dict(),
                "sample_ratio": None if self.sample_ratio is None else self.sample_ratio.as_dict(),
                "variants": [{**vars(v), "within": v.within} for v in self.variants],
                "notes": list(self.notes),
            }
        )
        return found


def results(
    con: ibis.BaseBackend,
    inputs: CampaignInputs,
    now: datetime,
    *,
    margin_rate: float | None = None,
    confidence: float = 0.95,
) -> CampaignResults:
    """The campaign's results over its attribution window so far."""
    campaign = inputs.campaign
    if not 0 < confidence < 1:
        raise InvalidInput(f"confidence: {confidence} must be strictly between 0 and 1")
    if margin_rate is not None and not 0 <= margin_rate <= 1:
        raise InvalidInput(f"margin rate: {margin_rate} must be from 0 to 1 (0.3 is 30 %)")
    found = attribution_window(campaign, now)
    if found is None:
        raise InvalidInput(f"campaign {campaign.name!r} has not run yet: no results")
    window = Window(*found)
    basis = margin_basis(con, window, margin_rate)
    metrics = tuple(m for m in METRICS if m != "margin" or basis != "none")
    assigned = con.table("campaign_members")
    members = assigned.filter(assigned.campaign_id == campaign.id).select(
        member_id=assigned.member_id, arm=assigned.arm
    )
    arms = arm_aggregates(outcomes_of(con, members, window, margin_rate), metrics)
    control = arms.get(Arm.CONTROL.value, Aggregates(count_=0))
    treatment = arms.get(Arm.TREATMENT.value, Aggregates(count_=0))
    treated = int(treatment.count_ or 0)
    notes: list[str] = []
    effects: list[uplift.Effect] = []
    try:
        for metric in metrics:
            for covariate in (None, f"{metric}_pre"):
                effects.append(
                    uplift.effect(
                        control, treatment, metric, value=metric, covariate=covariate,
                        confidence=confidence,
                    )
                )  # fmt: skip
    except InvalidInput as exc:
        effects = []
        notes.append(f"no effect measured: {exc.message}")
    adjusted = {e.metric: e for e in effects if e.cuped}
    revenue = uplift.incremental(adjusted.get("revenue"), treated)
    margin = uplift.incremental(adjusted.get("margin"), treated)
    cost = Cost(
        inputs.messages.get("sent", 0), inputs.unit_cost, inputs.offer_points,
        inputs.point_value, inputs.currency, inputs.vouchers_cost,
    )  # fmt: skip
    net = uplift.net_of(margin, float(cost.total))
    ratio = None
    if campaign.holdout_share > 0:
        ratio = uplift.sample_ratio(
            int(control.count_ or 0), treated, float(campaign.holdout_share)
        )
        if ratio.mismatch:
            notes.insert(0, "sample ratio mismatch: the arms' sizes do not fit the holdout share")
    else:
        notes.append("no holdout: the campaign's effect cannot be measured, only its cost")
    if basis == "none":
        notes.append(
            "no margin: some purchases carry no cost; give a margin rate or record unit costs"
        )
    if inputs.unsubscribed is None:
        notes.append("unsubscribes per campaign are not counted yet")
    _, by_variant = _variant_counts(con, campaign.id)
    splits = [
        VariantSplit(
            v.name, float(v.share), by_variant.get(v.name, 0), treated * float(v.share),
            binomial_bound(treated, float(v.share)),
        )
        for v in campaign.variants
    ]  # fmt: skip
    return CampaignResults(
        campaign=campaign.name,
        window=window,
        pre_window=window.before(),
        basis=basis,
        arms=[summary(arm, arms.get(arm.value), metrics, confidence) for arm in Arm],
        effects=effects,
        incremental_revenue=revenue,
        incremental_margin=margin,
        cost=cost,
        net_margin=net,
        roi=uplift.roi_of(net, float(cost.total)),
        sample_ratio=ratio,
        variants=splits,
        messages=dict(inputs.messages),
        unsubscribed=inputs.unsubscribed,
        offer_purchases=inputs.offer_purchases,
        confidence=confidence,
        notes=notes,
    )


def _variant_counts(con: ibis.BaseBackend, campaign_id: int) -> tuple[int, dict[str, int]]:
    assigned = con.table("campaign_members")
    treated = assigned.filter(
        assigned.campaign_id == campaign_id, assigned.arm == Arm.TREATMENT.value
    )
    rows = treated.group_by("variant").aggregate(n=treated.count()).to_pyarrow().to_pylist()
    found = {str(r["variant"]): int(r["n"]) for r in rows if r["variant"] is not None}
    return sum(found.values()), found
