"""The statistics of an experiment (analytics/uplift.py), without a store: the interval's
coverage over many seeds, CUPED's narrowing, Welch's figures against scipy, the sample
ratio check and the power calculator against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from patron.analytics.uplift import (
    aggregates_of,
    effect,
    incremental,
    members_needed,
    net_of,
    roi_of,
    sample_ratio,
)
from patron.domain.errors import InvalidInput

TRUE_UPLIFT = 2.0  # per member, added to the treatment's outcome


def arms(seed: int, n: int = 400, rho: float = 0.8) -> tuple[np.ndarray, ...]:
    """Skewed spend (gamma) in the pre-period X and the period Y, correlated by `rho`
    through a shared member effect, the treatment shifted by TRUE_UPLIFT."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(2.0, 10.0, size=2 * n)  # each member's own level
    x = base + rng.normal(0, 10.0 * math.sqrt(2) * math.sqrt(1 / rho - 1), 2 * n)
    y = base + rng.normal(0, 10.0 * math.sqrt(2) * math.sqrt(1 / rho - 1), 2 * n)
    y[n:] += TRUE_UPLIFT
    return y[:n], y[n:], x[:n], x[n:]


def test_the_95_percent_interval_covers_the_true_uplift_in_about_95_percent_of_runs() -> None:
    # 400 runs: the count of covering intervals is Binomial(400, 0.95) when the interval is
    # right, mean 380 and standard deviation sqrt(400 * 0.95 * 0.05) = 4.36; [0.92, 0.98]
    # is 368 to 392, +-12 = +-2.75 standard deviations: a right interval falls outside
    # with probability about 0.6 %, one of 90 % or 99 % coverage (360 or 396) is caught.
    plain = cuped = 0
    for seed in range(400):
        yc, yt, xc, xt = arms(seed)
        control, treatment = aggregates_of(yc, xc), aggregates_of(yt, xt)
        found = effect(control, treatment, "revenue")
        adjusted = effect(control, treatment, "revenue", covariate="x")
        plain += found.ci_low <= TRUE_UPLIFT <= found.ci_high
        cuped += adjusted.ci_low <= TRUE_UPLIFT <= adjusted.ci_high
    assert 0.92 <= plain / 400 <= 0.98
    assert 0.92 <= cuped / 400 <= 0.98


def test_cuped_narrows_the_interval_by_the_share_the_pre_period_explains() -> None:
    # Deng et al. 2013: the variance shrinks by 1 - rho^2; rho = 0.8 leaves 0.36, so the
    # interval's width about 0.6 of the plain one's (n = 20,000 makes the estimate tight)
    yc, yt, xc, xt = arms(7, n=20_000, rho=0.8)
    control, treatment = aggregates_of(yc, xc), aggregates_of(yt, xt)
    plain = effect(control, treatment, "revenue")
    adjusted = effect(control, treatment, "revenue", covariate="x")
    ratio = (adjusted.ci_high - adjusted.ci_low) / (plain.ci_high - plain.ci_low)
    assert 0.57 <= ratio <= 0.63


def test_the_difference_equals_scipys_welch_test_on_the_same_numbers() -> None:
    rng = np.random.default_rng(11)
    yc, yt = rng.gamma(2.0, 10.0, 300), rng.gamma(2.0, 11.0, 220)  # unequal sizes and spreads
    found = effect(aggregates_of(yc), aggregates_of(yt), "revenue", confidence=0.9)
    welch = scipy.stats.ttest_ind(yt, yc, equal_var=False)
    low, high = welch.confidence_interval(confidence_level=0.9)
    assert found.difference == pytest.approx(yt.mean() - yc.mean(), rel=1e-12)
    assert (found.ci_low, found.ci_high) == (
        pytest.approx(low, rel=1e-9),
        pytest.approx(high, rel=1e-9),
    )
    assert found.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    assert found.relative == pytest.approx(yt.mean() / yc.mean() - 1, rel=1e-12)


