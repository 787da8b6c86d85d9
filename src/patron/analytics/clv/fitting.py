"""Maximum likelihood on log-parameters, with standard errors and identifiability checks.

A model supplies an `Objective`: params -> the total log-likelihood with its gradient, and
its Hessian when the model can give it exactly, all in the natural parameters. The
optimizer works on log-parameters (every parameter is positive):

- with an exact Hessian, a trust-region Newton method (trust_region.py, the rules of
  SciPy's `trust-exact`) converges in a handful of evaluations, and the same Hessian
  gives the standard errors;
- without, L-BFGS-B with the analytic gradient, and the standard errors come from the
  observed information by central differences of that gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from patron.analytics.clv.data import Array, ModelNotIdentified
from patron.analytics.clv.trust_region import Outcome, minimize_trust_region

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

LogLik = Callable[[Array], tuple[Array, Array]]  # params -> (ll rows, grad rows (k, n))
BOUND = 12.0  # |log p| <= 12: parameters between 6e-6 and 1.6e5
MAX_ITERATIONS = 100  # an identified model converges in well under 20 Newton steps
FLAT = 1e-6  # largest gradient (per customer, in log-parameters) still taken as an optimum
STALLED = 1e-3  # gain in total log-likelihood over ten iterations that means nothing
PROFILE_STEP = 6.0  # how far the flat-ridge probe goes, in log-parameters: a factor e^6 ≈ 400
PROFILE_DROP = 1.92  # χ²₁(0.95) / 2: a smaller fall in log L is not a significant difference
LOADING = 0.3  # a parameter takes part in a flat direction when its share of it exceeds this


@dataclass(frozen=True)
class Evaluation:
    """Total log-likelihood and its derivatives in the natural parameters."""

    value: float
    gradient: Array
    hessian: Array | None = None

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.value) and np.all(np.isfinite(self.gradient)))


Objective = Callable[[Array], Evaluation]


@dataclass(frozen=True)
class Fit:
    params: Array
    standard_errors: Array
    log_likelihood: float
    iterations: int


def summed(loglik: LogLik, weights: Array) -> Objective:
    """The objective of a model that gives per-row log-likelihoods and gradients."""

    def objective(params: Array) -> Evaluation:
        ll, grad = loglik(params)
        return Evaluation(float(weights @ ll), grad @ weights)

    return objective


def maximize(objective: Objective, start: Array, names: tuple[str, ...], n: float) -> Fit:
    """Maximize; `n` (the number of customers) scales the objective to order one."""
    scaled = _LogScale(objective, n)
    result: Outcome | OptimizeResult
    if scaled.at(np.log(start)).hessian is not None:
        result = minimize_trust_region(
            scaled.value,
            scaled.gradient,
            scaled.hessian,
            np.log(start),
            gtol=1e-9,
            max_iterations=MAX_ITERATIONS,
            watch=_Watch(n),
        )
    else:
        from scipy.optimize import minimize  # imported by the fits that need it only

        result = minimize(
            scaled.value_and_gradient,
            np.log(start),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-BOUND, BOUND)] * len(start),
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9},
        )
    theta = result.x
    at_bound = [name for name, v in zip(names, theta, strict=True) if abs(v) > BOUND - 1e-3]
    if at_bound:
        raise ModelNotIdentified(
            f"parameters {at_bound} ran off to 0 or infinity: the data cannot identify"
            " the model (too few customers, or too few repeat purchases)"
        )
    params = np.exp(theta)
    best = scaled.at(theta)
    if not best.finite:
        raise ModelNotIdentified(f"the likelihood could not be evaluated ({result.message})")
    hessian = best.hessian if best.hessian is not None else _numeric_hessian(objective, params)
    flat = _flat_ridge(objective, params, best.value, _log_hessian(hessian, best.gradient, params))
    if flat:
        raise ModelNotIdentified(_unidentified([names[i] for i in flat]))
    if not (result.success or np.max(np.abs(scaled.gradient(theta))) < FLAT):
        raise ModelNotIdentified(_drifting(names, theta, result.nit))
    return Fit(params, _standard_errors(hessian, names), best.value, int(result.nit))


def _log_hessian(hessian: Array, gradient: Array, params: Array) -> Array:
    """The Hessian of log L in θ = log p, from the one in the natural parameters."""
    return np.asarray(hessian * np.outer(params, params) + np.diag(gradient * params))


def _flat_ridge(objective: Objective, params: Array, best: float, hessian: Array) -> list[int]:
    """The parameters along which the likelihood is flat, by its profile, not by the
    optimizer's path.

    Where the optimizer stopped depends on floating-point details (BLAS kernels, the
    order of sums), and on a ridge the curvature there can come out of either sign. What
    does not depend on them is the likelihood itself: walk from the stopping point a
    factor e^6 (about 400) each way along the direction of least curvature; if log L
    falls by less than 1.92 (the 95% bound of the profile likelihood, χ²₁/2) at either
    end, values 400 times apart fit the data equally well and the parameters moving
    along that direction are not identified. An identified optimum falls by far more:
    on CDNOW, Pareto/NBD's flattest direction loses hundreds of log-likelihood units.
    """
    _, vectors = np.linalg.eigh(-hessian)
    direction = vectors[:, 0]  # smallest eigenvalue of the information: least curvature
    for sign in (1.0, -1.0):
        with np.errstate(all="ignore"):
            probe = objective(params * np.exp(sign * PROFILE_STEP * direction))
        if probe.finite and probe.value > best - PROFILE_DROP:
            return [i for i, share in enumerate(direction) if abs(share) > LOADING]
    return []


def _unidentified(names: list[str]) -> str:
    return (
        f"the data cannot identify {', '.join(names)}: values 400 times larger or smaller"
        " fit the purchases as well (the likelihood is flat along a ridge toward a limit"
        " case; for Pareto/NBD typically no sign of customers dropping out)"
    )


class _Watch:
    """Stops the optimizer early on the two signs of an unidentified model: a parameter
    past the bound, or ten iterations that together gained next to nothing (creeping
    along a ridge). Either way the checks after the search then say what happened."""

    def __init__(self, n: float) -> None:
        self.n = n
        self.values: list[float] = []

    def __call__(self, theta: Array, value: float) -> bool:
        """Whether to stop, at the iteration's point θ and scaled value -log L / n."""
        if np.any(np.abs(theta) > BOUND):
            return True
        self.values.append(value * self.n)  # -log L
        return len(self.values) > 10 and self.values[-11] - self.values[-1] < STALLED


