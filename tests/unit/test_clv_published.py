"""Lifetime figures against published values and an independent computation.

The models' predictions (P(alive), expected purchases, expected spend, discounted CLV)
are checked here against numbers that do not come from Patron's code:

- published figures: Fader, Hardie & Lee (2005), "Counting your customers the easy way"
  (BG/NBD on CDNOW: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426; customer 1 of the data,
  x = 2, t_x = 30.43, T = 38.86, expects 1.226 purchases in the next 39 weeks; the
  population curve E[X(t)] of their spreadsheet); Fader & Hardie (2013), "The Gamma-Gamma
  model of monetary value" (p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers);
- an independent computation written below from the models' individual-level
  assumptions, integrating over the customer's unobserved rates with scipy's quadrature
  (not from the papers' closed forms the code implements):

  BG/NBD: purchases at rate lambda ~ Gamma(r, alpha) while alive, drop-out after each
  purchase with probability p ~ Beta(a, b). Given (lambda, p):
      L         = (1-p)^x lambda^x e^(-lambda T) + [x>0] p (1-p)^(x-1) lambda^x e^(-lambda t_x)
      alive at T: the first term;  E[purchases in t | alive] = (1 - e^(-lambda p t)) / p.
  Pareto/NBD: purchase rate lambda ~ Gamma(r, alpha), death rate mu ~ Gamma(s, beta):
      L = lambda^x e^(-(lambda+mu) T)                     (alive at T)
        + lambda^x mu / (lambda+mu) (e^(-(lambda+mu) t_x) - e^(-(lambda+mu) T))   (died)
      E[purchases in t | alive] = lambda / mu (1 - e^(-mu t)).
  Integrals over lambda use the Gamma moment E[lambda^k e^(-lambda z)] =
  Gamma(r+k)/Gamma(r) alpha^r / (alpha+z)^(r+k); the rest is done numerically.

Model parameters are set as constants (the published estimates), so a broken prediction
formula cannot hide behind a fit.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import betaln, gammaln

from patron.analytics.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from patron.analytics.clv.value import discounted_clv, period_rate

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
GG = {"p": 6.25, "q": 3.74, "v": 15.44}

# customers as (x, t_x, T) in weeks: customer 1 and 2 of the CDNOW data, a customer with
# no repeat purchase, and a frequent buyer who went quiet long ago
CUSTOMERS = [(2, 30.43, 38.86), (1, 1.71, 38.86), (0, 0.0, 38.86), (7, 10.0, 38.0)]


def with_params(model_cls: type, params: dict[str, float]):  # type: ignore[no-untyped-def]
    model = model_cls()
    model.params_ = dict(params)
    return model


def gamma_moment(r: float, alpha: float, k: float, z: float) -> float:
    """E[lambda^k e^(-lambda z)] for lambda ~ Gamma(shape r, rate alpha)."""
    return float(
        np.exp(gammaln(r + k) - gammaln(r) + r * np.log(alpha) - (r + k) * np.log(alpha + z))
    )


def beta_mean(f: Callable[[float], float], a: float, b: float) -> float:
    """E[f(p)] for p ~ Beta(a, b) (quadpack's algebraic weight takes the end singularities)."""
    value, _ = quad(f, 0, 1, weight="alg", wvar=(a - 1, b - 1), epsabs=0, epsrel=1e-11, limit=200)
    return float(value / np.exp(betaln(a, b)))


def bgnbd_by_integration(x: int, t_x: float, T: float, t: float) -> tuple[float, float]:
    """(P(alive at T), E[purchases in (T, T+t]]) for the BG/NBD with the BG constants."""
    r, alpha, a, b = BG.values()
    at_T = gamma_moment(r, alpha, x, T)
    at_tx = gamma_moment(r, alpha, x, t_x)

    def likelihood(p: float) -> float:
        return (1 - p) ** x * at_T + (p * (1 - p) ** (x - 1) * at_tx if x > 0 else 0.0)

    def purchases_if_alive(p: float) -> float:
        # E_lambda[lambda^x e^(-lambda T) (1 - e^(-lambda p t))] / p, written so that it
        # stays exact as p -> 0: at_T * (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p
        if p == 0:
            return at_T * (r + x) * t / (alpha + T)
        return -at_T * np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p

    total = beta_mean(likelihood, a, b)
    alive = beta_mean(lambda p: (1 - p) ** x * at_T, a, b)
    expected = beta_mean(lambda p: (1 - p) ** x * purchases_if_alive(p), a, b)
    return alive / total, expected / total


def pareto_nbd_by_integration(x: int, t_x: float, T: float, t: float) -> tuple[float, float]:
    """(P(alive at T), E[purchases in (T, T+t]]) for the Pareto/NBD with the PNBD constants."""
    r, alpha, s, beta = PNBD.values()

    def survives(z: float) -> float:  # E[e^(-mu z)]
        return float((beta / (beta + z)) ** s)

    def dies(z: float) -> float:  # E[mu e^(-mu z)]
        return float(s * beta**s / (beta + z) ** (s + 1))

    alive = gamma_moment(r, alpha, x, T) * survives(T)
    # 1/(lambda+mu) = integral over y >= 0 of e^(-(lambda+mu) y): the "died" term in one
    # dimension
    died, _ = quad(
        lambda y: (
            gamma_moment(r, alpha, x, t_x + y) * dies(t_x + y)
            - gamma_moment(r, alpha, x, T + y) * dies(T + y)
        ),
        0,
        np.inf,
        epsabs=0,
        epsrel=1e-11,
        limit=200,
    )
    # lambda/mu (1 - e^(-mu t)) = lambda * integral over y in [0, t] of e^(-mu y)
    later, _ = quad(lambda y: survives(T + y), 0, t, epsabs=0, epsrel=1e-12)
    expected = gamma_moment(r, alpha, x + 1, T) * later
    return alive / (alive + died), expected / (alive + died)


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T", "zbar")}


def test_bgnbd_expects_the_published_1_226_purchases_for_customer_1() -> None:
    model = with_params(BetaGeoModel, BG)
    # Fader, Hardie & Lee (2005), section 5: 1.226 purchases in weeks 39..78
    assert model.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)
    # the independent integration lands on the same figure
    assert bgnbd_by_integration(2, 30.43, 38.86, 39)[1] == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
