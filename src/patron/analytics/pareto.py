"""The 80/20 check: how much of the revenue the best customers bring.

Customers are ranked by total spend; the curve gives, for each tenth of the customers
(best first), the cumulative share of revenue. `top_share(0.2)` is the classic figure.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source


def _ranked(source: Source) -> ir.Table:
    p = source.purchases
    spend = p.group_by("customer_id").aggregate(revenue=p.amount.sum())
    order = [ibis.desc("revenue"), "customer_id"]
    total = spend.revenue.sum().as_scalar()
    n = spend.count().as_scalar()
    return spend.mutate(
        rank=ibis.row_number().over(order_by=order) + 1,
        cumulative=spend.revenue.sum().over(ibis.cumulative_window(order_by=order)),
    ).mutate(
        customer_share=ibis._.rank.cast("float64") / n, revenue_share=ibis._.cumulative / total
    )


def pareto_curve(source: Source, points: int = 10) -> ir.Table:
    """Cumulative revenue share at each 1/points of customers (best first)."""
    ranked = _ranked(source)
    bucket = (ranked.customer_share * points).ceil().cast("int64")
    return (
        ranked.group_by(bucket.name("step"))
        .aggregate(
            customer_share=ranked.customer_share.max(), revenue_share=ranked.revenue_share.max()
        )
        .order_by("step")
    )


def top_share(source: Source, share: float = 0.2) -> float:
    """Share of revenue from the top `share` of customers, interpolated between customers
    (with 3 customers, the top 20% is 0.6 of the best one)."""
    ranked = _ranked(source)
    below = (
        ranked.filter(ranked.customer_share <= share)
        .order_by(ibis.desc("customer_share"))
        .limit(1)
        .to_pandas()
    )
    above = (
        ranked.filter(ranked.customer_share >= share)
        .order_by("customer_share")
        .limit(1)
        .to_pandas()
    )
    if above.empty:
        return 1.0 if not below.empty else 0.0
    x0, y0 = (
        (0.0, 0.0)
        if below.empty
        else (float(below.customer_share.iloc[0]), float(below.revenue_share.iloc[0]))
    )
    x1, y1 = float(above.customer_share.iloc[0]), float(above.revenue_share.iloc[0])
    if x1 == x0:
        return y1
    return y0 + (y1 - y0) * (share - x0) / (x1 - x0)
