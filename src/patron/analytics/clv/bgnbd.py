"""The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting your
customers the easy way", Marketing Science 24(2)).

While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
purchase they become inactive with probability p ~ Beta(a, b). The individual
likelihood (eq. 6 of the paper) for frequency x, recency t_x and age T is

    L = Γ(r+x) α^r / Γ(r) · B(a, b+x) / B(a, b)
        · [ (α+T)^-(r+x) + 1{x>0} · a/(b+x-1) · (α+t_x)^-(r+x) ].

The gradient is analytic (digamma functions and the weights of the two terms).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, gammaln, hyp2f1

from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.data import RFT, Array


class BetaGeoModel(PurchaseModel):
    name = "bgnbd"
    param_names = ("r", "alpha", "a", "b")

    def _start(self, data: RFT) -> Array:
        return np.array(
            [0.5, max(float(np.average(data.T, weights=data.weights)) / 4, 0.1), 1.0, 2.0]
        )

    def loglik(self, params: Array, data: RFT) -> tuple[Array, Array]:
        r, alpha, a, b = params
        x, t_x, T = data.x, data.t_x, data.T
        repeat = x > 0
        log_e1 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_c = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)), -np.inf)
        log_e2 = log_c - (r + x) * np.log(alpha + t_x)
        log_s = np.logaddexp(log_e1, log_e2)
        ll = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + betaln(a, b + x)
            - betaln(a, b)
            + log_s
        )
        w1, w2 = np.exp(log_e1 - log_s), np.exp(log_e2 - log_s)
        d_r = (
            digamma(r + x)
            - digamma(r)
            + np.log(alpha)
            - w1 * np.log(alpha + T)
            - w2 * np.log(alpha + t_x)
        )
        d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
        d_a = digamma(a + b) - digamma(a + b + x) + w2 / a
        d_b = (
            digamma(b + x)
            - digamma(a + b + x)
            - digamma(b)
            + digamma(a + b)
            - np.where(repeat, w2 / np.where(repeat, b + x - 1, 1.0), 0.0)
        )
        return ll, np.vstack([d_r, d_alpha, d_a, d_b])

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
        """P(active at T | x, t_x, T), eq. 12 of the paper."""
        r, alpha, a, b = self._params()
        x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.where(
                x > 0, a / (b + x - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0
            )
        return 1.0 / (1.0 + odds)

    def expected_purchases(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """E[purchases in (T, T+t] | x, t_x, T], eq. 10 of the paper."""
        r, alpha, a, b = self._params()
        x, age = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        z = t / (alpha + age + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        return np.asarray(head * tail * self.probability_alive(frequency, recency, T))

    def expected_purchases_new(self, t: float) -> float:
        """E[X(t)] for a customer just acquired, eq. 9 of the paper."""
        r, alpha, a, b = self._params()
        z = t / (alpha + t)
        return float(
            (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
        )
