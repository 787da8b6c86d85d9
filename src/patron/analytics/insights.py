"""What the platform knows of one customer: RFM segment, P(alive), expected purchases and
CLV, from models fitted on the whole customer base; and the categories their segment buys
that they do not yet (analytics/crosssell.py), for offers and recommended rewards.

`CustomerBase` fits once and answers many members; adapters keep one for a while (the
API caches it) since refitting on every request would be wasteful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from patron.analytics import lifetime
from patron.analytics.clv import GammaGammaModel, ModelNotIdentified
from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.value import discounted_clv
from patron.analytics.crosssell import next_categories
from patron.analytics.frames import Source
from patron.analytics.rfm import rfm
from patron.analytics.summary import customer_summary
from patron.domain.clock import iso_utc
from patron.domain.errors import NotFound, PatronError


@dataclass
class CustomerBase:
    summary: Any  # pandas DataFrame indexed by customer_id
    purchases: PurchaseModel | None
    spend: GammaGammaModel | None
    fitted_at: datetime
    # (customer_id, category, segment_share): what the customer's segment buys, they not
    recommended: Any = None

    @classmethod
    def fit(cls, source: Source, now: datetime, period: str = "week") -> CustomerBase:
        summary = customer_summary(source, period=period, observation_end=now).to_pandas()
        segments = rfm(source, as_of=now).to_pandas()[["customer_id", "segment", "rfm"]]
        summary = summary.merge(segments, on="customer_id", how="left").set_index("customer_id")
        purchases, spend = _fitted(source, now, period)
        recommended = None
        if source.lines is not None:
            recommended = next_categories(source, as_of=now).to_pandas()
        return cls(summary, purchases, spend, now, recommended)

    def insights(self, customer_id: str, horizon: int = 52) -> dict[str, Any]:
        if customer_id not in self.summary.index:
            raise NotFound(f"customer {customer_id!r} has no purchases yet")
        row = self.summary.loc[customer_id]
        x, t, T = (np.array([float(row[c])]) for c in ("frequency", "recency", "T"))
        m = np.array([float(row["monetary_value"])])
        result: dict[str, Any] = {
            "customer_id": customer_id,
            "segment": row["segment"],
            "rfm": row["rfm"],
            "purchases": int(row["purchases"]),
            "total_spend": float(row["total_spend"]),
            "p_alive": None,
            "expected_purchases": None,
            "clv": None,
            "horizon_weeks": horizon,
            "recommended_categories": self._recommended(customer_id),
        }
        if self.purchases is not None:
            result["p_alive"] = float(self.purchases.probability_alive(x, t, T)[0])
            result["expected_purchases"] = float(
                self.purchases.expected_purchases(float(horizon), x, t, T)[0]
            )
            if self.spend is not None:
                clv = discounted_clv(
                    self.purchases, self.spend, x, t, T, m, horizon=horizon, period_days=7.0
                )
                result["clv"] = float(clv[0])
        return result

    def _recommended(self, customer_id: str) -> list[dict[str, Any]]:
        """Categories bought by at least half of the customer's RFM segment, not by them."""
        if self.recommended is None:
            return []
        mine = self.recommended[self.recommended.customer_id == customer_id]
        return [
            {"category": str(r.category), "segment_share": float(r.segment_share)}
            for r in mine.itertuples(index=False)
        ]


def member_scores(fit: Callable[[], CustomerBase], customer_id: str) -> dict[str, Any]:
    """A member's RFM segment and lifetime-value figures for their personal-data export,
    or why there are none: an export must not fail because the store holds too little
    to model (no purchases at all, none of theirs, or too few to fit the models)."""
    try:
        base = fit()
        found = base.insights(customer_id)
    except PatronError as exc:  # no customers to fit; this customer has no purchases
        return {"available": False, "note": exc.message}
    found.pop("customer_id", None)
    scores: dict[str, Any] = {"available": True, "as_of": iso_utc(base.fitted_at), **found}
    if found["p_alive"] is None or found["clv"] is None:
        scores["note"] = (
            "too few purchases in the store to fit the lifetime models:"
            " the figures they give (P(alive), expected purchases, CLV) are null"
        )
    return scores


def _fitted(
    source: Source, now: datetime, period: str
) -> tuple[PurchaseModel | None, GammaGammaModel | None]:
    """BG/NBD and Gamma-Gamma through the pipeline of `patron clv fit` (counts grouped
    in the store's engine); a model the data cannot identify is left out (None)."""
    try:
        customers = lifetime.customers(source, period=period, observation_end=now)
        purchases: PurchaseModel | None = lifetime.fit_purchases("bgnbd", customers)
    except ModelNotIdentified:
        purchases = None
    try:
        spenders = lifetime.customers(source, period=period, observation_end=now, spend=True)
        spend: GammaGammaModel | None = lifetime.fit_spend(spenders)
    except ModelNotIdentified:
        spend = None
    return purchases, spend
