"""Cohort retention: customers grouped by the month of their first purchase, and the
share of each cohort that bought again in each following month.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from patron.analytics.columns import month_text, plain
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


def _index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def triangle(rows: Sequence[dict[str, Any]]) -> tuple[list[tuple[str, int, list[Any]]], int]:
    """The retention triangle of `cohort_retention`'s rows: (cohort, size, retention by
    month since) per cohort, oldest first, and the number of month columns. A month inside
    the data in which none of a cohort bought is 0.0; a month after the data's last one is
    None, the triangle's lower edge (the CLI and the console draw the same triangle)."""
    cohorts: dict[str, tuple[int, dict[int, float]]] = {}
    for row in rows:
        month = month_text(plain(row["cohort_month"]))
        size, shares = cohorts.setdefault(month, (int(row["size"]), {}))
        shares[int(row["months_since"])] = float(row["retention"])
    if not cohorts:
        return [], 0
    last = max(_index(m) + k for m, (_, shares) in cohorts.items() for k in shares)
    width = last - min(_index(m) for m in cohorts) + 1
    table = []
    for month in sorted(cohorts):
        size, shares = cohorts[month]
        seen = last - _index(month)
        table.append(
            (month, size, [shares.get(k, 0.0) if k <= seen else None for k in range(width)])
        )
    return table, width
