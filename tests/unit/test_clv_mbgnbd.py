"""The modified BG/NBD (Batislam, Denizel & Filiztekin 2007) against figures that do not
come from Patron's code:

- published estimates on the CDNOW sample of the BG/NBD paper (2,357 customers, 39-week
  calibration): r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (BTYDplus's
  `mbgnbd.EstimateParameters`, as quoted by the lifetimes test suite, "params out is
  close to BTYDplus");
- an independent computation from the model's individual-level assumptions: while
  active, purchases at rate lambda ~ Gamma(r, alpha); right after the first purchase and
  after each repeat purchase the customer drops out with probability p ~ Beta(a, b).
  Given (lambda, p), for x repeat purchases, the last at t_x, observed to T:

      alive at T:                      (1-p)^(x+1) lambda^x e^(-lambda T)
      dropped out after purchase x:    p (1-p)^x lambda^x e^(-lambda t_x)   (x = 0 too)
      E[purchases in (T, T+t] | alive] = (1 - e^(-lambda p t)) / p

  integrated over p (and, for the likelihood, over lambda too) with scipy's quadrature;
- a Monte Carlo simulation of that story with a fixed seed, for the population curve.

Model parameters are set as constants wherever a prediction is checked, so a broken
formula cannot hide behind a fit.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import approx_fprime
from scipy.special import gammaln

from patron.analytics.clv import BetaGeoModel, ModelNotIdentified, ModifiedBetaGeoModel
from patron.analytics.clv import simulate as sim
from patron.analytics.clv.data import RFT
from patron.analytics.clv.registry import PURCHASE_MODELS, purchase_model_named
from tests.unit.test_clv_published import beta_mean, gamma_moment

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"
MBG = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
# customer 1 and 2 of CDNOW, a one-time buyer, one who bought once 635 days (90.71 weeks)
# ago, and a frequent buyer who went quiet
CUSTOMERS = [
    (2, 30.43, 38.86),
    (1, 1.71, 38.86),
    (0, 0.0, 38.86),
    (0, 0.0, 635 / 7),
    (7, 10.0, 38.0),
]


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T")}


def mbg(params: dict[str, float] = MBG) -> ModifiedBetaGeoModel:
    model = ModifiedBetaGeoModel()
    model.params_ = dict(params)
    return model


def by_integration(x: int, t_x: float, T: float, t: float) -> tuple[float, float]:
    """(P(alive at T), E[purchases in (T, T+t]]) with the MBG constants, from the
    individual-level story above, integrating p numerically."""
    r, alpha, a, b = MBG.values()
    at_T = gamma_moment(r, alpha, x, T)
    at_tx = gamma_moment(r, alpha, x, t_x)

    def purchases_if_alive(p: float) -> float:
        # E_lambda[lambda^x e^(-lambda T) (1 - e^(-lambda p t))] / p, exact as p -> 0
        if p == 0:
            return at_T * (r + x) * t / (alpha + T)
        return -at_T * np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p

    alive = beta_mean(lambda p: (1 - p) ** (x + 1) * at_T, a, b)
    died = beta_mean(lambda p: p * (1 - p) ** x * at_tx, a, b)
    expected = beta_mean(lambda p: (1 - p) ** (x + 1) * purchases_if_alive(p), a, b)
    return alive / (alive + died), expected / (alive + died)


def log_likelihood_by_double_integration(
    params: tuple[float, float, float, float], x: int, t_x: float, T: float
) -> float:
    """log E_{lambda, p}[L(lambda, p)], both integrals numerical: lambda's over (0, 1)
    with quadpack's algebraic weight lambda^(r-1+x) (the Gamma density's singularity)
    and over (1, inf), p's with the Beta weight."""
    r, alpha, a, b = params

    def over_lambda(z: float) -> float:  # E[lambda^x e^(-lambda z)], lambda ~ Gamma(r, alpha)
        smooth = lambda lam: np.exp(r * np.log(alpha) - gammaln(r) - (alpha + z) * lam)  # noqa: E731
        near, _ = quad(smooth, 0, 1, weight="alg", wvar=(r - 1 + x, 0), epsabs=0, epsrel=1e-12)
        far, _ = quad(
            lambda lam: smooth(lam) * lam ** (r - 1 + x), 1, np.inf, epsabs=0, epsrel=1e-12
        )
        return float(near + far)

    at_T, at_tx = over_lambda(T), over_lambda(t_x)
    total = beta_mean(lambda p: (1 - p) ** (x + 1) * at_T + p * (1 - p) ** x * at_tx, a, b)
    return float(np.log(total))


