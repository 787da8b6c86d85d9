"""Draw customer bases from the models themselves, for parameter-recovery tests and
benchmarks: data with known parameters, generated without per-customer loops.
"""

from __future__ import annotations

import numpy as np

from patron.analytics.clv.data import Array


def bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, T: Array | float, seed: int = 0
) -> tuple[Array, Array, Array]:
    """(frequency, recency, T) from the BG/NBD story (dropout after a repeat purchase)."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    dies_after = rng.geometric(p)  # the repeat purchase after which the customer leaves
    arrivals = rng.poisson(lam * age)
    x = np.minimum(arrivals, dies_after)
    recency = _order_statistic(rng, x, arrivals, age)
    return x.astype(float), recency, age


def mbgnbd(
    n: int, r: float, alpha: float, a: float, b: float, T: Array | float, seed: int = 0
) -> tuple[Array, Array, Array]:
    """(frequency, recency, T) from the MBG/NBD story: a drop-out chance right after the
    first purchase as well as after each repeat purchase."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    dies_after = rng.geometric(p) - 1  # the purchase after which they leave; 0 the first
    arrivals = rng.poisson(lam * age)
    x = np.minimum(arrivals, dies_after)
    recency = _order_statistic(rng, x, arrivals, age)
    return x.astype(float), recency, age


def pareto_nbd(
    n: int, r: float, alpha: float, s: float, beta: float, T: Array | float, seed: int = 0
) -> tuple[Array, Array, Array]:
    """(frequency, recency, T) from the Pareto/NBD story (exponential lifetime)."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    active = np.minimum(rng.exponential(1 / mu), age)
    x = rng.poisson(lam * active)
    recency = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1), 0.0)
    return x.astype(float), recency, age


def gamma_gamma(frequency: Array, p: float, q: float, v: float, seed: int = 0) -> Array:
    """Mean spend per transaction for customers with the given (positive) frequencies."""
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1 / v, len(x))
    return np.asarray(rng.gamma(p * x, 1 / nu) / x, dtype=np.float64)


def _order_statistic(rng: np.random.Generator, x: Array, arrivals: Array, age: Array) -> Array:
    """Time of the x-th of `arrivals` uniform purchase times on (0, T] (0 when x = 0)."""
    k = np.maximum(x, 1)
    n = np.maximum(arrivals, 1)
    return np.asarray(np.where(x > 0, age * rng.beta(k, n - k + 1), 0.0), dtype=np.float64)
