"""The statistics of an experiment: the difference between two arms with its interval,
reduced in variance with the pre-period (CUPED), the money it makes, the sample-ratio
check and the power calculator. Pure functions of per-arm aggregates (count, means,
variances, covariance), so they do not grow with members and are tested without a store;
analytics/experiments.py computes the aggregates in the store's engine.

- **Difference**: Welch's t-test (unequal variances; Welch 1947): the difference of the
  arms' means, its standard error sqrt(s_t²/n_t + s_c²/n_c), Welch–Satterthwaite degrees
  of freedom; computed by `tea-tasting` (`Mean`, `equal_var=False`, `use_t=True`) and
  checked against scipy.stats.ttest_ind(equal_var=False) in the tests.
- **CUPED** (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity of online
  controlled experiments by utilizing pre-experiment data", WSDM): each member's outcome
  Y is replaced by Y − θ(X − mean X), X the same outcome in the pre-period and
  θ = cov(X, Y) / var(X) on both arms pooled. X does not depend on the arm, so the
  difference keeps its expectation, and its variance shrinks by the factor 1 − ρ².
- **Relative uplift**: treatment mean / control mean − 1, its interval from the log of
  the ratio by the delta method (tea-tasting's `rel_effect_size_ci`).
- **Money**: incremental = difference per member × treated members; net = incremental
  margin − cost; ROI = net / cost. The cost is taken as known (it is what was spent, not
  an estimate), so each is a linear function of the difference and its interval is the
  difference's interval mapped through it: the delta method, exact for a linear function.
- **Sample ratio**: Pearson's chi-square of the arms' sizes against the configured
  share (1 degree of freedom); p < 0.001 says the split is broken, and no figure of the
  report should be trusted until the cause is found (Fabijan et al. 2019, "Diagnosing
  sample ratio mismatch in online controlled experiments", KDD).
- **Power**: members needed, normal approximation, for a two-sided test at `alpha` with
  power 1 − β to detect a relative uplift r on a mean μ with per-member variance σ², with a
  share s in control: N = (z_{1−α/2} + z_{1−β})² σ² (1/s + 1/(1−s)) / (r μ)².
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.stats
import tea_tasting as tt
from tea_tasting.aggr import Aggregates

from patron.domain.errors import InvalidInput

SRM_ALPHA = 0.001  # below it, the split is called broken


@dataclass(frozen=True)
class Effect:
    """The difference between the arms' means of one outcome, per member."""

    metric: str
    cuped: bool
    control: float
    treatment: float
    difference: float
    ci_low: float
    ci_high: float
    relative: float | None
    relative_low: float | None
    relative_high: float | None
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Money:
    """A sum of money with its interval (in the program's currency)."""

    value: float | None
    low: float | None
    high: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SampleRatio:
    control: int
    treatment: int
    expected_control_share: float
    chi_square: float
    p_value: float
    mismatch: bool  # p below SRM_ALPHA

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def aggregates_of(y: np.ndarray, x: np.ndarray | None = None) -> Aggregates:
    """The aggregates of one arm from its members' outcomes `y` (and pre-period `x`)."""
    columns = {"y": np.asarray(y, dtype=float)}
    if x is not None:
        columns["x"] = np.asarray(x, dtype=float)
    n = len(columns["y"])
    means = {k: float(v.mean()) if n else math.nan for k, v in columns.items()}
    variances = {k: float(v.var(ddof=1)) if n > 1 else math.nan for k, v in columns.items()}
    cov = {}
    if x is not None and n > 1:
        cov[("x", "y")] = float(np.cov(columns["x"], columns["y"], ddof=1)[0, 1])
    return Aggregates(count_=n, mean_=means, var_=variances, cov_=cov)


