"""Calibration / holdout validation: does the model predict the purchases that followed?

The model is fitted on the calibration window; for each customer it predicts the repeat
purchases in the holdout window, which are compared with the actual ones — per
calibration frequency bucket (0, 1, …, 6, 7+) and in total (the conditional expectations
check of Fader, Hardie & Lee 2005a, figure 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from patron.analytics.clv.base import PurchaseModel


@dataclass(frozen=True)
class Bucket:
    frequency: str
    customers: int
    actual: float
    predicted: float


@dataclass(frozen=True)
class HoldoutReport:
    buckets: list[Bucket]
    actual_total: float
    predicted_total: float

    @property
    def relative_error(self) -> float:
        return (self.predicted_total - self.actual_total) / max(self.actual_total, 1e-12)


def holdout_report(
    model: PurchaseModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    frequency_holdout: ArrayLike,
    duration_holdout: float,
    top: int = 7,
    weights: ArrayLike | None = None,
) -> HoldoutReport:
    """Per calibration frequency and in total; a row with weight k stands for k customers
    with its values (the counts of analytics/lifetime.py)."""
    x = np.asarray(frequency, dtype=float)
    actual = np.asarray(frequency_holdout, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    predicted = model.expected_purchases(duration_holdout, x, recency, T)
    buckets = []
    for k in range(top + 1):
        mask = x >= top if k == top else x == k
        customers = float(w[mask].sum())
        if customers > 0:
            buckets.append(
                Bucket(
                    f"{k}+" if k == top else str(k),
                    int(round(customers)),
                    float(w[mask] @ actual[mask]) / customers,
                    float(w[mask] @ predicted[mask]) / customers,
                )
            )
    return HoldoutReport(buckets, float(w @ actual), float(w @ predicted))
