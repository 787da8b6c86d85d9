"""RFM scores and the usual named segments.

Each customer gets 1..bins on recency (days since the last purchase: fewer is better),
frequency (purchases) and monetary value (total spend). Scores come from the percent
rank, so tied customers always share a score: score = min(bins, 1 + ⌊percent_rank·bins⌋).
Segments follow the common R×F grid (first matching rule wins):

    can't lose           R <= 1 and F >= 4      champions        R >= 4 and F >= 4
    loyal                R >= 3 and F >= 3      at risk          R <= 2 and F >= 3
    new                  R >= 4 and F <= 1      potential loyalists  R >= 4 and F <= 3
    need attention       R == 3                 hibernating      R == 2
    lost                 otherwise (R <= 1, F <= 2)

(for `bins` other than 5, R and F are first rescaled to 1..5).
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source, days_between
from patron.analytics.summary import customer_summary, last_purchase
from patron.domain.errors import InvalidInput

SEGMENTS = (
    "champions",
    "loyal",
    "potential loyalists",
    "new",
    "need attention",
    "at risk",
    "can't lose",
    "hibernating",
    "lost",
)


def _score(column: ir.Value, bins: int, *, lower_is_better: bool = False) -> ir.Value:
    order = ibis.desc(column) if lower_is_better else column
    rank = ibis.percent_rank().over(order_by=order)
    return ibis.least(bins, (rank * bins).floor().cast("int64") + 1)


def rfm(source: Source, *, bins: int = 5, as_of: datetime | None = None) -> ir.Table:
    if not 2 <= bins <= 10:
        raise InvalidInput("bins must be between 2 and 10")
    end = as_of or last_purchase(source)
    summary = customer_summary(source, period="day", observation_end=end)
    days_since = days_between(ibis.literal(end.date()), summary.last_purchase).round().cast("int64")
    scored = summary.select(
        "customer_id",
        "purchases",
        "total_spend",
        days_since_last=days_since,
    )
    scored = scored.mutate(
        r=_score(scored.days_since_last, bins, lower_is_better=True),
        f=_score(scored.purchases, bins),
        m=_score(scored.total_spend, bins),
    )
    r5 = ((scored.r - 1).cast("float64") * 4 / (bins - 1)).round().cast("int64") + 1
    f5 = ((scored.f - 1).cast("float64") * 4 / (bins - 1)).round().cast("int64") + 1
    segment = ibis.cases(
        ((r5 <= 1) & (f5 >= 4), "can't lose"),
        ((r5 >= 4) & (f5 >= 4), "champions"),
        ((r5 >= 3) & (f5 >= 3), "loyal"),
        ((r5 <= 2) & (f5 >= 3), "at risk"),
        ((r5 >= 4) & (f5 <= 1), "new"),
        (r5 >= 4, "potential loyalists"),
        (r5 == 3, "need attention"),
        (r5 == 2, "hibernating"),
        else_="lost",
    )
    return scored.mutate(
        rfm=scored.r.cast("string") + scored.f.cast("string") + scored.m.cast("string"),
        segment=segment,
    ).order_by("customer_id")


def segment_counts(scores: ir.Table) -> ir.Table:
    """Customers and revenue share per segment."""
    total = scores.total_spend.sum()
    per = scores.group_by("segment").aggregate(
        customers=scores.count(), revenue=scores.total_spend.sum()
    )
    return per.mutate(revenue_share=per.revenue / total.as_scalar()).order_by(ibis.desc("revenue"))
