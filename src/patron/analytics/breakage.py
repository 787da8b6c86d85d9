"""Breakage: the share of points that will never be redeemed, estimated from the lots.

Design overview. A point leaves its lot at some age by one of competing causes:
redeemed, expired, or taken out otherwise (a refund, a negative adjustment, a debt
settled); a point still in its lot is censored at its current age. Ages are whole days
since the lot was earned. On that daily grid the Aalen–Johansen estimator (Aalen &
Johansen 1978; the cumulative incidence functions of Kalbfleisch & Prentice 2002, §8.2)
gives, with n(t) the points still in lots at age t and d_r(t), d_e(t) those redeemed and
expired at t:

    h_r(t) = d_r(t) / n(t),   h_e(t) = d_e(t) / n(t)
    S(t)   = Π_{s ≤ t} (1 − h_r(s) − h_e(s))            (still in a lot after age t)
    F_r(t) = Σ_{s ≤ t} S(s − 1) h_r(s),   F_e likewise    (redeemed, expired by age t)

Points taken out otherwise are censored where they leave (a refund undoes the issue; it
is neither a redemption nor a lapse). Beyond the oldest age observed the redemption
hazard is held at its mean over the last `tail_days` observed (the exposure-weighted
rate Σ d_r / Σ n), and no point expires before its lot's life ends. A point in a lot of
age a and life L (the program's expiry; a never-expiring lot is given the cap `cap_days`)
is redeemed with probability (F_r(L − 1) − F_r(a)) / S(a); the rest is breakage.

Uncertainty: the points of one member are not independent (a member redeems several
lots at once, or none), so a variance that counts points as trials (Greenwood's) would
be far too narrow. The interval is a percentile bootstrap over members (Efron &
Tibshirani 1993, ch. 6 and 13): members are drawn with replacement, the whole estimate,
tail included, is computed again, and the 2.5th and 97.5th percentiles of the replicates
bound it. docs/analytics.md, "Points liability and breakage", states the assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

REDEEM, EXPIRE, OTHER = 0, 1, 2  # the causes; any other code is a point still open
CAUSES = {"redeem": REDEEM, "expire": EXPIRE, "other": OTHER, "open": 3}
DAYS_PER_MONTH = 365.25 / 12
Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


MIN_REDEEMERS = 30  # members who redeemed, before breakage is applied to the liability


@dataclass(frozen=True)
class Fates:
    """Points by member, age (whole days) and cause: what left the lots, and what is still
    in them (cause 3, censored at its age)."""

    member: Ints
    age: Ints
    cause: Ints
    points: Floats

    def __post_init__(self) -> None:
        sizes = {len(self.member), len(self.age), len(self.cause), len(self.points)}
        if len(sizes) != 1:
            raise ValueError("member, age, cause and points must have the same length")
        if len(self.age) and (self.age.min() < 0 or self.points.min() < 0):
            raise ValueError("ages and points must not be negative")


@dataclass(frozen=True)
class Outstanding:
    """The points still in lots, by age and life in days (life −1: the lot never expires)."""

    age: Ints
    life: Ints
    points: Floats


@dataclass(frozen=True)
class Curves:
    """On the daily grid 0..len−1: S, F_r and F_e, and the last age observed."""

    survival: Floats
    redeemed: Floats
    expired: Floats
    observed_to: int


@dataclass(frozen=True)
class Breakage:
    """The estimate and its interval. `expected` is the share of the outstanding points
    expected never to be redeemed; `on_issue` that of a point issued today."""

    expected: float
    low: float
    high: float
    on_issue: float
    on_issue_low: float
    on_issue_high: float
    curves: Curves
    band_low: Floats  # F_r, pointwise 2.5th percentile of the replicates
    band_high: Floats
    life_days: int
    cap_days: int
    replicates: int
    members: int
    extrapolated_from: int  # ages past this day use the tail hazard
    level: float = 0.95
    notes: tuple[str, ...] = field(default_factory=tuple)
    redeemed_points: float = 0.0
    redeemers: int = 0  # members with a redemption in the history

    @property
    def applicable(self) -> bool:
        """Whether the estimate rests on enough redemptions to be applied: at least
        MIN_REDEEMERS members who redeemed. Without them there is no basis to expect
        breakage (IFRS 15 §B46 and the constraint of §56: recognise it only where a
        significant reversal is highly unlikely), the bootstrap over members has too few
        to resample (one redeemer gives an interval of zero width), and the liability
        applies none: a review saw one member's redemption of young points take the
        liability of 1.2 million old points to 0."""
        return self.redeemers >= MIN_REDEEMERS

    def by_month(self) -> list[dict[str, float | int | str]]:
        """The curves at whole months of age, 0 to the life: the chart's and table's rows."""
        rows: list[dict[str, float | int | str]] = []
        last = len(self.curves.redeemed) - 1
        for month in range(round(self.life_days / DAYS_PER_MONTH) + 1):
            day = min(round(month * DAYS_PER_MONTH), last)
            rows.append(
                {
                    "age_months": month,
                    "redeemed": float(self.curves.redeemed[day]),
                    "redeemed_low": float(self.band_low[day]),
                    "redeemed_high": float(self.band_high[day]),
                    "expired": float(self.curves.expired[day]),
                    "open": float(self.curves.survival[day]),
                    "projected": "yes" if day > self.extrapolated_from else "no",
                }
            )
        return rows


def incidence(fates: Fates, weights: Floats | None = None, *, horizon: int) -> Curves:
    """Aalen–Johansen S, F_r, F_e on days 0..horizon−1 (weights: per member, bootstrap)."""
    w = fates.points if weights is None else fates.points * weights[fates.member]
    size = max(horizon, int(fates.age.max()) + 1 if len(fates.age) else 1)
    exits = np.bincount(fates.age, weights=w, minlength=size)
    redeemed = np.bincount(fates.age[fates.cause == REDEEM], w[fates.cause == REDEEM], size)
    expired = np.bincount(fates.age[fates.cause == EXPIRE], w[fates.cause == EXPIRE], size)
    at_risk = np.cumsum(exits[::-1])[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        h_r = np.where(at_risk > 0, redeemed / at_risk, 0.0)
        h_e = np.where(at_risk > 0, expired / at_risk, 0.0)
    observed = np.flatnonzero(at_risk > 0)
    observed_to = int(observed[-1]) if len(observed) else -1
    return _accumulate(h_r[:size], h_e[:size], observed_to)


def _accumulate(h_r: Floats, h_e: Floats, observed_to: int) -> Curves:
    survival = np.cumprod(1.0 - h_r - h_e, dtype=np.float64)
    before = np.concatenate(([1.0], survival[:-1]))
    return Curves(
        survival,
        np.cumsum(before * h_r, dtype=np.float64),
        np.cumsum(before * h_e, dtype=np.float64),
        observed_to,
    )


def extend(curves: Curves, tail_rate: float, horizon: int) -> Curves:
    """The curves continued past the last observed age to `horizon` days with a constant
    daily redemption hazard and no expiry."""
    last = curves.observed_to
    if last < 0:
        return Curves(np.ones(horizon), np.zeros(horizon), np.zeros(horizon), -1)
    keep = min(last + 1, len(curves.survival))
    s = curves.survival[:keep]
    r = curves.redeemed[:keep]
    e = curves.expired[:keep]
    if keep >= horizon:
        return Curves(s, r, e, last)
    steps = np.arange(1, horizon - keep + 1, dtype=np.float64)
    s_tail = s[-1] * (1.0 - tail_rate) ** steps
    r_tail = r[-1] + s[-1] - s_tail
    return Curves(
        np.concatenate((s, s_tail)),
        np.concatenate((r, r_tail)),
        np.concatenate((e, np.full(len(steps), e[-1]))),
        last,
    )


def tail_rate(fates: Fates, weights: Floats | None, observed_to: int, tail_days: int) -> float:
    """Σ redeemed / Σ points at risk (point-days) over the last `tail_days` ages observed."""
    if observed_to < 0:
        return 0.0
    w = fates.points if weights is None else fates.points * weights[fates.member]
    size = observed_to + 1
    exits = np.bincount(np.minimum(fates.age, observed_to), weights=w, minlength=size)
    at_risk = np.cumsum(exits[::-1])[::-1]
    mask = fates.cause == REDEEM
    redeemed = np.bincount(fates.age[mask], w[mask], size)
    start = max(0, size - tail_days)
    exposure = float(at_risk[start:].sum())
    return float(redeemed[start:].sum()) / exposure if exposure > 0 else 0.0


def redeemed_share(curves: Curves, outstanding: Outstanding, cap_days: int) -> float:
    """Of the outstanding points, the share expected to be redeemed before their lot ends."""
    total = float(outstanding.points.sum())
    if total <= 0:
        return 0.0
    life = np.where(outstanding.life < 0, cap_days, outstanding.life)
    last = len(curves.redeemed) - 1
    age = np.minimum(outstanding.age, last)
    end = np.clip(life - 1, 0, last)
    alive = curves.survival[age]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(
            (alive > 0) & (end > age),
            (curves.redeemed[end] - curves.redeemed[age]) / alive,
            0.0,
        )
    return float(np.clip(share, 0.0, 1.0) @ outstanding.points) / total


def _point(
    fates: Fates,
    outstanding: Outstanding,
    weights: Floats | None,
    *,
    horizon: int,
    life_days: int,
    cap_days: int,
    tail_days: int,
) -> tuple[Curves, float, float]:
    curves = incidence(fates, weights, horizon=horizon)
    rate = tail_rate(fates, weights, curves.observed_to, tail_days)
    full = extend(curves, rate, horizon)
    breakage = 1.0 - redeemed_share(full, outstanding, cap_days)
    on_issue = 1.0 - float(full.redeemed[min(life_days - 1, len(full.redeemed) - 1)])
    return full, breakage, on_issue


def estimate(
    fates: Fates,
    outstanding: Outstanding,
    *,
    life_days: int | None,
    cap_days: int = round(36 * DAYS_PER_MONTH),
    tail_days: int = 90,
    replicates: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> Breakage:
    """Breakage of the outstanding points and of a point issued now, with a bootstrap
    interval over members. `life_days`: the program's expiry in days (None: never, then
    `cap_days` bounds every projection)."""
    if not len(fates.points) or fates.points.sum() <= 0:
        raise ValueError("no points were ever issued: there is no history to estimate from")
    life = life_days if life_days is not None else cap_days
    lives = outstanding.life[outstanding.life >= 0]
    horizon = max(
        life, cap_days if life_days is None else life, int(lives.max()) if len(lives) else 0
    )
    horizon = max(horizon, int(fates.age.max()) + 1) + 1
    options = {"horizon": horizon, "life_days": life, "cap_days": cap_days, "tail_days": tail_days}
    curves, expected, on_issue = _point(fates, outstanding, None, **options)
    members = int(fates.member.max()) + 1
    rng = np.random.default_rng(seed)
    draws, issues, bands = [], [], []
    for _ in range(replicates):
        weights = np.bincount(rng.integers(0, members, members), minlength=members).astype(float)
        c, b, i = _point(fates, outstanding, weights, **options)
        draws.append(b)
        issues.append(i)
        bands.append(c.redeemed[: len(curves.redeemed)])
    alpha = (1 - level) / 2
    qs = (alpha, 1 - alpha)
    low, high = np.quantile(draws, qs) if replicates else (expected, expected)
    i_low, i_high = np.quantile(issues, qs) if replicates else (on_issue, on_issue)
    band = np.quantile(np.vstack(bands), qs, axis=0) if replicates else (curves.redeemed,) * 2
    notes = []
    redeemers = len(np.unique(fates.member[fates.cause == REDEEM]))
    if redeemers == 0:
        notes.append(
            "no point has been redeemed yet: there is no basis to expect breakage, so the"
            " liability applies none (the points at their full value)"
        )
    elif redeemers < MIN_REDEEMERS:
        notes.append(
            f"only {redeemers} members have redeemed points (at least {MIN_REDEEMERS} are"
            " needed): too little history to rely on, so the liability applies no breakage"
            " (the points at their full value)"
        )
    if curves.observed_to + 1 < life:
        notes.append(
            f"the history reaches an age of {curves.observed_to} days of the {life} a lot"
            f" lives: later ages use the redemption rate of the last {tail_days} days observed"
        )
    if life_days is None:
        notes.append(f"points never expire: the projection stops at {cap_days} days (the cap)")
    return Breakage(
        expected=expected,
        low=float(low),
        high=float(high),
        on_issue=on_issue,
        on_issue_low=float(i_low),
        on_issue_high=float(i_high),
        curves=curves,
        band_low=np.asarray(band[0]),
        band_high=np.asarray(band[1]),
        life_days=life,
        cap_days=cap_days,
        replicates=replicates,
        members=members,
        extrapolated_from=curves.observed_to,
        level=level,
        notes=tuple(notes),
        redeemed_points=float(fates.points[fates.cause == REDEEM].sum()),
        redeemers=redeemers,
    )


def cohort_shares(
    cohorts: NDArray[np.str_], fates: Fates, months: int
) -> list[dict[str, float | int | str]]:
    """For the points issued in each month: the share redeemed and expired by each whole
    month of age observed (Aalen–Johansen on that cohort alone; no projection)."""
    rows: list[dict[str, float | int | str]] = []
    for cohort in sorted(set(cohorts.tolist())):
        mask = cohorts == cohort
        part = Fates(fates.member[mask], fates.age[mask], fates.cause[mask], fates.points[mask])
        curves = incidence(part, horizon=1)
        last = curves.observed_to
        for month in range(months + 1):
            day = round(month * DAYS_PER_MONTH)
            if day > last:
                break
            rows.append(
                {
                    "cohort": cohort,
                    "age_months": month,
                    "issued": float(part.points.sum()),
                    "redeemed": float(curves.redeemed[day]),
                    "expired": float(curves.expired[day]),
                }
            )
    return rows