@pytest.mark.parametrize("horizon", [13.0, 39.0])
def test_bgnbd_p_alive_and_expected_purchases_match_the_integration(
    x: int, t_x: float, T: float, horizon: float
) -> None:
    model = with_params(BetaGeoModel, BG)
    alive, expected = bgnbd_by_integration(x, t_x, T, horizon)
    assert model.probability_alive([x], [t_x], [T])[0] == pytest.approx(alive, rel=1e-8)
    assert model.expected_purchases(horizon, [x], [t_x], [T])[0] == pytest.approx(
        expected, rel=1e-8
    )


def test_bgnbd_population_curve_matches_the_published_spreadsheet(
    cdnow: dict[str, np.ndarray],
) -> None:
    # E[X(t)] for a new customer at t = 1 day, 1, 3, 31.86, 32 and 78 weeks, from Fader
    # and Hardie's BG/NBD spreadsheet (computed with the full-precision estimates)
    model = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    times = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0]
    published = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    assert [model.expected_purchases_new(t) for t in times] == pytest.approx(published, abs=5e-4)
    # and with the rounded constants, against the integration (x = 0 at age 0)
    rounded = with_params(BetaGeoModel, BG)
    for t in times:
        assert rounded.expected_purchases_new(t) == pytest.approx(
            bgnbd_by_integration(0, 0.0, 0.0, t)[1], rel=1e-8
        )


@pytest.mark.parametrize(("x", "t_x", "T"), CUSTOMERS)
def test_pareto_nbd_p_alive_and_expected_purchases_match_the_integration(
    x: int, t_x: float, T: float
) -> None:
    model = with_params(ParetoNBDModel, PNBD)
    alive, expected = pareto_nbd_by_integration(x, t_x, T, 39.0)
    # Patron's Pareto/NBD integrates numerically too (its own nodes): agreement to 1e-5
    assert model.probability_alive([x], [t_x], [T])[0] == pytest.approx(alive, rel=1e-5)
    assert model.expected_purchases(39.0, [x], [t_x], [T])[0] == pytest.approx(expected, rel=1e-5)


