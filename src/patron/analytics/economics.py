"""Customer economics: what acquiring a member cost, what they brought back, and when
the cost was paid back — by acquisition month (cohort), by channel, or both.

For a group g (a month, a channel, or a month and a channel) of acquired members:

    new_members(g)    members enrolled in g's month(s) through g's channel(s)
    spend(g)          acquisition spend recorded for g (table acquisition_spend)
    cac(g)            spend(g) / new_members(g); none without spend or without members
    value(g, k)       value of the purchases of g's members made k whole calendar months
                      after the month they enrolled (k = 0 the enrollment month; a
                      purchase dated before the enrollment counts in month 0)
    value_per_member  Σ_k value(g, k) / new_members(g): value brought so far per member
    clv_to_cac        value_per_member / cac
    payback_months    the least k with Σ_{j<=k} value(g, j) / new_members(g) >= cac(g);
                      none while the members have not yet brought back what they cost

A purchase's value is its margin on the goods kept, kept − cost × kept / total with
kept = total − refunded, when every purchase of the store carries its cost, and its
revenue (kept) otherwise; `basis` says which. The "CLV" here is the historical value
to date, the floor of any lifetime value: a model's forecast (analytics/clv) adds the
future on top of it and depends on a fit the data may not support; this never does.
By channel, cohorts are pooled: value(g, k) adds every cohort's k-th month.

Members are counted from the store's members table (enrolled_at, acquisition_channel),
purchases from its purchases table, both aggregated in the store's own engine; only the
small per-group, per-month table comes back to Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from patron.domain.errors import InvalidInput

GROUPINGS = {"cohort": ("month",), "channel": ("channel",), "both": ("month", "channel")}


@dataclass(frozen=True)
class EconomicsRow:
    month: str | None
    channel: str | None
    spend: float
    new_members: int
    cac: float | None
    value_per_member: float | None
    clv_to_cac: float | None
    payback_months: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Economics:
    by: str
    basis: str  # "margin" or "revenue"
    rows: list[EconomicsRow]

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "basis": self.basis, "data": [r.as_dict() for r in self.rows]}


def _month_index(value: ir.Value) -> ir.IntegerValue:
    when = value.cast("timestamp")
    return when.year() * 12 + when.month() - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def kept_revenue(purchases: ir.Table) -> ir.FloatingValue:
    """What a purchase of the store's `purchases` table brought in: its total less what
    was refunded of it."""
    return purchases.total.cast("float64") - purchases.refunded_total.cast("float64")


def kept_margin(purchases: ir.Table) -> ir.FloatingValue:
    """A purchase's margin on the goods kept: kept − cost × kept / total (null where its
    cost is unknown). Also the KPI catalogue's margin (analytics/kpi_catalogue.py)."""
    total = purchases.total.cast("float64")
    kept = kept_revenue(purchases)
    cost_kept = ibis.cases((total > 0, purchases.cost.cast("float64") * kept / total), else_=0.0)
    return kept - cost_kept


def _tables(con: ibis.BaseBackend) -> tuple[ir.Table, ir.Table, ir.Table, str]:
    members, purchases = con.table("members"), con.table("purchases")
    recorded = con.table("acquisition_spend")
    spend = recorded.select(
        month=_month_index(recorded.month),
        channel=recorded.channel,
        amount=recorded.amount.cast("float64"),
    )
    acquired = members.select(
        member_id=members.id,
        month=_month_index(members.enrolled_at),
        channel=members.acquisition_channel,
    )
    costless = int(purchases.filter(purchases.cost.isnull()).count().execute())
    has_any = int(purchases.count().execute()) > 0
    basis = "margin" if has_any and costless == 0 else "revenue"
    value = kept_margin(purchases) if basis == "margin" else kept_revenue(purchases)
    bought = purchases.select(
        member_id=purchases.member_id, bought=_month_index(purchases.occurred_at), value=value
    )
    return acquired, bought, spend, basis


def economics(con: ibis.BaseBackend, by: str = "both") -> Economics:
    """CAC, value per member, CLV/CAC and payback, computed in the store `con` reaches."""
    if by not in GROUPINGS:
        raise InvalidInput(f"by: must be one of {list(GROUPINGS)}, not {by!r}")
    keys = GROUPINGS[by]
    acquired, bought, recorded, basis = _tables(con)
    sizes = acquired.group_by(list(keys)).aggregate(new_members=acquired.count()).to_pandas()
    joined = bought.join(acquired, "member_id")
    # a purchase dated before its member enrolled counts in the enrollment month
    since = ibis.greatest(joined.bought - joined.month, 0).name("k")
    monthly = joined.group_by([*keys, since]).aggregate(value=joined.value.sum()).to_pandas()
    totals = recorded.group_by(list(keys)).aggregate(amount=recorded.amount.sum()).to_pandas()
    spent = {tuple(_key(r[k]) for k in keys): float(r["amount"]) for _, r in totals.iterrows()}
    members = {tuple(_key(r[k]) for k in keys): int(r["new_members"]) for _, r in sizes.iterrows()}
    values: dict[tuple[Any, ...], dict[int, float]] = {}
    for _, r in monthly.iterrows():
        by_month = values.setdefault(tuple(_key(r[k]) for k in keys), {})
        by_month[int(r["k"])] = by_month.get(int(r["k"]), 0.0) + float(r["value"])
    groups = sorted(set(members) | set(spent), key=lambda g: tuple((v is None, v) for v in g))
    rows = [_row(g, keys, spent.get(g, 0.0), members.get(g, 0), values.get(g, {})) for g in groups]
    return Economics(by, basis, rows)


def _key(value: Any) -> Any:
    """A group key from pandas: None for a missing channel, int for a month index."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return int(value) if not isinstance(value, str) else value


def _row(
    group: tuple[Any, ...], keys: tuple[str, ...], spend: float, n: int, value: dict[int, float]
) -> EconomicsRow:
    named = dict(zip(keys, group, strict=True))
    cac = spend / n if n and spend > 0 else None
    per_member = sum(value.values()) / n if n else None
    payback = None
    if cac is not None:
        running = 0.0
        for k in sorted(value):
            running += value[k]
            if running / n >= cac - 1e-9:
                payback = k
                break
    return EconomicsRow(
        month=_month_text(named["month"]) if "month" in named else None,
        channel=named.get("channel"),
        spend=round(spend, 2),
        new_members=n,
        cac=cac,
        value_per_member=per_member,
        clv_to_cac=per_member / cac if cac and per_member is not None else None,
        payback_months=payback,
    )
