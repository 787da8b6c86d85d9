"""Customer lifetime value: expected purchases × expected spend × margin, discounted.

CLV over H periods is Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) · E[M] · margin / (1+d)^k, where
E[Y(k)] is the purchase model's expected purchases in the next k periods, E[M] the
Gamma-Gamma expected spend and d the discount rate per period.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.data import Array
from patron.analytics.clv.gammagamma import GammaGammaModel
from patron.domain.errors import InvalidInput


def discounted_clv(
    purchases: PurchaseModel,
    spend: GammaGammaModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: int,
    margin: float = 1.0,
    discount_rate: float = 0.0,
) -> Array:
    if horizon < 1:
        raise InvalidInput("horizon must be at least one period")
    if not 0 <= margin <= 1 or discount_rate < 0:
        raise InvalidInput("margin must be in [0, 1] and the discount rate non-negative")
    expected_spend = spend.expected_spend(frequency, monetary_value)
    total = np.zeros(len(np.asarray(frequency)))
    before = np.zeros_like(total)
    for k in range(1, horizon + 1):
        cumulative = purchases.expected_purchases(float(k), frequency, recency, T)
        total += (cumulative - before) / (1 + discount_rate) ** k
        before = cumulative
    return total * expected_spend * margin
