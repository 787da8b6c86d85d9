"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and
CLV: using iso-value curves"; Fader & Hardie 2013, "The Gamma-Gamma model of monetary
value").

Each transaction's value is Gamma(p, ν) around a customer's mean p/ν, and ν ~ Gamma(q, γ)
across customers. For a customer with x transactions of mean value m the likelihood is

    L = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m^(px-1) x^(px) / (γ + m x)^(px+q),

and the expected mean spend is E[M | m, x] = (γ + m x) p / (px + q - 1). The model
assumes spend is independent of purchase frequency: `independence_check` reports the
correlation the user should look at before trusting it.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from patron.analytics.clv.base import FittedModel
from patron.analytics.clv.data import Array, ModelNotIdentified, factorize
from patron.analytics.clv.fitting import maximize, summed
from patron.domain.errors import InvalidInput


class GammaGammaModel(FittedModel):
    name = "gamma-gamma"
    param_names = ("p", "q", "v")

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Fit on customers with at least one repeat purchase (x >= 1, m > 0); a row with
        weight k stands for k customers with that (x, m)."""
        x, m, w = _distinct(*_spend_data(frequency, monetary_value, weights))
        customers = float(w.sum())
        if customers < 3:
            raise ModelNotIdentified(
                "gamma-gamma: fewer than 3 customers with repeat purchases and a positive spend"
            )
        mean = float(w @ m) / customers
        objective = summed(lambda p: self.loglik(p, x, m), w)
        fit = maximize(objective, np.array([1.0, 2.0, mean]), self.param_names, customers)
        self._store(fit, int(round(customers)))
        return self

    @staticmethod
    def loglik(params: Array, x: Array, m: Array) -> tuple[Array, Array]:
        p, q, v = params
        px = p * x
        ll = (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(v)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(v + m * x)
        )
        d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(v + m * x))
        d_q = digamma(px + q) - digamma(q) + np.log(v) - np.log(v + m * x)
        d_v = q / v - (px + q) / (v + m * x)
        return ll, np.vstack([d_p, d_q, d_v])

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Array:
        """E[mean spend per transaction | x, m]; the population mean where x = 0."""
        p, q, v = self._params()
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary_value, dtype=float)
        return np.asarray((v + m * x) * p / (p * x + q - 1))


def independence_check(frequency: ArrayLike, monetary_value: ArrayLike) -> float:
    """Pearson correlation of frequency and mean spend among repeat buyers (near 0 is good)."""
    x, m, _ = _spend_data(frequency, monetary_value)
    return float(np.corrcoef(x, m)[0, 1])


def _spend_data(
    frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
) -> tuple[Array, Array, Array]:
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if not (x.shape == m.shape == w.shape):
        raise InvalidInput("frequency, monetary_value (and weights) must have the same length")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(m))):
        raise InvalidInput("frequency and monetary_value must be finite numbers")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InvalidInput("weights must be finite and not negative")
    keep = (x > 0) & (m > 0)
    return x[keep], m[keep], w[keep]


def _distinct(x: Array, m: Array, w: Array) -> tuple[Array, Array, Array]:
    """Distinct (x, m) pairs with their summed weights, in sorted order: the likelihood
    costs one evaluation per pair, and the same customers give the same sums whether
    they come one per row or counted."""
    (cx, ux), (cm, um) = factorize(x), factorize(m)
    rows, keys = factorize(cx * len(um) + cm)
    ix, im = np.divmod(keys, len(um))
    return ux[ix], um[im], np.bincount(rows, weights=w, minlength=len(keys)).astype(np.float64)