def test_gamma_gamma_fit_lands_on_the_published_estimates(cdnow: dict[str, np.ndarray]) -> None:
    model = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    # Fader & Hardie (2013): p = 6.25, q = 3.74, gamma = 15.44, each within 0.01
    for name, published in GG.items():
        assert abs(model.params_[name] - published) <= 0.01, (name, model.params_[name])


def test_gamma_gamma_expected_spend_by_hand() -> None:
    model = with_params(GammaGammaModel, GG)
    # E[M | x, m] = (gamma + m x) p / (p x + q - 1)
    #   x = 2, m = 22.35 (customer 1): (15.44 + 44.70) * 6.25 / (12.50 + 2.74)
    #                                  = 375.875 / 15.24 = 24.66371...
    #   x = 1, m = 11.77 (customer 2): (15.44 + 11.77) * 6.25 / (6.25 + 2.74)
    #                                  = 170.0625 / 8.99 = 18.91685...
    #   x = 0 (no repeat purchase):    the population mean gamma p / (q - 1)
    #                                  = 96.5 / 2.74 = 35.21898...
    # (customer 1 as a weighted mean: w = 2.74/15.24 on 35.219, 1-w on 22.35 = 24.664)
    spend = model.expected_spend([2, 1, 0], [22.35, 11.77, 0.0])
    assert spend.tolist() == pytest.approx(
        [375.875 / 15.24, 170.0625 / 8.99, 96.5 / 2.74], rel=1e-12
    )
    assert spend[0] == pytest.approx(24.6637, abs=1e-4)


@pytest.mark.parametrize(("margin", "annual"), [(1.0, 0.0), (0.3, 0.1)])
def test_discounted_clv_is_the_sum_of_discounted_weekly_purchases(
    margin: float, annual: float
) -> None:
    purchases, spend = with_params(BetaGeoModel, BG), with_params(GammaGammaModel, GG)
    # CLV of customer 1 over 52 weeks, the rate given per year:
    #   sum over k = 1..52 of (E[X(k)] - E[X(k-1)]) * E[M] * margin / (1 + annual)^(years)
    # with week k ending 7k/365.25 years from now, E[X(k)] from the integration and
    # E[M] = 375.875 / 15.24 by hand
    cumulative = [0.0] + [bgnbd_by_integration(2, 30.43, 38.86, k)[1] for k in range(1, 53)]
    weekly = np.diff(cumulative)
    expected = (
        sum(weekly[k - 1] / (1 + annual) ** (7 * k / 365.25) for k in range(1, 53))
        * (375.875 / 15.24)
        * margin
    )
    clv = discounted_clv(
        purchases, spend, [2], [30.43], [38.86], [22.35],
        horizon=52, period_days=7.0, margin=margin, annual_discount_rate=annual,
    )[0]  # fmt: skip
    assert clv == pytest.approx(expected, rel=1e-8)
    if annual == 0.0:
        assert clv == pytest.approx(cumulative[-1] * 375.875 / 15.24, rel=1e-8)


def test_an_annual_discount_rate_becomes_the_rate_that_compounds_to_it_over_a_year() -> None:
    """By hand, 10 % a year: ln 1.1 = 0.0953102; a week is 7/365.25 = 0.0191650 years,
    so the weekly rate is e^(0.0953102 * 0.0191650) - 1 = e^0.0018266 - 1 = 0.0018283;
    a month (1/12 year) e^0.0079425 - 1 = 0.0079741; a day e^0.00026095 - 1 = 0.00026098."""
    assert period_rate(0.1, 7.0) == pytest.approx(0.0018283, abs=1e-7)
    assert period_rate(0.1, 365.25 / 12) == pytest.approx(0.0079741, abs=1e-7)
    assert period_rate(0.1, 1.0) == pytest.approx(0.00026098, abs=1e-8)
    assert period_rate(0.0, 7.0) == 0.0
