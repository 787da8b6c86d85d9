"""Breakage on synthetic lot histories whose redemption behaviour is known.

Each lot is redeemed whole at an exponential time of known monthly hazard h, or expires
at its life L (730 days) if not redeemed by then; lots still open at the as-of day are
censored. For a lot open at age a the truth is P(never redeemed) = exp(−λ (L − a)) with
λ = −ln(1 − h) / 30.4375 per day, and for a new lot exp(−λ L): computed here by hand, not
by the estimator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from patron.analytics.breakage import (
    EXPIRE,
    OTHER,
    REDEEM,
    Fates,
    Outstanding,
    estimate,
    incidence,
)

LIFE = 730
OPEN = 3


def synthetic(seed: int, *, hazard: float = 0.06, members: int = 400, history: int = 1100):
    """Fates and outstanding points of `members` members with 1 to 4 lots each, earned
    uniformly over the last `history` days; and the true breakage of the outstanding."""
    rng = np.random.default_rng(seed)
    rate = -math.log(1 - hazard) / 30.4375
    lots = rng.integers(1, 5, members)
    member = np.repeat(np.arange(members), lots)
    n = len(member)
    age_now = rng.integers(0, history, n)
    points = rng.integers(50, 500, n).astype(float)
    redeemed_at = np.floor(rng.exponential(1 / rate, n)).astype(np.int64)
    redeemed = (redeemed_at < LIFE) & (redeemed_at <= age_now)
    expired = ~redeemed & (age_now >= LIFE)
    still = ~redeemed & ~expired
    age = np.where(redeemed, redeemed_at, np.where(expired, LIFE, age_now))
    cause = np.where(redeemed, REDEEM, np.where(expired, EXPIRE, OPEN))
    fates = Fates(member.astype(np.int64), age.astype(np.int64), cause.astype(np.int64), points)
    out = Outstanding(age_now[still].astype(np.int64), np.full(still.sum(), LIFE, np.int64),
                      points[still])  # fmt: skip
    truth = float(
        (np.exp(-rate * (LIFE - age_now[still] - 1)) * points[still]).sum() / points[still].sum()
    )
    return fates, out, truth, math.exp(-rate * LIFE)


def test_a_point_estimate_recovers_the_known_breakage_within_its_interval():
    # given a history whose monthly redemption hazard is 6 %
    fates, out, truth, on_issue = synthetic(1)
    # when
    found = estimate(fates, out, life_days=LIFE, replicates=200, seed=7)
    # then the truth lies in the interval, and the interval is not the whole line
    assert found.low <= truth <= found.high
    assert found.on_issue_low <= on_issue <= found.on_issue_high
    assert found.high - found.low < 0.15
    assert abs(found.on_issue - on_issue) < 0.03


def test_the_interval_covers_the_truth_in_most_of_twenty_histories():
    # 20 histories, 95 % intervals: P(fewer than 15 cover | coverage 0.95) < 0.3 %
    covered = 0
    for seed in range(20):
        fates, out, truth, _ = synthetic(100 + seed, members=250)
        found = estimate(fates, out, life_days=LIFE, replicates=100, seed=seed)
        covered += found.low <= truth <= found.high
    assert covered >= 15


def test_a_history_shorter_than_the_life_is_projected_with_the_tail_hazard():
    # given 8 months of history of lots that live 24 months: the constant hazard holds
    fates, out, truth, on_issue = synthetic(3, history=240, members=600)
    found = estimate(fates, out, life_days=LIFE, replicates=100, seed=1)
    assert found.extrapolated_from < LIFE
    assert found.low <= truth <= found.high
    assert found.on_issue_low <= on_issue <= found.on_issue_high
    assert found.notes  # says that it projected


def test_incidence_on_a_hand_computed_history():
    # given 100 points: 30 redeemed at day 1, 20 censored at day 1, 10 expired at day 2,
    # 40 redeemed at day 3
    fates = Fates(
        np.array([0, 1, 2, 3]), np.array([1, 1, 2, 3]), np.array([REDEEM, OTHER, EXPIRE, REDEEM]),
        np.array([30.0, 20.0, 10.0, 40.0]),
    )  # fmt: skip
    curves = incidence(fates, horizon=4)
    # then: day 1: h_r = 30/100, S = 0.7; day 2: h_e = 10/50, S = 0.56; day 3: h_r = 40/40
    assert curves.redeemed[1] == pytest.approx(0.3)
    assert curves.survival[1] == pytest.approx(0.7)
    assert curves.expired[2] == pytest.approx(0.7 * 0.2)
    assert curves.redeemed[3] == pytest.approx(0.3 + 0.56)
    assert curves.survival[3] == pytest.approx(0.0)


def test_an_empty_history_is_refused():
    empty = Fates(np.array([], np.int64), np.array([], np.int64), np.array([], np.int64),
                  np.array([], float))  # fmt: skip
    none = Outstanding(np.array([], np.int64), np.array([], np.int64), np.array([], float))
    with pytest.raises(ValueError, match="no points"):
        estimate(empty, none, life_days=LIFE)


def test_without_any_redemption_the_estimate_is_not_applied():
    # given points that were only ever left open or expired
    fates = Fates(np.array([0, 1]), np.array([730, 100]), np.array([EXPIRE, OPEN]),
                  np.array([100.0, 50.0]))  # fmt: skip
    out = Outstanding(np.array([100]), np.array([730]), np.array([50.0]))
    found = estimate(fates, out, life_days=LIFE, replicates=10)
    assert found.expected == 1.0 and not found.applicable
    assert "no point has been redeemed" in found.notes[0]


@pytest.mark.parametrize(("redeemers", "applied"), [(1, False), (29, False), (30, True)])
def test_breakage_is_applied_only_once_thirty_members_have_redeemed(
    redeemers: int, applied: bool
) -> None:
    # given 100 members' lots of 100 points, the first `redeemers` each redeemed theirs at
    # day 10, the others still open at day 400 (a review saw one member's redemption of
    # young points make every older point "never redeemed" and the liability 0)
    n = 100
    member = np.arange(n)
    cause = np.where(member < redeemers, REDEEM, OPEN)
    age = np.where(member < redeemers, 10, 400)
    fates = Fates(member, age, cause, np.full(n, 100.0))
    out = Outstanding(member[redeemers:], age[redeemers:], np.full(n - redeemers, 100.0))
    found = estimate(fates, out, life_days=LIFE, replicates=0)
    assert found.redeemers == redeemers
    assert found.applicable is applied
    assert any("at least 30 are needed" in note for note in found.notes) is not applied
