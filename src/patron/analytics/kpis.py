"""Period KPIs and acquisition economics.

For a period [start, end):
    customers          customers with at least one purchase in the period
    new_customers      of those, customers whose first purchase ever is in the period
    purchases, revenue
    purchase_frequency purchases / customers
    average_basket     revenue / purchases
    repurchase_rate    share of the period's customers with 2 or more purchases in it
    retention_rate     share of the previous period's customers (same length, just
                       before) who bought again in this period; churn_rate = 1 - retention
    products_per_customer  mean number of distinct products (SKUs) on the lines of each
                       customer's purchases in the period, over the period's customers;
                       none when the data has no purchase lines
Acquisition: CAC = marketing spend / new customers (175,000 for 10 new customers is
17,500); CLV/CAC; and the cost of retaining (spend on existing customers per retained
customer) against the cost of acquiring.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source
from patron.domain.errors import InvalidInput


@dataclass(frozen=True)
class TrendPoint:
    """One period of a trend: the purchase KPIs of `period_kpis` that need no period
    before it (retention does: a trend shows it nowhere)."""

    start: str
    end: str
    customers: int
    new_customers: int
    purchases: int
    revenue: float
    purchase_frequency: float
    average_basket: float
    repurchase_rate: float


@dataclass(frozen=True)
class PeriodKpis(TrendPoint):
    """A period's KPIs: a trend's figures, and those that compare it with the period
    before (and the products per customer, which a trend does not count)."""

    retention_rate: float | None
    churn_rate: float | None
    products_per_customer: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def period_kpis(source: Source, start: datetime, end: datetime) -> PeriodKpis:
    if end <= start:
        raise InvalidInput("the period must end after it starts")
    p = source.purchases
    day = p.occurred_at.date()  # days compare alike in every engine (SQLite: text)
    inside = p.filter((day >= start.date()) & (day < end.date()))
    per = inside.group_by("customer_id").aggregate(n=inside.count(), spend=inside.amount.sum())
    firsts = p.group_by("customer_id").aggregate(first=day.min())
    stats = per.aggregate(
        customers=per.count(),
        purchases=per.n.sum(),
        revenue=per.spend.sum(),
        repeaters=(per.n >= 2).sum(),
    ).execute()
    customers = int(stats["customers"].iloc[0] or 0)
    purchases = int(stats["purchases"].iloc[0] or 0)
    revenue = _sum(stats["revenue"].iloc[0])
    new = int(
        firsts.filter((firsts["first"] >= start.date()) & (firsts["first"] < end.date()))
        .count()
        .execute()
    )
    previous_start = start - (end - start)
    before = p.filter((day >= previous_start.date()) & (day < start.date()))
    previous = before.select("customer_id").distinct()
    n_previous = int(previous.count().execute())
    kept = int(previous.semi_join(per, "customer_id").count().execute())
    retention = kept / n_previous if n_previous else None
    return PeriodKpis(
        start=start.date().isoformat(),
        end=end.date().isoformat(),
        customers=customers,
        new_customers=new,
        purchases=purchases,
        revenue=round(revenue, 2),
        purchase_frequency=purchases / customers if customers else 0.0,
        average_basket=revenue / purchases if purchases else 0.0,
        repurchase_rate=int(stats["repeaters"].iloc[0] or 0) / customers if customers else 0.0,
        retention_rate=retention,
        churn_rate=None if retention is None else 1 - retention,
        products_per_customer=_products_per_customer(source, inside, customers),
    )


def _sum(value: Any) -> float:
    """A SUM's value: an empty period sums to nothing, which pandas reads as NaN (a
    truthy float that `or 0.0` lets through, and that no JSON answer may hold)."""
    number = float(value) if value is not None else 0.0
    return 0.0 if math.isnan(number) else number


def _products_per_customer(source: Source, inside: ir.Table, customers: int) -> float | None:
    """Distinct SKUs per customer on the period's purchases, averaged over its customers."""
    if source.lines is None or not customers:
        return None
    lines = source.lines.semi_join(inside, ["customer_id", "order_id"])
    lines = lines.filter(lines.sku.notnull())
    per = lines.group_by("customer_id").aggregate(products=lines.sku.nunique())
    total = per.products.sum().to_pyarrow().as_py()
    if total is None:  # no line of the period names its product: unknown, not zero
        return None
    return float(total) / customers