def _drifting(names: tuple[str, ...], theta: Array, iterations: int) -> str:
    """Why a fit that did not converge is refused: the likelihood keeps rising along a
    ridge (typically two parameters growing together toward a limit the model cannot
    reach, such as no heterogeneity at all), so no point of it is *the* estimate."""
    far = [name for name, v in zip(names, theta, strict=True) if abs(v) > 6]
    moving = f": {', '.join(far)} keep growing or shrinking" if far else ""
    return (
        f"the fit did not converge in {iterations} iterations{moving}; the data cannot"
        " identify the model (the likelihood rises along a ridge toward a limit case)"
    )


class _LogScale:
    """The objective as scipy wants it: minimized, in θ = log p, divided by n.

    Each θ is evaluated once: value, gradient and Hessian share one model evaluation.
    """

    def __init__(self, objective: Objective, n: float) -> None:
        self.objective, self.n = objective, n
        self.theta: Array | None = None
        self.last = Evaluation(np.inf, np.zeros(0))

    def at(self, theta: Array) -> Evaluation:
        if self.theta is None or not np.array_equal(theta, self.theta):
            with np.errstate(all="ignore"):
                self.last = self.objective(np.exp(theta))
            self.theta = theta.copy()
        return self.last

    def value(self, theta: Array) -> float:
        at = self.at(theta)
        return -at.value / self.n if at.finite else np.inf

    def gradient(self, theta: Array) -> Array:
        at = self.at(theta)
        if not at.finite:
            return np.zeros_like(theta)
        return np.asarray(-at.gradient * np.exp(theta) / self.n)

    def hessian(self, theta: Array) -> Array:
        at = self.at(theta)
        if not at.finite or at.hessian is None or not np.all(np.isfinite(at.hessian)):
            return np.eye(len(theta))
        p = np.exp(theta)
        return np.asarray(-(at.hessian * np.outer(p, p) + np.diag(at.gradient * p)) / self.n)

    def value_and_gradient(self, theta: Array) -> tuple[float, Array]:
        if not self.at(theta).finite:
            return 1e300, np.zeros_like(theta)
        return self.value(theta), self.gradient(theta)


def _numeric_hessian(objective: Objective, params: Array) -> Array:
    k = len(params)
    hessian = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(params[j], 1e-3)
        up, down = params.copy(), params.copy()
        up[j] += step
        down[j] -= step
        hessian[:, j] = (objective(up).gradient - objective(down).gradient) / (2 * step)
    return (hessian + hessian.T) / 2


def _standard_errors(hessian: Array, names: tuple[str, ...]) -> Array:
    """Square roots of the diagonal of the inverse observed information, -H⁻¹."""
    try:
        covariance = np.linalg.inv(-hessian)
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
