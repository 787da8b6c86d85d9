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
    ).mutate(customer_share=ibis._.rank / n, revenue_share=ibis._.cumulative / total)


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
    """Share of revenue from the top `share` of customers."""
    ranked = _ranked(source)
    best = ranked.filter(ranked.customer_share <= share)
    value = best.revenue_share.max().execute()
    return float(value) if value is not None else 0.0
