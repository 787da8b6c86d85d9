"""What each column of each analytics table holds: money, a share, a count, a day...

Defined once, here, for every adapter: the API encodes a table's values by these kinds
and the command line formats them by the same kinds, so the two cannot disagree on what
a figure is. Nothing is computed again: a kind only says how a value computed by the
analytics is written.

    kind     JSON (API, --format json)          table (--format table)
    money    decimal string, to the cent         1,234.50 EUR (the currency named)
    share    a fraction, 0.25                    25.0%
    count    an integer                          1,234
    number   a float, full precision             1,234.57 (two decimals, never 1.2e+03)
    day      "2025-03-01"                        2025-03-01
    month    "2025-03"                           2025-03
    text     a string                            as it is

Money is to the cent because Patron's amounts are (domain/money.py): a sum of amounts
is then exact, whatever error the engine's floating-point addition left in its last
digits (400970.0199999996 is "400970.02"), and a mean (a basket, a CAC, a CLV) is
rounded half up, as receipts are, once the float's noise beyond the sixth decimal is
gone (so that every engine gives a mean of 35.715 the same cent). Missing values (no
previous period, no cost known) are null in JSON, empty in CSV.

This module imports neither pandas nor NumPy: a value is whatever the engine handed
back (a Python number, a NumPy scalar, a date, a timestamp, text).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any

from patron.domain.money import CENT


class Kind(StrEnum):
    MONEY = "money"
    SHARE = "share"
    COUNT = "count"
    NUMBER = "number"
    DAY = "day"
    MONTH = "month"
    TEXT = "text"


M, S, C, N, D, MO, T = (
    Kind.MONEY,
    Kind.SHARE,
    Kind.COUNT,
    Kind.NUMBER,
    Kind.DAY,
    Kind.MONTH,
    Kind.TEXT,
)
NOISE = Decimal("0.000001")  # below this a float's digits are binary arithmetic's
# what a member's contact columns are, where a per-customer table is joined to them
CONTACT = {"name": T, "email": T, "consent": T}

# the points roll-forward's lines (analytics/liability.py LINES, checked equal by its tests)
_ROLL_LINES = (
    "issued_purchases", "issued_bonuses", "issued_welcome", "issued_referral", "adjusted_up",
    "redemptions_cancelled", "redeemed_rewards", "redeemed_discounts", "expired", "refunds",
    "adjusted_down", "debt_settled",
)  # fmt: skip
_VALUED_LINES = ("opening", *_ROLL_LINES, "issued", "closing", "pending")
_POINT_LINES = (*_VALUED_LINES, "spendable", "lots_closing")

TABLES: dict[str, dict[str, Kind]] = {
    "summary": {
        "customer_id": T,
        "first_purchase": D,
        "last_purchase": D,
        "purchases": C,
        "frequency": C,
        "recency": N,
        "T": N,
        "total_spend": M,
        "mean_spend": M,
        "monetary_value": M,
        "margin": M,
        "promotions_used": C,
        "avg_days_to_pay": N,
        "channels": C,
        "products": C,
        "categories": C,
        "frequency_holdout": C,
        "duration_holdout": N,
    },
    "rfm": {
        "customer_id": T,
        "purchases": C,
        "total_spend": M,
        "days_since_last": C,
        "r": C,
        "f": C,
        "m": C,
        "rfm": T,
        "segment": T,
        **CONTACT,
    },
    "segments": {"segment": T, "customers": C, "revenue": M, "revenue_share": S},
    "abc": {
        "customer_id": T,
        "volume": M,
        "growth": M,
        "payment_speed": N,
        "profitability": M,
        "loyalty": C,
        "score": N,
        "position": S,
        "abc": T,
        **CONTACT,
    },
    "pareto": {"step": C, "customer_share": S, "revenue_share": S},
    "cohorts": {
        "cohort_month": MO,
        "months_since": C,
        "customers": C,
        "size": C,
        "retention": S,
    },
    "kpis": {
        "start": D,
        "end": D,
        "customers": C,
        "new_customers": C,
        "purchases": C,
        "revenue": M,
        "purchase_frequency": N,
        "average_basket": M,
        "repurchase_rate": S,
        "retention_rate": S,
        "churn_rate": S,
        "products_per_customer": N,
    },
    "crosssell": {
        "antecedent": T,
        "consequent": T,
        "baskets": C,
        "support": S,
        "confidence": S,
        "lift": N,
    },
    "next_categories": {
        "customer_id": T,
        "segment": T,
        "category": T,
        "segment_share": S,
        **CONTACT,
    },
    "economics": {
        "month": MO,
        "channel": T,
        "spend": M,
        "new_members": C,
        "cac": M,
        "value_per_member": M,
        "clv_to_cac": N,
        "payback_months": C,
    },
    "predictions": {
        "customer_id": T,
        "frequency": C,
        "recency": N,
        "T": N,
        "expected_purchases": N,
        "p_alive": S,
        "expected_spend": M,
        "clv": M,
        "as_of": D,
        "model": T,
    },
    "insights": {
        "customer_id": T,
        "as_of": D,
        "segment": T,
        "rfm": T,
        "purchases": C,
        "total_spend": M,
        "p_alive": S,
        "expected_purchases": N,
        "clv": M,
        "horizon_weeks": C,
        "model": T,
        "model_basis": T,
    },
    "recommended_categories": {"category": T, "segment_share": S},
    "holdout": {"calibration_frequency": T, "customers": C, "actual": N, "predicted": N},
    "parameters": {"parameter": T, "estimate": N, "std_error": N, "unit": T},
    # goals (services/goals.py): a value is in its KPI's unit, which `unit` names
    "goals": {
        "id": C,
        "name": T,
        "kpi": T,
        "unit": T,
        "better": T,
        "population": T,
        "window_days": C,
        "baseline": N,
        "target": N,
        "deadline": D,
        "priority": T,
        "owner": T,
        "created": D,
        "latest_day": D,
        "latest": N,
        "path_today": N,
        "status": T,
    },
    "goal_values": {"day": D, "value": N, "path": N},
    "goal_records": {"goal_id": C, "day": D, "value": N, "recorded": T},
    "kpi_catalogue": {"name": T, "label": T, "unit": T, "better": T},
    # experiments against a control group (analytics/experiments.py)
    "experiments": {
        "name": T,
        "kind": T,
        "control_share": S,
        "shops": T,
        "starts_at": T,
        "ends_at": T,
        "control": C,
        "treatment": C,
    },
    "experiment_arms": {
        "arm": T,
        "members": C,
        "revenue": M,
        "purchases": N,
        "margin": M,
        "retention": S,
        "revenue_low": M,
        "revenue_high": M,
    },
    "experiment_effects": {
        "metric": T,
        "adjusted": T,  # "CUPED" or "none"
        "control": N,
        "treatment": N,
        "difference": N,
        "ci_low": N,
        "ci_high": N,
        "relative": S,
        "relative_low": S,
        "relative_high": S,
        "p_value": N,
    },
    "experiment_money": {"figure": T, "value": M, "low": M, "high": M},
    # campaigns (domain/campaigns.py, analytics/campaigns.py; results use experiment_*)
    "campaigns": {
        "id": C,
        "name": T,
        "channel": T,
        "status": T,
        "holdout_share": S,
        "next_run_at": T,
        "runs": C,
        "holdout": C,
        "treated": C,
    },
    "campaign_runs": {
        "run": C,
        "started_at": T,
        "audience": C,
        "holdout": C,
        "queued": C,
        "refused": C,
        "actor": T,
    },
    "campaign_preview": {
        "member_id": C,
        "external_id": T,
        "name": T,
        "tier": T,
        "last_purchase_at": T,
        "arm": T,
        "variant": T,
    },
    "experiment_power": {
        "weeks": C,
        "members": C,
        "mean": N,
        "variance": N,
        "purchases_per_member_week": N,
        "members_needed": C,
        "enough": T,
    },
    "spend": {
        "id": C,
        "month": MO,
        "channel": T,
        "amount": M,
        "currency": T,
        "note": T,
        "recorded_by": T,
    },
    "liability": {
        "month": MO,
        **dict.fromkeys(_POINT_LINES, C),
        "balanced": T,
        **{f"{name}_value": M for name in _VALUED_LINES},
        "liability": M,
        "liability_low": M,
        "liability_high": M,
        "liability_change": M,
    },
    "breakage": {
        "age_months": C,
        "redeemed": S,
        "redeemed_low": S,
        "redeemed_high": S,
        "expired": S,
        "open": S,
        "projected": T,
    },
    "liability_rules": {"month": MO, "rule": T, "points": C, "points_value": M},
    "breakage_cohorts": {"cohort": MO, "age_months": C, "issued": C, "redeemed": S, "expired": S},
    "budget": {
        "month": MO,
        "category": T,
        "planned": M,
        "actual": M,
        "variance": M,
        "variance_pct": S,
        "sources": T,
    },
    "budget_totals": {"month": MO, "planned": M, "actual": M, "variance": M, "variance_pct": S},
    "budget_lines": {
        "month": MO,
        "category": T,
        "amount": M,
        "currency": T,
        "note": T,
        "set_by": T,
    },
    "budget_spend": {
        "id": C,
        "month": MO,
        "category": T,
        "amount": M,
        "currency": T,
        "note": T,
        "recorded_by": T,
    },
}


def kinds(table: str) -> dict[str, Kind]:
    """The kinds of `table`'s columns (a KeyError names a table not defined here: every
    table an adapter shows must be)."""
    return TABLES[table]


def kind_of(table: str, column: str) -> Kind:
    """The kind of one column; a column not listed is refused, so a new column cannot
    reach a user unformatted."""
    try:
        return TABLES[table][column]
    except KeyError:
        raise KeyError(f"analytics/columns.py: no kind for {table}.{column}") from None


def plain(value: Any) -> Any:
    """A Python value from an engine's: NumPy scalars to int/float/str, NaN and pandas'
    missing markers to None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, date | datetime | str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def money(value: Any) -> Decimal | None:
    """An amount to the cent (half up); None when missing.

    A float is first rounded to the millionth: what lies beyond is the noise of binary
    arithmetic, which differs from engine to engine (a mean of 71.43 over 2 customers
    is 35.715 in one, 35.714999999999996 in another), and rounding the noise half up
    would give the same figure two different cents.
    """
    value = plain(value)
    if value is None:
        return None
    with localcontext(prec=60):  # room for any amount with its six decimals
        if isinstance(value, Decimal):
            exact = value
        else:
            exact = Decimal(repr(float(value))).quantize(NOISE, rounding=ROUND_HALF_EVEN)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def day(value: Any) -> date | None:
    """A day from a date, a timestamp or the text of one (SQLite hands back text)."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def encode(value: Any, kind: Kind) -> Any:
    """`value` as JSON carries it: money a decimal string, a share a fraction, a day
    "YYYY-MM-DD", a month "YYYY-MM"; None when missing."""
    value = plain(value)
    if value is None:
        return None
    if kind is Kind.MONEY:
        return str(money(value))
    if kind in (Kind.SHARE, Kind.NUMBER):
        return float(value)
    if kind is Kind.COUNT:
        return int(value)
    if kind is Kind.DAY:
        return day(value).isoformat()  # type: ignore[union-attr]
    if kind is Kind.MONTH:
        return month_text(value)
    return str(value)


def month_text(value: Any) -> str:
    """ "YYYY-MM" from a day, a timestamp or text that starts with one."""
    if isinstance(value, date | datetime):
        return f"{value:%Y-%m}"
    return str(value)[:7]


def encode_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """One row of `table` as JSON carries it, every column by its kind."""
    return {column: encode(value, kind_of(table, column)) for column, value in row.items()}


def encode_rows(table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [encode_row(table, row) for row in rows]
