"""Maximum likelihood on log-parameters, with standard errors and identifiability checks.

Each model supplies `loglik(params, data) -> (per-row log-likelihood, per-row gradient)`
in its natural parameters. Here it is optimized on the log scale (all parameters are
positive) with L-BFGS-B and the analytic gradient; standard errors come from the
observed information (the Hessian of the negative log-likelihood, by central differences
of the analytic gradient) in the natural parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from patron.analytics.clv.data import Array, ModelNotIdentified

LogLik = Callable[[Array], tuple[Array, Array]]  # params -> (ll rows, grad rows (k, n))
BOUND = 12.0  # |log p| <= 12: parameters between 6e-6 and 1.6e5


@dataclass(frozen=True)
class Fit:
    params: Array
    standard_errors: Array
    log_likelihood: float
    iterations: int


def maximize(loglik: LogLik, weights: Array, start: Array, names: tuple[str, ...]) -> Fit:
    total = float(weights.sum())

    def objective(theta: Array) -> tuple[float, Array]:
        params = np.exp(theta)
        ll, grad = loglik(params)
        value = -float(weights @ ll) / total
        gradient = -(grad @ weights) * params / total
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e300, np.zeros_like(theta)
        return value, gradient

    result = minimize(
        objective,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-BOUND, BOUND)] * len(start),
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9},
    )
    theta = result.x
    at_bound = [n for n, v in zip(names, theta, strict=True) if abs(v) > BOUND - 1e-3]
    if at_bound:
        raise ModelNotIdentified(
            f"parameters {at_bound} ran off to {'0 or infinity'}: the data cannot identify"
            " the model (too few customers, or too few repeat purchases)"
        )
    if not np.isfinite(result.fun) or result.fun >= 1e299:
        raise ModelNotIdentified(f"the likelihood could not be evaluated ({result.message})")
    params = np.exp(theta)
    errors = _standard_errors(loglik, weights, params, names)
    return Fit(params, errors, -result.fun * total, int(result.nit))


def _standard_errors(
    loglik: LogLik, weights: Array, params: Array, names: tuple[str, ...]
) -> Array:
    k = len(params)
    hessian = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(params[j], 1e-3)
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        hessian[:, j] = -((loglik(up)[1] - loglik(down)[1]) @ weights) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        raise ModelNotIdentified(
            f"the information matrix is singular: parameters not identified ({', '.join(names)})"
        ) from None
    variances = np.diag(covariance)
    if np.any(variances <= 0) or not np.all(np.isfinite(variances)):
        raise ModelNotIdentified(
            "the information matrix is not positive definite at the"
            " optimum: the data cannot identify every parameter"
        )
    return np.sqrt(variances)
