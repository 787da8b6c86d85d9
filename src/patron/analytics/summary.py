"""The customer summary: one row per customer, the base of segments and lifetime models.

Purchases on the same day count as one purchase occasion, as in the CLV literature
(frequency = repeat purchase days). Recency and age T are measured from the first
purchase in the chosen period unit (day, week = 7 days, month = 365.25/12 days), up to the
last purchase and to the end of the observation (or calibration) window respectively.
With a calibration end, purchases after it form the holdout: `frequency_holdout` repeat
days in `duration_holdout` periods, the actual figures to compare predictions with.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from patron.analytics.frames import Source, days_between
from patron.domain.errors import InvalidInput

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def period_days(period: str) -> float:
    try:
        return PERIOD_DAYS[period]
    except KeyError:
        raise InvalidInput(f"period must be one of {list(PERIOD_DAYS)}, not {period!r}") from None


def last_purchase(source: Source) -> datetime:
    # through Arrow, not pandas: no pandas import and conversion for one value
    value = source.purchases.occurred_at.max().to_pyarrow().as_py()
    if value is None:
        raise InvalidInput("the source has no purchases")
    return datetime.fromisoformat(str(value)[:19])


def customer_summary(
    source: Source,
    *,
    period: str = "week",
    observation_end: datetime | None = None,
    calibration_end: datetime | None = None,
) -> ir.Table:
    days = period_days(period)
    end = observation_end or last_purchase(source)
    cut = calibration_end or end
    purchases = source.purchases
    day = purchases.occurred_at.date()  # days compare alike in every engine (SQLite: text)
    calibration = purchases.filter(day <= cut.date())
    table = _occasions(calibration, cut, days, source.absent)
    if source.has_channel:
        table = _left(table, _channels(calibration))
    else:
        table = table.mutate(channels=ibis.literal(0, "int64"))
    if source.lines is not None:
        table = _left(table, _products(source.lines, calibration))
    if calibration_end is not None:
        holdout = purchases.filter((day > cut.date()) & (day <= end.date()))
        duration = ibis.literal((end - cut).total_seconds() / 86400 / days)
        table = _with_holdout(table, holdout, duration)
    return table.order_by("customer_id")


def lifetime_columns(
    source: Source,
    *,
    period: str = "week",
    observation_end: datetime | None = None,
    calibration_end: datetime | None = None,
    spend: bool = False,
) -> ir.Table:
    """Per customer only what the lifetime models read, by the definitions of
    `customer_summary`: frequency, recency and T; monetary_value with `spend`;
    frequency_holdout and duration_holdout with a calibration end.

    None of the summary's other figures is computed, and without an observation end the
    last purchase is a scalar subquery of the same query rather than a query of its own:
    the engine is asked once.
    """
    days = period_days(period)
    purchases = source.purchases
    last = purchases.occurred_at.max().as_scalar()
    end_day = ibis.literal(observation_end.date()) if observation_end else last.date()
    cut_day = ibis.literal(calibration_end.date()) if calibration_end else end_day
    calibration = purchases
    if observation_end is not None or calibration_end is not None:
        # (with neither, the end is the last purchase: no purchase comes after it)
        calibration = purchases.filter(purchases.occurred_at.date() <= cut_day)
    daily = calibration.group_by(
        ["customer_id", calibration.occurred_at.date().name("day")]
    ).aggregate(**({"spend": calibration.amount.sum()} if spend else {}))
    spent: dict[str, ir.Value] = {}
    if spend:
        first_spend, daily = _first_day_spend(daily)
        spent = {"total_spend": daily.spend.sum(), "first_spend": first_spend}
    per = daily.group_by("customer_id").aggregate(**_purchase_days(daily), **spent)
    columns = _recency_frequency(per, cut_day, days)
    if spend:
        columns["monetary_value"] = _monetary_value(per, columns["frequency"])
    table = per.select("customer_id", **columns)
    if calibration_end is None:
        return table
    day = purchases.occurred_at.date()
    if observation_end is None:
        holdout = purchases.filter(day > calibration_end.date())
        duration = days_between(last, ibis.literal(calibration_end)) / days
    else:
        holdout = purchases.filter((day > calibration_end.date()) & (day <= end_day))
        duration = ibis.literal((observation_end - calibration_end).total_seconds() / 86400 / days)
    return _with_holdout(table, holdout, duration)


def _purchase_days(daily: ir.Table) -> dict[str, ir.Value]:
    """A customer's purchase days, whence frequency, recency and age."""
    return {
        "first_purchase": daily.day.min(),
        "last_purchase": daily.day.max(),
        "purchase_days": daily.count(),
    }


