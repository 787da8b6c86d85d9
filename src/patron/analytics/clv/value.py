"""Customer lifetime value: expected purchases × expected spend × margin, discounted.

CLV over H periods is Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) · E[M] · margin / (1+d)^k, where
E[Y(k)] is the purchase model's expected purchases in the next k periods, E[M] the
Gamma-Gamma expected spend and d the discount rate per period.

The rate is given per YEAR, as a shop states its cost of capital, and converted to the
model's period here: d = (1 + annual)^(period days / 365.25) − 1, so that a year of
periods compounds to the annual rate (10 % a year is 0.1829 % a week, not 10 % a week:
applied per week, 10 % would cut a year's value to a fifth).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.data import Array
from patron.analytics.clv.gammagamma import GammaGammaModel
from patron.domain.errors import InvalidInput

DAYS_PER_YEAR = 365.25


def period_rate(annual_rate: float, period_days: float) -> float:
    """The discount rate per period of `period_days` days equivalent to `annual_rate`."""
    if annual_rate < 0 or period_days <= 0:
        raise InvalidInput("the discount rate must not be negative and a period must have days")
    return float((1 + annual_rate) ** (period_days / DAYS_PER_YEAR) - 1)


def discounted_clv(
    purchases: PurchaseModel,
    spend: GammaGammaModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: int,
    period_days: float,
    margin: float = 1.0,
    annual_discount_rate: float = 0.0,
) -> Array:
    """CLV over `horizon` periods of `period_days` days (the time unit the models were
    fitted in), discounted at `annual_discount_rate` a year."""
    if horizon < 1:
        raise InvalidInput("horizon must be at least one period")
    if not 0 <= margin <= 1 or annual_discount_rate < 0:
        raise InvalidInput("margin must be in [0, 1] and the discount rate non-negative")
    rate = period_rate(annual_discount_rate, period_days)
    expected_spend = spend.expected_spend(frequency, monetary_value)
    total = np.zeros(len(np.asarray(frequency)))
    before = np.zeros_like(total)
    for k in range(1, horizon + 1):
        cumulative = purchases.expected_purchases(float(k), frequency, recency, T)
        total += (cumulative - before) / (1 + rate) ** k
        before = cumulative
    return total * expected_spend * margin
