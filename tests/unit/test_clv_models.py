"""Lifetime models: published CDNOW estimates, parameter recovery, gradients, errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime
from scipy.special import gammaln, hyp2f1

from patron.analytics.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModelNotIdentified,
    ParetoNBDModel,
)
from patron.analytics.clv import simulate as sim
from patron.analytics.clv.data import RFT
from patron.analytics.clv.gammagamma import independence_check
from patron.domain.errors import InvalidInput

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """The 2,357-customer CDNOW sample of the BG/NBD paper, 39-week calibration."""
    rows = list(csv.DictReader(DATA.open()))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T", "zbar")}


def sig3(value: float) -> str:
    return f"{value:.3g}"


def test_bgnbd_reproduces_the_published_cdnow_estimates(cdnow: dict[str, np.ndarray]) -> None:
    model = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # Fader, Hardie & Lee (2005), section 5: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    assert {k: sig3(v) for k, v in model.params_.items()} == {
        "r": "0.243",
        "alpha": "4.41",
        "a": "0.793",
        "b": "2.43",
    }
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert model.n_customers_ == 2357


def test_pareto_nbd_reproduces_the_published_cdnow_estimates(cdnow: dict[str, np.ndarray]) -> None:
    model = ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # Fader, Hardie & Lee (2005) note: r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67, LL -9595.0
    p = model.params_
    assert (round(p["r"], 2), round(p["alpha"], 2), round(p["s"], 2), round(p["beta"], 2)) == (
        0.55,
        10.58,
        0.61,
        11.67,
    )
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_gamma_gamma_fits_the_946_repeat_buyers_whose_spend_is_independent_of_frequency(
    cdnow: dict[str, np.ndarray],
) -> None:
    model = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    # Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers
    # (each within 0.01: test_clv_published.py)
    assert model.n_customers_ == 946
    assert abs(independence_check(cdnow["x"], cdnow["zbar"])) < 0.2


def test_pareto_nbd_likelihood_matches_the_hypergeometric_closed_form(
    cdnow: dict[str, np.ndarray],
) -> None:
    r, a, s, b = 0.55, 10.58, 0.61, 11.67
    x, t, T = cdnow["x"], cdnow["t_x"], cdnow["T"]
    A0 = hyp2f1(r + s + x, r + x, r + s + x + 1, (b - a) / (b + t)) / (b + t) ** (
        r + s + x
    ) - hyp2f1(r + s + x, r + x, r + s + x + 1, (b - a) / (b + T)) / (b + T) ** (r + s + x)
    closed = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(a)
        + s * np.log(b)
        + np.log((a + T) ** -(r + x) * (b + T) ** -s + s / (r + s + x) * A0)
    )
    ll, _ = ParetoNBDModel().loglik(np.array([r, a, s, b]), RFT.of(x, t, T))
    assert np.max(np.abs(ll - closed)) < 2e-6


@pytest.mark.parametrize("model", [BetaGeoModel(), ParetoNBDModel()])
def test_analytic_gradients_match_finite_differences(model, cdnow) -> None:  # type: ignore[no-untyped-def]
    data = RFT.of(cdnow["x"][:300], cdnow["t_x"][:300], cdnow["T"][:300])
    params = np.array([0.4, 6.0, 0.9, 3.0])
    _, grad = model.loglik(params, data)
    numeric = approx_fprime(params, lambda p: float(model.loglik(p, data)[0].sum()), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)


def test_bgnbd_sufficient_statistics_match_the_per_customer_likelihood(
    cdnow: dict[str, np.ndarray],
) -> None:
    """The fast objective (by distinct x, T and rows) equals the sum of eq. 6 per customer,
    and its Hessian equals the derivative of its gradient."""
    from patron.analytics.clv.bgnbd import _Likelihood

    data = RFT.of(cdnow["x"], cdnow["t_x"], cdnow["T"])
    params = np.array([0.4, 6.0, 0.9, 3.0])
    ll, grad = BetaGeoModel().loglik(params, data)
    fast = _Likelihood(data)(params)
    assert fast.value == pytest.approx(ll.sum(), rel=1e-12)
    np.testing.assert_allclose(fast.gradient, grad.sum(axis=1), rtol=1e-10)
    objective = _Likelihood(data)
    numeric = approx_fprime(params, lambda p: objective(p).gradient, 1e-6)
    assert fast.hessian is not None
    np.testing.assert_allclose(fast.hessian, numeric, rtol=1e-4, atol=1e-3)


def test_bgnbd_x_terms_by_recurrence_equal_scipys_special_functions(
    cdnow: dict[str, np.ndarray],
) -> None:
    """Γ(r+x)/Γ(r) and B(a, b+x)/B(a, b) as products over k < x (NumPy alone) give the
    value, gradient and Hessian that log-gamma, digamma and trigamma give."""
    from patron.analytics.clv.bgnbd import _Likelihood

    objective = _Likelihood(RFT.of(cdnow["x"], cdnow["t_x"], cdnow["T"]))
    assert objective.above is not None  # the recurrence is the one used
    params = np.array([0.4, 6.0, 0.9, 3.0])
    value, gradient, hessian = objective._by_x(params)
    special = objective._by_x_special(params)
    assert value == pytest.approx(special[0], rel=1e-12)
    np.testing.assert_allclose(gradient, special[1], rtol=1e-12)
    np.testing.assert_allclose(hessian, special[2], rtol=1e-11)


def test_bgnbd_frequencies_beyond_a_million_are_summed_with_special_functions() -> None:
    from patron.analytics.clv.bgnbd import _Likelihood

    data = RFT.of([0, 3, 2_000_000], [0, 10, 30], [39, 39, 39])
    objective = _Likelihood(data)
    assert objective.above is None  # no recurrence over two million k
    params = np.array([0.4, 6.0, 0.9, 3.0])
    ll, grad = BetaGeoModel().loglik(params, data)
    fast = objective(params)
    assert fast.value == pytest.approx(ll.sum(), rel=1e-12)
    np.testing.assert_allclose(fast.gradient, grad.sum(axis=1), rtol=1e-9)


def test_pareto_nbd_hessian_matches_the_derivative_of_its_gradient(
    cdnow: dict[str, np.ndarray],
) -> None:
    data = RFT.of(cdnow["x"], cdnow["t_x"], cdnow["T"])
    objective = ParetoNBDModel()._objective(data)
    params = np.array([0.4, 6.0, 0.9, 3.0])
    exact = objective(params).hessian
    numeric = approx_fprime(params, lambda p: objective(p).gradient, 1e-6)
    assert exact is not None
    np.testing.assert_allclose(exact, numeric, rtol=1e-4, atol=1e-3)


def test_gamma_gamma_gradient_matches_finite_differences(cdnow: dict[str, np.ndarray]) -> None:
    keep = cdnow["x"] > 0
    x, m = cdnow["x"][keep], cdnow["zbar"][keep]
    params = np.array([5.0, 3.0, 12.0])
    _, grad = GammaGammaModel.loglik(params, x, m)
    numeric = approx_fprime(params, lambda p: float(GammaGammaModel.loglik(p, x, m)[0].sum()), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4)


AGES = np.random.default_rng(9).uniform(20, 78, 100_000).round(1)


def within_two_se(model, truth: dict[str, float]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    z = {k: (model.params_[k] - v) / model.standard_errors_[k] for k, v in truth.items()}
    assert all(abs(v) < 2 for v in z.values()), z
    return z


@pytest.mark.slow
def test_bgnbd_recovers_simulated_parameters() -> None:
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    x, t, T = sim.bgnbd(100_000, *truth.values(), T=AGES, seed=1)
    within_two_se(BetaGeoModel().fit(x, t, T), truth)


@pytest.mark.slow
def test_pareto_nbd_recovers_simulated_parameters() -> None:
    truth = {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}
    x, t, T = sim.pareto_nbd(100_000, *truth.values(), T=AGES, seed=1)
    within_two_se(ParetoNBDModel().fit(x, t, T), truth)


@pytest.mark.slow
def test_gamma_gamma_recovers_simulated_parameters() -> None:
    truth = {"p": 6.25, "q": 3.74, "v": 15.44}
    frequency = 1 + np.random.default_rng(3).poisson(3, 100_000)
    spend = sim.gamma_gamma(frequency, *truth.values(), seed=1)
    within_two_se(GammaGammaModel().fit(frequency, spend), truth)


def test_predictions_are_consistent(cdnow: dict[str, np.ndarray]) -> None:
    model = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    x, t, T = cdnow["x"], cdnow["t_x"], cdnow["T"]
    alive = model.probability_alive(x, t, T)
    assert np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[x == 0] == 1)  # no repeat purchase: BG/NBD cannot have lost them yet
    later = model.expected_purchases(39, x, t, T)
    sooner = model.expected_purchases(13, x, t, T)
    assert np.all(later >= sooner) and np.all(sooner >= 0)
    # a customer who bought often and recently is worth more than one who went quiet
    quiet, busy = model.expected_purchases(39, [5, 5], [5.0, 38.0], [39.0, 39.0])
    assert busy > 3 * quiet
    # the population curve of eq. 9 grows with time but slower than linearly
    assert (
        0
        < model.expected_purchases_new(39)
        < model.expected_purchases_new(78)
        < (2 * model.expected_purchases_new(39))
    )


def test_data_that_cannot_identify_the_model_gets_a_clear_error() -> None:
    with pytest.raises(ModelNotIdentified, match="no customer made a repeat purchase"):
        BetaGeoModel().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])
    with pytest.raises(InvalidInput, match="recency"):
        BetaGeoModel().fit([1], [12], [10])
    with pytest.raises(InvalidInput, match="frequency"):
        BetaGeoModel().fit([1.5], [1], [10])
    with pytest.raises(ModelNotIdentified):
        GammaGammaModel().fit([1, 0], [3.0, 0.0])


@pytest.mark.parametrize("customers", [2000, 5000])
def test_a_likelihood_ridge_is_refused_whatever_the_optimizer_did(customers: int) -> None:
    """Repeat purchases spread uniformly over each customer's life: no sign of drop-out,
    so Pareto/NBD's s and beta grow together without end (their ratio alone is pinned).
    Where the optimizer stops on that ridge, and the sign of the curvature there, hang on
    floating-point details (with 2,000 customers one BLAS build gave a Hessian that was
    not negative definite, another a fit that 'converged'); the likelihood profile does
    not: values of s and beta 400 times apart fit equally well, so the fit is refused.
    When the optimizer runs beta all the way to its bound instead (this machine, 5,000
    customers), the fit is refused before the profile is walked, naming beta: either way
    the answer is a refusal that names beta, never a fit."""
    rng = np.random.default_rng(0)
    T = rng.uniform(10, 50, customers)
    x = rng.integers(0, 10, customers).astype(float)
    t = np.where(x > 0, rng.uniform(0, 1, customers) * T, 0)
    with pytest.raises(ModelNotIdentified, match="cannot identify") as refused:
        ParetoNBDModel().fit(x, t, T)
    assert "beta" in str(refused.value)


def test_parameters_the_data_barely_pins_down_are_flagged(cdnow: dict[str, np.ndarray]) -> None:
    """100 simulated BG/NBD customers: an identified optimum (the profile falls steeply
    both ways), but b's standard error is 1.2 times its estimate, a's 0.9 times."""
    x, t, T = sim.bgnbd(100, 0.25, 4.0, 0.8, 2.5, T=np.full(100, 39.0), seed=3)
    small = BetaGeoModel().fit(x, t, T)
    assert small.weakly_identified_ == ["b"]
    assert small.summary()["weakly_identified"] == ["b"]
    published = ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert published.weakly_identified_ == []


def test_identified_models_are_not_taken_for_ridges(cdnow: dict[str, np.ndarray]) -> None:
    """The CDNOW fits of the papers are identified: the probe must let all three pass."""
    buyers = cdnow["x"] > 0
    ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    GammaGammaModel().fit(cdnow["x"][buyers], cdnow["zbar"][buyers])


def test_holdout_report_tracks_cdnow_purchases() -> None:
    from datetime import datetime

    from patron.analytics.clv.validation import holdout_report
    from patron.analytics.frames import open_source
    from patron.analytics.summary import customer_summary

    frame = customer_summary(
        open_source(str(DATA.parent / "cdnow_sample.csv")),
        period="week",
        calibration_end=datetime(1997, 9, 30),
        observation_end=datetime(1998, 6, 30),
    ).to_pandas()
    model = BetaGeoModel().fit(frame.frequency, frame.recency, frame["T"])
    report = holdout_report(
        model, frame.frequency, frame.recency, frame["T"], frame.frequency_holdout, 39.0
    )
    assert report.actual_total == frame.frequency_holdout.sum()
    assert abs(report.relative_error) < 0.2
    means = [b.predicted for b in report.buckets]
    assert means == sorted(means)  # more past purchases, more predicted purchases
    assert [b.frequency for b in report.buckets][-1] == "7+"


customers = st.lists(
    st.tuples(st.integers(0, 8), st.floats(0, 1), st.floats(0.5, 60)), min_size=1, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(rows=customers, pareto=st.booleans())
def test_a_fit_gives_finite_estimates_or_says_why_not(
    rows: list[tuple[int, float, float]], pareto: bool
) -> None:
    """Whatever the (valid) data, never NaN parameters or a stray numerical exception."""
    x = np.array([r[0] for r in rows], dtype=float)
    T = np.array([r[2] for r in rows]).round(2)
    t = np.where(x > 0, (np.array([r[1] for r in rows]) * T).round(2), 0.0)
    model = ParetoNBDModel() if pareto else BetaGeoModel()
    try:
        model.fit(x, t, T)
    except ModelNotIdentified:
        return
    estimates = [*model.params_.values(), *model.standard_errors_.values()]
    assert np.all(np.isfinite(estimates)) and np.all(np.array(estimates) > 0)
    assert np.isfinite(model.log_likelihood_)


def _eq10_by_its_series(
    r: float, alpha: float, a: float, b: float, x: int, T: float, t: float
) -> float:
    """Eq. 10's ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z) summed term by term in
    logs (the hypergeometric series itself), independent of scipy's hyp2f1 and of Euler's
    transformation that the model uses."""
    z = t / (alpha + T + t)
    p, q, c = r + x, b + x, a + b + x - 1
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
    head = (a + b + x - 1) / (a - 1)
    return float(head * (1 - np.exp(log_product)))


@pytest.mark.parametrize(("x", "horizon"), [(2, 39.0), (300, 5000.0), (300, 10_000.0)])
def test_expected_purchases_stay_finite_for_heavy_buyers_over_long_horizons(
    x: int, horizon: float
) -> None:
    """A customer with 300 repeat purchases, alive for sure (t_x = T), over up to 10,000
    periods: eq. 10 as written gives inf · 0; the model must give the series' value."""
    model = BetaGeoModel()
    model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    T = 400.0
    got = float(model.expected_purchases(horizon, [x], [T], [T])[0])
    expected = _eq10_by_its_series(0.243, 4.414, 0.793, 2.426, x, T, horizon)
    assert np.isfinite(got)
    assert got == pytest.approx(
        expected * float(model.probability_alive([x], [T], [T])[0]), rel=1e-6
    )
