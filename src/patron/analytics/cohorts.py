"""Cohort retention: customers grouped by the month of their first purchase, and the
share of each cohort that bought again in each following month.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source


def _month_index(value: ir.TimestampValue) -> ir.IntegerValue:
    return value.year() * 12 + value.month() - 1


def cohort_retention(source: Source) -> ir.Table:
    """Rows (cohort, months_since, customers, size, retention); month 0 is 1.0."""
    p = source.purchases.mutate(month=_month_index(source.purchases.occurred_at))
    first = p.group_by("customer_id").aggregate(cohort=p.month.min())
    active = p.select("customer_id", "month").distinct().join(first, "customer_id")
    counts = active.group_by(
        ["cohort", (active.month - active.cohort).name("months_since")]
    ).aggregate(customers=active.customer_id.nunique())
    sizes = first.group_by("cohort").aggregate(size=first.count())
    table = counts.join(sizes, "cohort")
    return (
        table.mutate(
            cohort_month=ibis.date(table.cohort // 12, table.cohort % 12 + 1, 1),
            retention=table.customers.cast("float64") / table.size,
        )
        .select("cohort_month", "months_since", "customers", "size", "retention")
        .order_by(["cohort_month", "months_since"])
    )
