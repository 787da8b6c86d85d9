"""What the platform knows of one customer: RFM segment, P(alive), expected purchases and
CLV, from models fitted on the whole customer base; and the categories their segment buys
that they do not yet (analytics/crosssell.py), for offers and recommended rewards.

`CustomerBase` fits once and answers many members; adapters keep one for a while
(`CustomerBases`: the API caches one per as_of day) since refitting on every request
would be wasteful.

Everything is measured to one day, `as_of` (the store's default is today: see
analytics/lifetime.py), and the purchase model is the one the holdout validation ranks
best among BG/NBD, MBG/NBD and Pareto/NBD (`lifetime.choose_purchase_model`); every
answer says which day and which model.
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np

from patron.analytics import lifetime
from patron.analytics.abc import abc_classes
from patron.analytics.clv import GammaGammaModel, ModelNotIdentified
from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.value import discounted_clv
from patron.analytics.columns import encode_row, encode_rows
from patron.analytics.crosssell import next_categories
from patron.analytics.frames import Source, from_store
from patron.analytics.held import Held
from patron.analytics.rfm import rfm
from patron.analytics.snapshot import Version
from patron.analytics.store import StoreAnalytics
from patron.analytics.summary import customer_summary, period_days
from patron.domain.errors import InvalidInput, NotFound, PatronError

# churn risk bands by P(alive): high below 30%, medium from 30% to 70%, low from 70%
CHURN_RISK = {"high": (0.0, 0.3), "medium": (0.3, 0.7), "low": (0.7, 1.000001)}


@dataclass
class CustomerBase:
    summary: Any  # pandas DataFrame indexed by customer_id
    purchases: PurchaseModel | None
    spend: GammaGammaModel | None
    as_of: date  # every figure is measured to this day (purchases on it included)
    # (customer_id, category, segment_share): what the customer's segment buys, they not
    recommended: Any = None
    choice: lifetime.Choice | None = None  # the purchase model and why it was chosen
    period: str = "week"  # the models' time unit

    @classmethod
    def fit(cls, source: Source, as_of: date | datetime, period: str = "week") -> CustomerBase:
        """Fit on the purchases up to `as_of` (a datetime counts as its day: the
        store's clock, `patron.clock()`, may be passed as it is)."""
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        end = datetime.combine(day, time())
        summary = customer_summary(source, period=period, observation_end=end).to_pandas()
        segments = rfm(source, as_of=end).to_pandas()[["customer_id", "segment", "rfm"]]
        summary = summary.merge(segments, on="customer_id", how="left")
        # the A/B/C class on the default criteria (spend), as the segments page shows them
        classes = abc_classes(source, as_of=end).to_pandas()[["customer_id", "abc"]]
        summary = summary.merge(classes, on="customer_id", how="left").set_index("customer_id")
        choice, spend = _fitted(source, day, period)
        recommended = None
        if source.lines is not None:
            recommended = next_categories(source, as_of=end).to_pandas()
        purchases = choice.model if choice is not None else None
        return cls(summary, purchases, spend, day, recommended, choice, period)

    def insights(self, customer_id: str, horizon: int = 52) -> dict[str, Any]:
        if customer_id not in self.summary.index:
            raise NotFound(
                f"customer {customer_id!r} has no purchases up to {self.as_of.isoformat()}"
            )
        row = self.summary.loc[customer_id]
        x, t, T = (np.array([float(row[c])]) for c in ("frequency", "recency", "T"))
        m = np.array([float(row["monetary_value"])])
        result: dict[str, Any] = {
            "customer_id": customer_id,
            "as_of": self.as_of.isoformat(),
            "segment": row["segment"],
            "rfm": row["rfm"],
            "purchases": int(row["purchases"]),
            "total_spend": float(row["total_spend"]),
            "p_alive": None,
            "expected_purchases": None,
            "clv": None,
            "horizon_weeks": horizon,
            "model": self.choice.name if self.choice is not None else None,
            "model_basis": self.choice.basis if self.choice is not None else None,
            "recommended_categories": self._recommended(customer_id),
        }
        if self.purchases is not None:
            result["p_alive"] = float(self.purchases.probability_alive(x, t, T)[0])
            result["expected_purchases"] = float(
                self.purchases.expected_purchases(float(horizon), x, t, T)[0]
            )
            if self.spend is not None:
                clv = discounted_clv(
                    self.purchases,
                    self.spend,
                    x,
                    t,
                    T,
                    m,
                    horizon=horizon,
                    period_days=period_days(self.period),
                )
                result["clv"] = float(clv[0])
        return result

    def matching(
        self, segment: str | None, risk: str | None, abc: str | None = None
    ) -> frozenset[str] | None:
        """The customers of an RFM `segment`, of a churn `risk` band (CHURN_RISK: by
        their P(alive) as of this base's day) and of an A/B/C class; None when none is
        asked. Only customers who bought are in a base, so a member without a purchase
        matches no filter."""
        if segment is None and risk is None and abc is None:
            return None
        s = self.summary
        keep = np.ones(len(s), dtype=bool)
        if segment is not None:
            keep &= (s["segment"] == segment).to_numpy()
        if abc is not None:
            keep &= (s["abc"] == abc).to_numpy()
        if risk is not None:
            if self.purchases is None:
                raise InvalidInput(
                    "churn risk needs a purchase model: the store's history is too short to fit one"
                )
            x, t, T = (s[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
            alive = self.purchases.probability_alive(x, t, T)
            low, high = CHURN_RISK[risk]
            keep &= (alive >= low) & (alive < high)
        return frozenset(str(c) for c in s.index[keep])

    def classes(self, customer_ids: list[str]) -> dict[str, str]:
        """The A/B/C class of each of these customers who bought (the others have none)."""
        column = self.summary["abc"]
        return {c: str(column.at[c]) for c in customer_ids if c in column.index}

    def _recommended(self, customer_id: str) -> list[dict[str, Any]]:
        """Categories bought by at least half of the customer's RFM segment, not by them."""
        if self.recommended is None:
            return []
        mine = self.recommended[self.recommended.customer_id == customer_id]
        return [
            {"category": str(r.category), "segment_share": float(r.segment_share)}
            for r in mine.itertuples(index=False)
        ]


def encode_insights(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer of `CustomerBase.insights` as JSON carries it (analytics/columns.py):
    total spend and CLV as decimal strings, P(alive) a fraction, the day ISO."""
    found = dict(answer)
    recommended = found.pop("recommended_categories", [])
    return {
        **encode_row("insights", found),
        "recommended_categories": encode_rows("recommended_categories", recommended),
    }


def member_scores(fit: Callable[[], CustomerBase], customer_id: str) -> dict[str, Any]:
    """A member's RFM segment and lifetime-value figures for their personal-data export,
    or why there are none: an export must not fail because the store holds too little
    to model (no purchases at all, none of theirs, or too few to fit the models)."""
    try:
        base = fit()
        found = encode_insights(base.insights(customer_id))
    except PatronError as exc:  # no customers to fit; this customer has no purchases
        return {"available": False, "note": exc.message}
    found.pop("customer_id", None)
    scores: dict[str, Any] = {"available": True, **found}
    if found["p_alive"] is None or found["clv"] is None:
        scores["note"] = (
            "too few purchases in the store to fit the lifetime models:"
            " the figures they give (P(alive), expected purchases, CLV) are null"
        )
    return scores


def _fitted(
    source: Source, as_of: date, period: str
) -> tuple[lifetime.Choice | None, GammaGammaModel | None]:
    """The purchase model the holdout ranks best (fitted on everything up to `as_of`)
    and Gamma-Gamma, through the pipeline of `patron clv predict` (counts grouped in the
    store's engine); a model the data cannot identify is left out (None)."""
    end = datetime.combine(as_of, time())
    try:
        choice: lifetime.Choice | None = lifetime.choose_for(source, as_of, period)
    except ModelNotIdentified:
        choice = None
    try:
        spenders = lifetime.customers(source, period=period, observation_end=end, spend=True)
        spend: GammaGammaModel | None = lifetime.fit_spend(spenders)
    except ModelNotIdentified:
        spend = None
    return choice, spend


class CustomerBases:
    """Fitted customer bases by as_of day, each held for one version of the data and at
    most `ttl` seconds: a fit costs seconds, an answer milliseconds. At most `keep` days
    are held (the least recently asked leaves first), so asking for many past days does
    not pile up models. After the data changed, a page waits at most `wait` seconds for
    the new fit and is otherwise given the last one (analytics/held.py says why).

    The API's insights route holds one of these on `app.state` and takes `?as_of=`:

        day = lifetime.store_as_of(as_of, patron.clock().date()).day  # after today: 422
        base = store_base(bases, patron.analytics(), day, patron.read(data_version))
        return base.insights(member.external_id)
    """

    def __init__(
        self,
        ttl: float = 600.0,
        keep: int = 4,
        monotonic: Callable[[], float] = clock.monotonic,
        wait: float = math.inf,
    ) -> None:
        self._held: Held[CustomerBase] = Held(wait=wait, keep=keep, ttl=ttl, monotonic=monotonic)

    def get(
        self, day: date, fit: Callable[[date], CustomerBase], version: object = None
    ) -> CustomerBase:
        """The base of `day` for `version` of the data (a new purchase or refund makes
        another), fitted again when none is held for it."""
        return self._held.get(day, version, lambda: fit(day)).value

    def ready(
        self, day: date, fit: Callable[[date], CustomerBase], version: object = None
    ) -> CustomerBase | None:
        """Like `get`, but None at once while the day's first fit runs (pages that
        always wait get the base, as from `get`)."""
        found = self._held.ready(day, version, lambda: fit(day))
        return None if found is None else found.value


def store_base(
    bases: CustomerBases, analytics: StoreAnalytics, day: date, version: Version | None = None
) -> CustomerBase:
    """The store's customer base fitted as of `day`, from `bases` while it is held there
    for this `version` of the data (the API's insights and the console's pages ask for the
    same fits; `services.queries.data_version` names the version). With a version, the
    fit reads the in-memory copy of that version (analytics/snapshot.py)."""
    return bases.get(day, _fitter(analytics, version), version)


def ready_base(
    bases: CustomerBases, analytics: StoreAnalytics, day: date, version: Version
) -> CustomerBase | None:
    """`store_base`, or None at once while the day's first fit runs (in the background):
    for a page that shows itself without the base (the customer 360°)."""
    return bases.ready(day, _fitter(analytics, version), version)


def _fitter(analytics: StoreAnalytics, version: Version | None) -> Callable[[date], CustomerBase]:
    def fit(d: date) -> CustomerBase:
        if version is None:
            return analytics.run(lambda con: CustomerBase.fit(from_store(con), d))
        return analytics.on_copy(version, lambda source: CustomerBase.fit(source, d))

    return fit