def test_mbgnbd_reproduces_the_published_cdnow_estimates(cdnow: dict[str, np.ndarray]) -> None:
    model = ModifiedBetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # BTYDplus: r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
    assert {k: round(v, 3) for k, v in model.params_.items()} == MBG
    assert model.n_customers_ == 2357 and model.weakly_identified_ == []
    # the fitted log-likelihood is the sum of the independently integrated one
    rows = RFT.of(cdnow["x"], cdnow["t_x"], cdnow["T"]).compress()
    params = tuple(model.params_.values())
    some = slice(0, None, 50)  # every 50th distinct row: x = 0 and repeat buyers alike
    independent = [
        log_likelihood_by_double_integration(params, int(x), t, T)  # type: ignore[arg-type]
        for x, t, T in zip(rows.x[some], rows.t_x[some], rows.T[some], strict=True)
    ]
    picked = RFT(rows.x[some], rows.t_x[some], rows.T[some], rows.weights[some])
    ll, _ = model.loglik(np.array(params), picked)
    np.testing.assert_allclose(ll, independent, rtol=1e-9)


@pytest.mark.parametrize(("x", "t_x", "T"), [*CUSTOMERS, (0, 0.0, 0.0), (3, 5.0, 5.0)])
def test_mbgnbd_likelihood_matches_the_double_integral(x: int, t_x: float, T: float) -> None:
    params = np.array([0.4, 6.0, 0.9, 3.0])
    ll, _ = ModifiedBetaGeoModel().loglik(params, RFT.of([x], [t_x], [T]))
    expected = log_likelihood_by_double_integration(tuple(params), x, t_x, T)  # type: ignore[arg-type]
    assert ll[0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
@pytest.mark.parametrize("horizon", [13.0, 39.0])
def test_mbgnbd_p_alive_and_expected_purchases_match_the_integration(
    x: int, t_x: float, T: float, horizon: float
) -> None:
    alive, expected = by_integration(x, t_x, T, horizon)
    model = mbg()
    assert model.probability_alive([x], [t_x], [T])[0] == pytest.approx(alive, rel=1e-8)
    assert model.expected_purchases(horizon, [x], [t_x], [T])[0] == pytest.approx(
        expected, rel=1e-8
    )


def test_a_one_time_buyer_long_gone_is_probably_lost_unlike_under_bgnbd() -> None:
    """The issue's customer: one purchase, 635 days ago. BG/NBD cannot lose a customer
    who never came back (P(alive) = 1, its known flaw); MBG/NBD can. By hand with the
    constants: 1 / (1 + a/b ((alpha+T)/alpha)^r) = 1 / (1 + 0.55204 * 15.672^0.525)
    = 1 / (1 + 0.55204 * 4.2405) = 0.2993."""
    T = 635 / 7
    bg = BetaGeoModel()
    bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert bg.probability_alive([0], [0], [T])[0] == 1.0
    assert mbg().probability_alive([0], [0], [T])[0] == pytest.approx(0.2993, abs=1e-4)
    # and just after the first purchase, only the chance to drop out right away: b/(a+b)
    assert mbg().probability_alive([0], [0], [0])[0] == pytest.approx(1.614 / 2.505, rel=1e-12)


def test_the_population_curve_matches_a_simulation_of_the_story() -> None:
    """E[X(t)] for a customer just acquired, against 400,000 simulated customers (fixed
    seed) observed for t weeks: the mean of their repeat purchases lies within four
    standard errors (SE = sd / sqrt(n), about 0.002 here) of the model's value, and the
    integration agrees to 1e-8."""
    model = mbg()
    for t in (13.0, 39.0, 78.0):
        assert model.expected_purchases_new(t) == pytest.approx(
            by_integration(0, 0.0, 0.0, t)[1], rel=1e-8
        )
        x, _, _ = sim.mbgnbd(400_000, *MBG.values(), T=t, seed=7)
        se = x.std() / np.sqrt(len(x))
        assert abs(x.mean() - model.expected_purchases_new(t)) < 4 * se, (t, x.mean(), se)


def test_the_fast_likelihood_is_the_sum_of_the_per_customer_one(
    cdnow: dict[str, np.ndarray],
) -> None:
    """The objective the fit maximizes (sums by distinct x, T and rows, with x + 1
    drop-out chances) equals the sum of the per-customer likelihood; its gradient the
    per-customer gradients' sum, which matches finite differences; its Hessian the
    derivative of its gradient."""
    from patron.analytics.clv.bgnbd import _Likelihood

    data = RFT.of(cdnow["x"], cdnow["t_x"], cdnow["T"])
    params = np.array([0.4, 6.0, 0.9, 3.0])
    model = ModifiedBetaGeoModel()
    ll, grad = model.loglik(params, data)
    numeric = approx_fprime(params, lambda p: float(model.loglik(p, data)[0].sum()), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)
    objective = _Likelihood(data, chances=1)
    fast = objective(params)
    assert fast.value == pytest.approx(ll.sum(), rel=1e-12)
    np.testing.assert_allclose(fast.gradient, grad.sum(axis=1), rtol=1e-10)
    assert fast.hessian is not None
    numeric_hessian = approx_fprime(params, lambda p: objective(p).gradient, 1e-6)
    np.testing.assert_allclose(fast.hessian, numeric_hessian, rtol=1e-4, atol=1e-3)
    # the x terms by recurrence equal SciPy's special functions, and beyond a million
    # purchases SciPy's take over
    value, gradient, hessian = objective._by_x(params)
    special = objective._by_x_special(params)
    assert value == pytest.approx(special[0], rel=1e-12)
    np.testing.assert_allclose(gradient, special[1], rtol=1e-12)
    np.testing.assert_allclose(hessian, special[2], rtol=1e-11)
    huge = RFT.of([0, 3, 2_000_000], [0, 10, 30], [39, 39, 39])
    assert _Likelihood(huge, chances=1)(params).value == pytest.approx(
        model.loglik(params, huge)[0].sum(), rel=1e-12
    )


def _conditional_by_series(x: int, T: float, t: float) -> float:
    """E[purchases in (T, T+t] | alive at T] = E[1/p (1 - e^(-lambda p t))] with
    p ~ Beta(a, b+x+1), lambda ~ Gamma(r+x, alpha+T): (a+b+x)/(a-1) · [1 - (1-z)^(r+x)
    ₂F₁(r+x, b+x+1; a+b+x; z)], z = t/(alpha+T+t), the series summed term by term in
    logs (independent of scipy's hyp2f1 and of the Euler transformation the model uses)."""
    r, alpha, a, b = MBG.values()
    z = t / (alpha + T + t)
    p, q, c = r + x, b + x + 1, a + b + x
    n = np.arange(4_000_000, dtype=float)
    log_terms = (
        gammaln(p + n)
        - gammaln(p)
        + gammaln(q + n)
        - gammaln(q)
        - gammaln(c + n)
        + gammaln(c)
        - gammaln(n + 1)
        + n * np.log(z)
    )
    top = log_terms.max()
    log_product = p * np.log1p(-z) + top + np.log(np.exp(log_terms - top).sum())
    return float((a + b + x) / (a - 1) * (1 - np.exp(log_product)))


@pytest.mark.parametrize(("x", "horizon"), [(2, 39.0), (300, 5000.0), (300, 10_000.0)])
def test_expected_purchases_stay_finite_for_heavy_buyers_over_long_horizons(
    x: int, horizon: float
) -> None:
    model = mbg()
    T = 400.0
    got = float(model.expected_purchases(horizon, [x], [T], [T])[0])
    alive = float(model.probability_alive([x], [T], [T])[0])
    assert np.isfinite(got)
    assert got == pytest.approx(_conditional_by_series(x, T, horizon) * alive, rel=1e-6)


@pytest.mark.slow
def test_mbgnbd_recovers_simulated_parameters() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}
    ages = np.random.default_rng(9).uniform(20, 78, 100_000).round(1)
    x, t, T = sim.mbgnbd(100_000, *truth.values(), T=ages, seed=1)
    model = ModifiedBetaGeoModel().fit(x, t, T)
    z = {k: (model.params_[k] - v) / model.standard_errors_[k] for k, v in truth.items()}
    assert all(abs(v) < 2 for v in z.values()), z


customers = st.lists(
    st.tuples(st.integers(0, 8), st.floats(0, 1), st.floats(0.5, 60)), min_size=1, max_size=60
)


@settings(max_examples=40, deadline=None)
@given(rows=customers)
def test_a_fit_gives_finite_estimates_or_says_why_not(rows: list[tuple[int, float, float]]) -> None:
    x = np.array([r[0] for r in rows], dtype=float)
    T = np.array([r[2] for r in rows]).round(2)
    t = np.where(x > 0, (np.array([r[1] for r in rows]) * T).round(2), 0.0)
    try:
        model = ModifiedBetaGeoModel().fit(x, t, T)
    except ModelNotIdentified:
        return
    estimates = [*model.params_.values(), *model.standard_errors_.values()]
    assert np.all(np.isfinite(estimates)) and np.all(np.array(estimates) > 0)


def test_the_registry_knows_it_as_mbgnbd() -> None:
    assert "mbgnbd" in PURCHASE_MODELS
    assert isinstance(purchase_model_named("mbgnbd"), ModifiedBetaGeoModel)
