"""Cross-selling: which categories sell together, and what each customer's peers buy that
they do not yet — for offers and recommended rewards.

Category pairs (association rules between two categories), over *baskets* = purchases:
a basket is one purchase (customer_id, order_id) with at least one line whose category
is known; a category is in a basket however many of its lines it holds. With N baskets,
n(A) the baskets holding A and n(A, B) those holding both:

    support(A, B)      n(A, B) / N                 (the same for A→B and B→A)
    confidence(A → B)  n(A, B) / n(A)              share of A's baskets that hold B
    lift(A → B)        n(A, B) · N / (n(A) · n(B)) above 1: bought together more often
                                                   than if independent

Next categories: a customer's RFM segment (analytics/rfm.py) "buys" a category when at
least `min_share` of the segment's customers bought it at least once; the customer is
offered each such category they never bought, with the segment's share.

Both run in the engine that holds the data (DuckDB, SQLite, PostgreSQL) through Ibis.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source
from patron.analytics.rfm import rfm
from patron.domain.errors import InvalidInput


def _categories(source: Source) -> ir.Table:
    if source.lines is None:
        raise InvalidInput(
            "cross-selling needs purchase lines with a category: give a file with columns"
            " order_id and category (one row per line), or the store"
        )
    lines = source.lines
    return lines.filter(lines.category.notnull() & (lines.category != "")).select(
        "customer_id", "order_id", "category"
    )


def category_pairs(source: Source, *, min_support: float = 0.0, top: int = 20) -> ir.Table:
    """Rows (antecedent, consequent, baskets, support, confidence, lift), both directions,
    the highest lift first (then support, then the names)."""
    if not 0 <= min_support <= 1:
        raise InvalidInput(f"min_support: {min_support} must be between 0 and 1")
    if top < 1:
        raise InvalidInput(f"top: {top} must be at least 1")
    held = _categories(source).distinct()
    n_baskets = held.select("customer_id", "order_id").distinct().count()
    per = held.group_by("category").aggregate(n=held.count())
    a, b = held.view(), held.view()
    both = a.join(
        b,
        (a.customer_id == b.customer_id) & (a.order_id == b.order_id) & (a.category != b.category),
    ).select(antecedent=a.category, consequent=b.category)
    pairs = both.group_by(["antecedent", "consequent"]).aggregate(baskets=both.count())
    na, nb = per.view(), per.view()
    rules = pairs.join(na, pairs.antecedent == na.category).join(
        nb, pairs.consequent == nb.category
    )
    n = n_baskets.as_scalar().cast("float64")
    both_n = rules.baskets.cast("float64")
    table = rules.select(
        "antecedent",
        "consequent",
        "baskets",
        support=both_n / n,
        confidence=both_n / rules.n.cast("float64"),
        lift=both_n * n / (rules.n.cast("float64") * rules.n_right.cast("float64")),
    )
    return (
        table.filter(table.support >= min_support)
        .order_by([ibis.desc("lift"), ibis.desc("support"), "antecedent", "consequent"])
        .limit(top)
    )


def next_categories(
    source: Source, *, min_share: float = 0.5, as_of: datetime | None = None
) -> ir.Table:
    """Rows (customer_id, segment, category, segment_share): what the customer's segment
    buys and the customer never did, the most shared first."""
    if not 0 < min_share <= 1:
        raise InvalidInput(f"min_share: {min_share} must be above 0 and at most 1")
    bought = _categories(source).select("customer_id", "category").distinct()
    segments = rfm(source, as_of=as_of).select("customer_id", "segment")
    sizes = segments.group_by("segment").aggregate(size=segments.count())
    held = bought.join(segments, "customer_id")
    buyers = held.group_by(["segment", "category"]).aggregate(buyers=held.count())
    shares = buyers.join(sizes, "segment")
    shares = shares.select(
        "segment",
        "category",
        segment_share=shares.buyers.cast("float64") / shares.size.cast("float64"),
    )
    offered = segments.join(shares.filter(shares.segment_share >= min_share), "segment")
    missing = offered.anti_join(bought, ["customer_id", "category"])
    return missing.select("customer_id", "segment", "category", "segment_share").order_by(
        ["customer_id", ibis.desc("segment_share"), "category"]
    )