def effect(
    control: Aggregates,
    treatment: Aggregates,
    metric: str,
    *,
    value: str = "y",
    covariate: str | None = None,
    confidence: float = 0.95,
) -> Effect:
    """Welch's difference of `value` between the arms (treatment − control), CUPED-adjusted
    with `covariate` when one is named."""
    for arm, found in (("control", control), ("treatment", treatment)):
        if (found.count_ or 0) < 2:
            raise InvalidInput(
                f"{metric}: the {arm} arm has {found.count_ or 0} members; a difference"
                " needs at least 2 in each arm"
            )
    mean = tt.Mean(
        value,
        covariate=covariate,
        alternative="two-sided",
        confidence_level=confidence,
        equal_var=False,
        use_t=True,
    )
    with np.errstate(all="ignore"):  # arms without variance: NaN, said as null, not warned
        found = mean.analyze_aggregates(control, treatment)
    relative_known = found.control != 0 and math.isfinite(found.rel_effect_size_ci_lower)
    return Effect(
        metric=metric,
        cuped=covariate is not None,
        control=float(found.control),
        treatment=float(found.treatment),
        difference=float(found.effect_size),
        ci_low=float(found.effect_size_ci_lower),
        ci_high=float(found.effect_size_ci_upper),
        relative=float(found.rel_effect_size) if found.control != 0 else None,
        relative_low=float(found.rel_effect_size_ci_lower) if relative_known else None,
        relative_high=float(found.rel_effect_size_ci_upper) if relative_known else None,
        p_value=float(found.pvalue),
    )


def mean_interval(
    arm: Aggregates, value: str, confidence: float = 0.95
) -> tuple[float | None, float | None]:
    """The interval of one arm's mean of `value`: mean ± t_{n−1} s / sqrt(n)."""
    n = int(arm.count_ or 0)
    if n < 2:
        return None, None
    mean, variance = float(arm.mean_[value]), float(arm.var_[value])
    half = float(scipy.stats.t.ppf((1 + confidence) / 2, n - 1)) * math.sqrt(variance / n)
    return mean - half, mean + half


def incremental(per_member: Effect | None, treated: int) -> Money:
    """Difference per member × treated members, with its interval."""
    if per_member is None:
        return Money(None, None, None)
    return Money(
        per_member.difference * treated, per_member.ci_low * treated, per_member.ci_high * treated
    )


def net_of(margin: Money, cost: float) -> Money:
    """Incremental margin less the program's cost (taken as known)."""
    if margin.value is None or margin.low is None or margin.high is None:
        return Money(None, None, None)
    return Money(margin.value - cost, margin.low - cost, margin.high - cost)


def roi_of(net: Money, cost: float) -> Money:
    """Net incremental margin per unit of cost; none without a cost."""
    if cost <= 0 or net.value is None or net.low is None or net.high is None:
        return Money(None, None, None)
    return Money(net.value / cost, net.low / cost, net.high / cost)


def sample_ratio(control: int, treatment: int, control_share: float) -> SampleRatio:
    """Pearson's chi-square of the arms' sizes against the configured share."""
    total = control + treatment
    if total == 0:
        return SampleRatio(0, 0, control_share, 0.0, 1.0, False)
    expected = [total * control_share, total * (1 - control_share)]
    found = scipy.stats.chisquare([control, treatment], expected)
    p_value = float(found.pvalue)
    return SampleRatio(
        control, treatment, control_share, float(found.statistic), p_value, p_value < SRM_ALPHA
    )


def members_needed(
    mean: float,
    variance: float,
    relative_uplift: float,
    *,
    control_share: float = 0.5,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int | None:
    """Members (both arms) to detect `relative_uplift` on `mean` (normal approximation);
    None when the mean is 0 (no relative uplift of nothing can be detected)."""
    if not 0.0001 <= relative_uplift <= 10:
        raise InvalidInput(f"uplift: {relative_uplift} must be from 0.0001 to 10 (0.05 is 5 %)")
    if not 1e-6 <= alpha <= 0.5 or not 0.5 <= power <= 0.9999:
        raise InvalidInput("alpha: from 0.000001 to 0.5 (0.05); power: from 0.5 to 0.9999 (0.8)")
    if not 0 < control_share < 1:
        raise InvalidInput(f"control share: {control_share} must be strictly between 0 and 1")
    delta = relative_uplift * mean
    if delta * delta == 0:  # no mean, or one too small to square
        return None
    z = float(scipy.stats.norm.ppf(1 - alpha / 2) + scipy.stats.norm.ppf(power))
    split = 1 / control_share + 1 / (1 - control_share)
    needed = z * z * variance * split / (delta * delta)
    return math.ceil(needed) if math.isfinite(needed) else None  # None: beyond any count
