"""Calibration / holdout validation: does the model predict the purchases that followed?

The model is fitted on the calibration window; for each customer it predicts the repeat
purchases in the holdout window, which are compared with the actual ones — per
calibration frequency bucket (0, 1, …, 6, 7+) and in total (the conditional expectations
check of Fader, Hardie & Lee 2005a, figure 5).

`rank_on_holdout` does this for several models and orders them by how well they
predicted each customer's holdout purchases: the model the analytics then use
(`patron clv predict`, member insights) is the best of them on the shop's own data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.data import Array, ModelNotIdentified
from patron.analytics.clv.registry import purchase_model_named


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


@dataclass(frozen=True)
class HoldoutScore:
    """How well a model fitted on the calibration window predicted the holdout: the
    root mean squared error of each customer's predicted purchases against their actual
    ones, and the relative error of the total; None, with the reason, when the
    calibration data could not identify the model."""

    model: str
    rmse: float | None
    relative_error: float | None
    why_not: str | None = None


def rank_on_holdout(names: Sequence[str], rows: dict[str, Array]) -> list[HoldoutScore]:
    """The purchase models `names` fitted on the calibration columns of `rows` (the
    counted rows of frequency, recency, T, frequency_holdout, duration_holdout and
    `customers`, analytics/lifetime.py), best first; models that could not be fitted
    last, in the order given.

    The criterion is the per-customer mean squared error, weighted by the counts: the
    conditional expectation of a customer's purchases is the prediction that minimizes
    it, so the model whose predictions come closest to those expectations scores best
    (Poisson noise adds the same amount to every model's score). Ties keep the order of
    `names`.
    """
    weights = rows["customers"]
    actual = rows["frequency_holdout"]
    duration = float(rows["duration_holdout"][0])
    scores: list[HoldoutScore] = []
    for name in names:
        model = purchase_model_named(name)
        try:
            model.fit(rows["frequency"], rows["recency"], rows["T"], weights)
        except ModelNotIdentified as exc:
            scores.append(HoldoutScore(name, None, None, exc.message))
            continue
        predicted = model.expected_purchases(
            duration, rows["frequency"], rows["recency"], rows["T"]
        )
        mse = float(weights @ (predicted - actual) ** 2) / float(weights.sum())
        total = float(weights @ actual)
        relative = (float(weights @ predicted) - total) / max(total, 1e-12)
        scores.append(HoldoutScore(name, float(np.sqrt(mse)), relative))
    fitted = sorted((s for s in scores if s.rmse is not None), key=lambda s: s.rmse or 0.0)
    return [*fitted, *(s for s in scores if s.rmse is None)]