def test_cuped_by_hand_with_theta_pooled_over_both_arms() -> None:
    yc, yt, xc, xt = arms(3, n=200)
    x, y = np.concatenate([xc, xt]), np.concatenate([yc, yt])
    theta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
    adjust = lambda ys, xs: ys - theta * (xs - x.mean())  # noqa: E731
    welch = scipy.stats.ttest_ind(adjust(yt, xt), adjust(yc, xc), equal_var=False)
    found = effect(aggregates_of(yc, xc), aggregates_of(yt, xt), "revenue", covariate="x")
    low, high = welch.confidence_interval()
    assert (found.ci_low, found.ci_high) == (
        pytest.approx(low, rel=1e-9),
        pytest.approx(high, rel=1e-9),
    )


def test_money_is_the_difference_times_the_treated_members_less_the_cost() -> None:
    yc, yt, _, _ = arms(5)
    per_member = effect(aggregates_of(yc), aggregates_of(yt), "margin")
    margin = incremental(per_member, 1000)
    net = net_of(margin, 500.0)
    roi = roi_of(net, 500.0)
    assert margin.low == pytest.approx(per_member.ci_low * 1000)
    assert (net.value, net.high) == (
        pytest.approx(margin.value - 500),
        pytest.approx(margin.high - 500),
    )
    assert roi.low == pytest.approx((margin.low - 500) / 500)
    assert roi_of(net, 0.0).value is None  # no cost, no return on it


def test_a_difference_needs_two_members_in_each_arm() -> None:
    with pytest.raises(InvalidInput, match="the control arm has 1 members"):
        effect(aggregates_of(np.array([1.0])), aggregates_of(np.array([1.0, 2.0])), "revenue")


def test_the_sample_ratio_check_flags_a_skewed_split() -> None:
    # 1,000 members, 10 % configured: 140 in control is chi2 = 40^2/100 + 40^2/900 = 17.78,
    # p = erfc(sqrt(chi2 / 2)) for one degree of freedom
    skewed = sample_ratio(140, 860, 0.1)
    assert skewed.chi_square == pytest.approx(16 + 1600 / 900)
    assert skewed.p_value == pytest.approx(math.erfc(math.sqrt(skewed.chi_square / 2)))
    assert skewed.mismatch
    fine = sample_ratio(105, 895, 0.1)  # chi2 = 25/100 + 25/900 = 0.278, p = 0.60
    assert fine.p_value == pytest.approx(math.erfc(math.sqrt((0.25 + 25 / 900) / 2)))
    assert not fine.mismatch


def test_the_power_calculator_against_the_textbook_formula() -> None:
    # alpha 0.05 two-sided, power 0.8: z = 1.959964 + 0.841621 = 2.801585, z^2 = 7.848879.
    # Equal split, sigma = 1, a 10 % uplift on a mean of 1 (d = 0.1):
    # N = 7.848879 * (2 + 2) / 0.01 = 3139.55 -> 3140 members, 1,570 per arm (Lehr's
    # 16 / d^2 = 1,600 per arm rounds z^2 up to 8)
    assert members_needed(1.0, 1.0, 0.1, control_share=0.5) == 3140
    # a 10 % holdout: 1/0.1 + 1/0.9 = 11.111; N = 7.848879 * 11.111 / 0.01 = 8720.98
    assert members_needed(1.0, 1.0, 0.1, control_share=0.1) == 8721
    # spend of mean 40 and standard deviation 60, a 5 % uplift (2.00), equal split:
    # N = 7.848879 * 3600 * 4 / 4 = 28,255.97
    assert members_needed(40.0, 3600.0, 0.05) == 28256


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"relative_uplift": 0}, "uplift"),
        ({"alpha": 1.5}, "alpha"),
        ({"control_share": 1}, "share"),
    ],
)
def test_the_power_calculator_refuses_bad_parameters(kw: dict[str, float], message: str) -> None:
    given = {"relative_uplift": 0.1, **kw}
    with pytest.raises(InvalidInput, match=message):
        members_needed(1.0, 1.0, **given)  # type: ignore[arg-type]
