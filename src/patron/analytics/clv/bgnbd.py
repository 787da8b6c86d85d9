"""The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting your
customers the easy way", Marketing Science 24(2)).

While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
purchase they become inactive with probability p ~ Beta(a, b). The individual
likelihood (eq. 6 of the paper) for frequency x, recency t_x and age T is

    L = Γ(r+x) α^r / Γ(r) · B(a, b+x) / B(a, b)
        · [ (α+T)^-(r+x) + 1{x>0} · a/(b+x-1) · (α+t_x)^-(r+x) ].

The gradient is analytic (digamma functions and the weights of the two terms).

Fitting uses `_Likelihood`, which gives the total with its exact gradient and Hessian
at the cost of a few array operations per repeat buyer: everything that depends on x
alone or on T alone is summed once per distinct value (trust-region Newton then needs
about ten evaluations, see fitting.py).

The modified BG/NBD (mbgnbd.py) is this model with one more drop-out chance, at the
first purchase: every formula below takes it as a parameter (`_chances`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from patron.analytics.clv.base import PurchaseModel
from patron.analytics.clv.data import RFT, Array, distinct_rows, factorize
from patron.analytics.clv.fitting import Evaluation, Objective


class BetaGeoModel(PurchaseModel):
    """BG/NBD; with `dropout_at_first_purchase` (MBG/NBD, mbgnbd.py) the customer also
    has a chance to drop out right after the first purchase.

    The two models differ only in the number of drop-out chances a customer with x
    repeat purchases has survived: x under BG/NBD, x + 1 under MBG/NBD (`_chances`
    below is that extra one, 0 or 1). Every formula here is written with it, so one
    implementation (and its fast likelihood) serves both.
    """

    name = "bgnbd"
    param_names = ("r", "alpha", "a", "b")
    dropout_at_first_purchase: ClassVar[bool] = False

    @property
    def _chances(self) -> int:
        return int(self.dropout_at_first_purchase)

    def _start(self, data: RFT) -> Array:
        return np.array([0.5, max(data.typical_T / 4, 0.1), 1.0, 2.0])

    def _objective(self, data: RFT) -> Objective:
        return _Likelihood(data, self._chances)

    def loglik(self, params: Array, data: RFT) -> tuple[Array, Array]:
        """Per-customer log-likelihood and gradient (the reference `_Likelihood` must match).

        With s = 1 for MBG/NBD (0 for BG/NBD): B(a, b+x+s)/B(a, b) and a/(b+x+s-1) in eq.
        6, the second term present wherever x + s > 0 (for MBG/NBD, every customer).
        """
        from scipy.special import betaln, digamma, gammaln

        r, alpha, a, b = params
        x, t_x, T = data.x, data.t_x, data.T
        s = self._chances
        died = x + s > 0  # customers who may have dropped out after their last purchase
        b_x = np.where(died, b + x + s - 1, 1.0)
        log_e1 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_c = np.where(died, np.log(a) - np.log(b_x), -np.inf)
        log_e2 = log_c - (r + x) * np.log(alpha + t_x)
        log_s = np.logaddexp(log_e1, log_e2)
        ll = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + betaln(a, b + x + s)
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
        d_a = digamma(a + b) - digamma(a + b + x + s) + w2 / a
        d_b = (
            digamma(b + x + s)
            - digamma(a + b + x + s)
            - digamma(b)
            + digamma(a + b)
            - np.where(died, w2 / b_x, 0.0)
        )
        return ll, np.vstack([d_r, d_alpha, d_a, d_b])

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
        """P(active at T | x, t_x, T), eq. 12 of the paper (BG/NBD: 1 when x = 0; MBG/NBD:
        below 1 for every customer, with a/(b+x) in place of a/(b+x-1))."""
        r, alpha, a, b = self._params()
        x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        s = self._chances
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.where(
                x + s > 0, a / (b + x + s - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0
            )
        return 1.0 / (1.0 + odds)

    def expected_purchases(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """E[purchases in (T, T+t] | x, t_x, T], eq. 10 of the paper.

        Eq. 10 multiplies ((α+T)/(α+T+t))^(r+x) = (1−z)^(r+x) by ₂F₁(r+x, b+x; a+b+x−1; z):
        for a frequent buyer over a long horizon (x = 300, z = 0.99) the first underflows
        and the second overflows to inf. Euler's transformation, ₂F₁(a, b; c; z) =
        (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z), turns the product into
        (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose upper parameters do not grow with
        x: the same number, finite at any x and horizon.

        MBG/NBD: a customer alive at T has survived x + 1 drop-out chances, not x, so p's
        posterior is Beta(a, b+x+1) and the formula is the same with b+1 for b.
        """
        from scipy.special import hyp2f1

        r, alpha, a, b = self._params()
        b = b + self._chances
        x, age = np.asarray(frequency, dtype=float), np.asarray(T, dtype=float)
        z = t / (alpha + age + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return np.asarray(head * tail * self.probability_alive(frequency, recency, T))

    def expected_purchases_new(self, t: float) -> float:
        """E[X(t)] for a customer just acquired (eq. 9 of the paper; Batislam et al. 2007
        for MBG/NBD): the expectation above at x = t_x = T = 0, where P(alive) is 1 for
        BG/NBD and b/(a+b) for MBG/NBD (the chance to survive the first purchase)."""
        return float(self.expected_purchases(t, [0.0], [0.0], [0.0])[0])


class _Likelihood:
    """Σ log L with exact gradient and Hessian, from sufficient statistics.

    Writing the bracket of eq. 6 as (α+T)^-(r+x) · (1 + d) with
    d = a/(b+x-1) · ((α+T)/(α+t_x))^(r+x) (d = 0 when x = 0), the log-likelihood splits into

    - terms in x alone, summed once per distinct x with its count;
    - N r log α - Σ (r+x) log(α+T), summed once per distinct T;
    - log(1 + d) for repeat buyers only, once per distinct (x, t_x, T): the one term that
      costs per row, as a softplus of z = log d, whose derivatives are those of z
      weighted by the logistic σ(z) (and σ(1-σ) for the Hessian).

    With `chances` = 1 (MBG/NBD: a drop-out chance at the first purchase too) the beta
    terms run over x + 1 chances, B(a, b+x+1)/B(a, b), d = a/(b+x) · (...)^(r+x), and
    log(1 + d) is summed over every customer, not only the repeat buyers.
    """

    def __init__(self, data: RFT, chances: int = 0) -> None:
        w = data.weights
        self.n = float(w.sum())
        self.s = chances
        codes, self.ux = _whole_numbers(data.x)
        self.count_x = np.bincount(codes, weights=w, minlength=len(self.ux))
        # customers with x > k, for k = 0 .. max x - 1, when x's codes are x itself; the
        # beta terms count customers with x + s > k, for k = 0 .. max x + s - 1
        whole = len(self.ux) == int(self.ux[-1]) + 1
        self.k = np.arange(len(self.ux) - 1, dtype=np.float64)
        self.above = np.cumsum(self.count_x[::-1])[::-1][1:] if whole else None
        self.k_b = np.arange(len(self.ux) - 1 + chances, dtype=np.float64)
        self.above_b = np.cumsum(self.count_x[::-1])[::-1][1 - chances :] if whole else None
        repeat = data.x + chances > 0  # the rows whose likelihood has a second term
        codes_T, self.uT = factorize(data.T)
        self.count_T = np.bincount(codes_T, weights=w)
        self.x_T = np.bincount(codes_T, weights=w * data.x)
        # repeat buyers' distinct (x, t_x, T), coded by the distinct x and T above
        rows = distinct_rows(
            ((codes[repeat], self.ux), factorize(data.t_x[repeat]), (codes_T[repeat], self.uT)),
            w[repeat],
        )
        # rows in order of x (a radix sort: x has few distinct values), so that sums by x
        # are sums over runs, one `reduceat` for several arrays instead of a bincount each
        order = np.argsort(rows.ix, kind="stable")
        self.w = rows.weights[order]
        self.ix, self.it, self.iT = rows.ix[order], rows.it[order], rows.iT[order]
        self.ut = rows.t_x
        self.x = self.ux[self.ix]
        self.starts = np.flatnonzero(np.r_[True, self.ix[1:] != self.ix[:-1]])
        self.run_x = self.ix[self.starts]
        self._work = np.empty((6, len(self.w)))
        self._stack = np.empty((4, len(self.w)))  # the four arrays summed by x

    def __call__(self, params: Array) -> Evaluation:
        value, gradient, hessian = self._by_x(params)
        for part in (self._by_T(params), self._repeat_buyers(params)):
            value += part[0]
            gradient += part[1]
            hessian += part[2]
        return Evaluation(value, gradient, hessian)

    def _by_x(self, params: Array) -> tuple[float, Array, Array]:
        """Γ(r+x)/Γ(r) · B(a, b+x)/B(a, b), once per distinct x.

        x is a whole number, so Γ(r+x)/Γ(r) = Π_{k<x} (r+k) and B(a, b+x)/B(a, b) =
        Π_{k<x} (b+k)/(a+b+k): summed over customers, each k counts the customers with
        x > k (`above`), and the log-gamma, digamma and trigamma differences become sums
        of log z, 1/z and 1/z² over k with NumPy alone (scipy.special is slow to import).
        Frequencies beyond a million take SciPy's functions instead. (MBG/NBD's beta
        terms run to k < x + 1: `k_b` and `above_b`.)
        """
        r, _, a, b = params
        if self.above is None or self.above_b is None:
            return self._by_x_special(params)
        k, above, k_b, above_b = self.k, self.above, self.k_b, self.above_b
        log_r, inv_r = np.log(r + k), 1 / (r + k)
        log_b, log_ab = np.log(b + k_b), np.log(a + b + k_b)
        inv_b, inv_ab = 1 / (b + k_b), 1 / (a + b + k_b)
        value = above @ log_r + above_b @ (log_b - log_ab)
        d_r = above @ inv_r
        d_a = -(above_b @ inv_ab)
        d_b = above_b @ inv_b + d_a
        h_rr = -(above @ inv_r**2)
        h_aa = above_b @ inv_ab**2
        h_bb = -(above_b @ inv_b**2) + h_aa
        return float(value), np.array([d_r, 0.0, d_a, d_b]), _x_hessian(h_rr, h_aa, h_bb)

    def _by_x_special(self, params: Array) -> tuple[float, Array, Array]:
        """The same with SciPy's special functions, for any distinct x."""
        from scipy.special import betaln, digamma, gammaln, polygamma

        r, _, a, b = params
        x, n = self.ux, self.count_x
        xs = x + self.s  # drop-out chances survived
        value = n @ (gammaln(r + x) - gammaln(r) + betaln(a, b + xs) - betaln(a, b))
        d_r = n @ (digamma(r + x) - digamma(r))
        d_a = n @ (digamma(a + b) - digamma(a + b + xs))
        d_b = n @ (digamma(b + xs) - digamma(b)) + d_a
        h_rr = n @ (polygamma(1, r + x) - polygamma(1, r))
        h_aa = n @ (polygamma(1, a + b) - polygamma(1, a + b + xs))
        h_bb = n @ (polygamma(1, b + xs) - polygamma(1, b)) + h_aa
        return float(value), np.array([d_r, 0.0, d_a, d_b]), _x_hessian(h_rr, h_aa, h_bb)

    def _by_T(self, params: Array) -> tuple[float, Array, Array]:
        """N r log α - Σ (r+x) log(α+T), once per distinct T."""
        r, alpha, _, _ = params
        n, xs, log_T, inv_T = self.n, self.x_T, np.log(alpha + self.uT), 1 / (alpha + self.uT)
        weight = r * self.count_T + xs  # Σ (r+x) per distinct T
        value = n * r * np.log(alpha) - weight @ log_T
        d_r = n * np.log(alpha) - self.count_T @ log_T
        d_alpha = n * r / alpha - weight @ inv_T
        hessian = np.zeros((4, 4))
        hessian[0, 1] = hessian[1, 0] = n / alpha - self.count_T @ inv_T
        hessian[1, 1] = -n * r / alpha**2 + weight @ inv_T**2
        return float(value), np.array([d_r, d_alpha, 0.0, 0.0]), hessian

    def _repeat_buyers(self, params: Array) -> tuple[float, Array, Array]:
        """Σ w log(1 + d) over repeat buyers, z = log d = log a - log(b+x-1) + (r+x)·Δ
        (MBG/NBD: over every customer, with b+x for b+x-1).

        Every row array is written into buffers allocated once (`out=`): fresh arrays of
        this size cost more in page faults than the arithmetic they hold.
        """
        r, alpha, a, b = params
        work, stack = self._work, self._stack
        delta = np.take(np.log(alpha + self.uT), self.iT, out=work[0])  # Δ = log(α+T) - log(α+t)
        delta -= np.take(np.log(alpha + self.ut), self.it, out=work[1])
        inv_T = np.take(1 / (alpha + self.uT), self.iT, out=work[1])
        inv_t = np.take(1 / (alpha + self.ut), self.it, out=work[2])
        d_inv = np.subtract(inv_T, inv_t, out=work[3])  # ∂Δ/∂α
        s_inv = np.add(inv_T, inv_t, out=work[1])
        rx = np.add(r, self.x, out=work[2])
        # 1/(b+x-1) and log a/(b+x-1) per distinct x; under BG/NBD x = 0 has no rows
        # here (inv_b 0)
        repeat = self.ux + self.s > 0
        b_x = np.where(repeat, b + self.ux + self.s - 1, 1.0)
        inv_b = np.where(repeat, 1 / b_x, 0.0)
        z = np.take(np.log(a) - np.log(b_x), self.ix, out=work[4])
        z += np.multiply(rx, delta, out=work[5])
        z_alpha = np.multiply(rx, d_inv, out=work[2])  # ∂z/∂α
        positive = z >= 0
        # one exponential, e = exp(-|z|), serves log(1 + exp z) and σ(z)
        e = np.exp(np.negative(np.abs(z, out=work[5]), out=work[5]), out=work[5])
        softplus = np.add(np.maximum(z, 0.0, out=stack[0]), np.log1p(e, out=stack[1]), out=stack[0])
        value = self.w @ softplus
        sigma = np.divide(e, np.add(e, 1.0, out=stack[1]), out=stack[1])  # σ(-|z|)
        np.subtract(1.0, sigma, out=sigma, where=positive)
        ws = np.multiply(self.w, sigma, out=stack[0])  # w σ: weight of z's first derivatives
        wv = np.multiply(ws, np.subtract(1.0, sigma, out=work[5]), out=stack[1])  # w σ(1-σ)
        wv_delta = np.multiply(wv, delta, out=stack[2])
        wv_alpha = np.multiply(wv, z_alpha, out=stack[3])
        ws_x, wv_x, wvd_x, wva_x = self._per_x(stack)
        gradient = np.array([ws @ delta, ws @ z_alpha, ws_x.sum() / a, -(ws_x @ inv_b)])
        hessian = np.empty((4, 4))
        hessian[0] = [
            wv_delta @ delta,
            wv_delta @ z_alpha + ws @ d_inv,
            wvd_x.sum() / a,
            -(wvd_x @ inv_b),
        ]
        hessian[1, 1:] = [
            wv_alpha @ z_alpha - ws @ np.multiply(z_alpha, s_inv, out=work[4]),
            wva_x.sum() / a,
            -(wva_x @ inv_b),
        ]
        hessian[2, 2:] = [(wv_x.sum() - ws_x.sum()) / a**2, -(wv_x @ inv_b) / a]
        hessian[3, 3] = (wv_x + ws_x) @ inv_b**2
        lower = np.tril_indices(4, -1)
        hessian[lower] = hessian.T[lower]
        return float(value), gradient, hessian

    def _per_x(self, rows: Array) -> Array:
        """Sums by distinct x of each row of `rows` (zero for an x without rows: x = 0
        under BG/NBD)."""
        sums = np.zeros((len(rows), len(self.ux)))
        sums[:, self.run_x] = np.add.reduceat(rows, self.starts, axis=1)
        return sums


def _x_hessian(h_rr: float, h_aa: float, h_bb: float) -> Array:
    """The Hessian of the x-only terms: r alone, and a and b together."""
    hessian = np.zeros((4, 4))
    hessian[0, 0], hessian[2, 2], hessian[3, 3] = h_rr, h_aa, h_bb
    hessian[2, 3] = hessian[3, 2] = h_aa
    return hessian


def _whole_numbers(x: Array) -> tuple[NDArray[np.int64], Array]:
    """Frequencies are whole numbers: they are their own codes (no sort) unless huge."""
    top = int(x.max())
    if top > 1_000_000:
        return factorize(x)
    return x.astype(np.int64), np.arange(top + 1, dtype=np.float64)