def compare(current: PeriodKpis, previous: PeriodKpis) -> dict[str, dict[str, float | None]]:
    """Each KPI in both periods with its relative change."""
    out: dict[str, dict[str, float | None]] = {}
    for key, now in current.as_dict().items():
        if key in ("start", "end"):
            continue
        before = previous.as_dict()[key]
        change = None
        if isinstance(now, int | float) and isinstance(before, int | float) and before:
            change = (now - before) / before
        out[key] = {"previous": before, "current": now, "change": change}
    return out


def cac(marketing_spend: float, new_customers: int) -> float:
    """Customer acquisition cost: spend per new customer."""
    if new_customers <= 0:
        raise InvalidInput("CAC needs at least one new customer")
    if marketing_spend < 0:
        raise InvalidInput("marketing spend must not be negative")
    return marketing_spend / new_customers


def clv_to_cac(clv: float, acquisition_cost: float) -> float:
    if acquisition_cost <= 0:
        raise InvalidInput("the acquisition cost must be positive")
    return clv / acquisition_cost


def retention_vs_acquisition(
    retention_spend: float, retained: int, acquisition_spend: float, acquired: int
) -> dict[str, float]:
    """Cost per retained customer against cost per acquired customer, and their ratio."""
    retain = cac(retention_spend, retained)
    acquire = cac(acquisition_spend, acquired)
    return {
        "cost_to_retain": retain,
        "cost_to_acquire": acquire,
        "acquire_over_retain": acquire / retain if retain else float("inf"),
    }


def kpis_trend(source: Source, end: datetime, days: int, periods: int) -> list[TrendPoint]:
    """The KPIs of `periods` periods of `days` days each, back to back, the last ending
    at `end` (excluded), oldest first; each as `period_kpis` counts it, in two queries
    over the whole span (one period per bucket) rather than two per period."""
    if days < 1 or periods < 1:
        raise InvalidInput("a trend needs periods of at least one day, and at least one")
    starts = [end - timedelta(days=days * (periods - i)) for i in range(periods)]
    bounds = [(s.date(), (s + timedelta(days=days)).date()) for s in starts]

    def bucket(day: ir.DateValue) -> ir.IntegerValue:
        return ibis.cases(*(((day >= a) & (day < b), i) for i, (a, b) in enumerate(bounds)))

    p = source.purchases
    day = p.occurred_at.date()  # days compare alike in every engine (SQLite: text)
    inside = p.filter((day >= bounds[0][0]) & (day < bounds[-1][1])).mutate(period=bucket(day))
    per = inside.group_by(["period", "customer_id"]).aggregate(
        n=inside.count(), spend=inside.amount.sum()
    )
    stats = per.group_by("period").aggregate(
        customers=per.count(), purchases=per.n.sum(), revenue=per.spend.sum(),
        repeaters=(per.n >= 2).sum(),
    )  # fmt: skip
    firsts = p.group_by("customer_id").aggregate(first=day.min())
    firsts = firsts.filter((firsts["first"] >= bounds[0][0]) & (firsts["first"] < bounds[-1][1]))
    new = firsts.group_by(period=bucket(firsts["first"])).aggregate(n=firsts.count())
    found = {int(r["period"]): r for r in stats.to_pyarrow().to_pylist()}
    newcomers = {int(r["period"]): int(r["n"]) for r in new.to_pyarrow().to_pylist()}
    return [_point(a, b, found.get(i), newcomers.get(i, 0)) for i, (a, b) in enumerate(bounds)]


def _point(start: date, end: date, row: dict[str, Any] | None, new: int) -> TrendPoint:
    customers = int(row["customers"]) if row else 0
    purchases = int(row["purchases"] or 0) if row else 0
    revenue = _sum(row["revenue"]) if row else 0.0
    repeaters = int(row["repeaters"] or 0) if row else 0
    return TrendPoint(
        start=start.isoformat(),
        end=end.isoformat(),
        customers=customers,
        new_customers=new,
        purchases=purchases,
        revenue=round(revenue, 2),
        purchase_frequency=purchases / customers if customers else 0.0,
        average_basket=revenue / purchases if purchases else 0.0,
        repurchase_rate=repeaters / customers if customers else 0.0,
    )