def _recency_frequency(per: ir.Table, end: ir.Value, days: float) -> dict[str, ir.Value]:
    """Repeat purchase days, and the periods from the first purchase day to the last and
    to `end` (a date)."""
    return {
        "frequency": per.purchase_days - 1,
        "recency": days_between(per.last_purchase, per.first_purchase) / days,
        "T": days_between(end, per.first_purchase) / days,
    }


def _monetary_value(per: ir.Table, frequency: ir.IntegerValue) -> ir.Value:
    """Mean spend of the repeat purchase days (the first day's spend left out), 0 without."""
    repeat_spend = per.total_spend - per.first_spend
    return ibis.cases((frequency > 0, repeat_spend / frequency.cast("float64")), else_=0.0)


def _with_holdout(table: ir.Table, holdout: ir.Table, duration: ir.Value) -> ir.Table:
    """Each customer's purchase days in the holdout (0 without) and its length."""
    days_held = holdout.group_by("customer_id").aggregate(
        frequency_holdout=holdout.occurred_at.date().nunique()
    )
    return _left(table, days_held).mutate(
        frequency_holdout=ibis._.frequency_holdout.fill_null(0), duration_holdout=duration
    )


def _left(table: ir.Table, other: ir.Table) -> ir.Table:
    """Left join on customer_id, keeping one customer_id column."""
    return table.left_join(other, "customer_id").drop("customer_id_right")


def _occasions(purchases: ir.Table, cut: datetime, days: float, absent: frozenset[str]) -> ir.Table:
    """Purchase days, then customers: two group-bys carry every per-customer figure.

    Figures of columns the data does not have are constants, not aggregates over nulls.
    """
    optional = {
        "margin": ("cost", (purchases.amount - purchases.cost).sum(where=purchases.cost.notnull())),
        "promotions": ("promotion_code", purchases.promotion_code.count()),
        "pay_days": ("days_to_pay", purchases.days_to_pay.sum()),
        "invoices": ("days_to_pay", purchases.days_to_pay.count()),
    }
    present = {k: agg for k, (column, agg) in optional.items() if column not in absent}
    daily = purchases.group_by(["customer_id", purchases.occurred_at.date().name("day")]).aggregate(
        spend=purchases.amount.sum(), orders=purchases.count(), **present
    )
    first_day_spend, daily = _first_day_spend(daily)
    per = daily.group_by("customer_id").aggregate(
        **_purchase_days(daily),
        purchases=daily.orders.sum(),
        total_spend=daily.spend.sum(),
        first_spend=first_day_spend,
        **{k: daily[k].sum() for k in present},
    )
    rft = _recency_frequency(per, ibis.literal(cut.date()), days)
    return per.select(
        "customer_id",
        "first_purchase",
        "last_purchase",
        "purchases",
        **rft,
        total_spend=per.total_spend,
        mean_spend=per.total_spend / per.purchases.cast("float64"),
        monetary_value=_monetary_value(per, rft["frequency"]),
        margin=per.margin if "margin" in present else ibis.null("float64"),
        promotions_used=(per.promotions if "promotions" in present else ibis.literal(0, "int64")),
        avg_days_to_pay=(
            per.pay_days / per.invoices.nullif(0).cast("float64")
            if "pay_days" in present
            else ibis.null("float64")
        ),
    )


def _first_day_spend(daily: ir.Table) -> tuple[ir.Value, ir.Table]:
    """Spend of each customer's first purchase day (the repeat spend is the rest).

    DuckDB and PostgreSQL have an ordered first-value aggregate, which spares a sort of
    all purchase days; elsewhere (SQLite compiles `argmin` to a bare-column trick that
    picks the wrong row) the day is ranked with a window function.
    """
    if ibis.get_backend(daily).name in ("duckdb", "postgres"):
        return daily.spend.argmin(daily.day), daily
    window = ibis.window(group_by="customer_id", order_by="day")
    ranked = daily.mutate(first=ibis.row_number().over(window) == 0)
    return ranked.spend.sum(where=ranked.first), ranked


def _channels(purchases: ir.Table) -> ir.Table:
    return purchases.group_by("customer_id").aggregate(channels=purchases.channel.nunique())


def _products(lines: ir.Table, purchases: ir.Table) -> ir.Table:
    kept = lines.semi_join(purchases, ["customer_id", "order_id"])
    return kept.group_by("customer_id").aggregate(
        products=kept.sku.nunique(), categories=kept.category.nunique()
    )
