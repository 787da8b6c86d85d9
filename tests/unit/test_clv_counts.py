"""Fits on counts: a row with weight k stands for k customers with its values.

The engine hands the models distinct rows with the number of customers of each
(analytics/lifetime.py); these tests pin that such a fit is the fit on one row per
customer, to the last bit of the log-likelihood, and that the rows' order does not matter.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from patron.analytics.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from patron.analytics.clv.base import FittedModel, PurchaseModel
from patron.analytics.clv.data import RFT, factorize
from patron.analytics.clv.registry import MODELS, model_named, purchase_model_named
from patron.analytics.clv.validation import holdout_report
from patron.domain.errors import InvalidInput

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))
    return {k: np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T", "zbar")}


def counted(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of `columns` (by hand: a dict) with their counts, shuffled."""
    tally: dict[tuple[float, ...], int] = {}
    for row in zip(*columns, strict=True):
        tally[row] = tally.get(row, 0) + 1
    order = np.random.default_rng(7).permutation(len(tally))
    rows = np.array(list(tally), dtype=float)[order]
    return [rows[:, i] for i in range(rows.shape[1])], np.array(list(tally.values()))[order]


def same_fit(on_counts: FittedModel, on_rows: FittedModel) -> None:
    assert on_counts.log_likelihood_ == on_rows.log_likelihood_  # exactly, not approx
    assert on_counts.params_ == on_rows.params_
    assert on_counts.standard_errors_ == on_rows.standard_errors_
    assert on_counts.n_customers_ == on_rows.n_customers_


@pytest.mark.parametrize("model", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_a_purchase_model_fitted_on_counts_is_the_fit_on_one_row_per_customer(
    model: type[PurchaseModel], cdnow: dict[str, np.ndarray]
) -> None:
    # given CDNOW's 2,357 customers, and the same as distinct rows with counts
    (x, t, T), n = counted(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert len(x) < 2357 and int(n.sum()) == 2357
    # when each is fitted
    on_rows = model().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    on_counts = model().fit(x, t, T, n)
    # then the fits are one and the same
    same_fit(on_counts, on_rows)
    assert on_counts.n_customers_ == 2357


def test_gamma_gamma_fitted_on_counts_is_the_fit_on_one_row_per_customer(
    cdnow: dict[str, np.ndarray],
) -> None:
    buyers = cdnow["x"] > 0
    (x, m), n = counted(cdnow["x"][buyers], cdnow["zbar"][buyers])
    on_rows = GammaGammaModel().fit(cdnow["x"][buyers], cdnow["zbar"][buyers])
    same_fit(GammaGammaModel().fit(x, m, n), on_rows)
    assert on_rows.n_customers_ == 946  # the repeat buyers of the published fit


def test_the_order_of_the_rows_does_not_change_the_fit(cdnow: dict[str, np.ndarray]) -> None:
    reverse = slice(None, None, -1)
    forward = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    backward = BetaGeoModel().fit(cdnow["x"][reverse], cdnow["t_x"][reverse], cdnow["T"][reverse])
    same_fit(backward, forward)


def test_a_row_counted_twice_weighs_as_two_customers() -> None:
    # three customers by hand: (x, t_x, T) = (1, 2, 5), (1, 2, 5), (0, 0, 5)
    data = RFT.of([1, 0], [2, 0], [5, 5], [2, 1])
    params = np.array([0.5, 3.0, 0.8, 2.0])
    twice, _ = BetaGeoModel().loglik(params, RFT.of([1], [2], [5]))
    once_none, _ = BetaGeoModel().loglik(params, RFT.of([0], [0], [5]))
    total = BetaGeoModel()._objective(data)(params).value
    assert total == pytest.approx(2 * twice[0] + once_none[0], rel=1e-12)


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1, -1], "weights must not be negative"), ([0, 0], "add up to no customer")],
)
def test_weights_that_count_no_customers_are_refused(weights: list[int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        BetaGeoModel().fit([1, 0], [2, 0], [5, 5], weights)


def test_factorize_gives_sorted_distinct_values_and_every_rows_code() -> None:
    codes, values = factorize(np.array([3.5, 1.0, 3.5, 2.0, 1.0]))
    assert values.tolist() == [1.0, 2.0, 3.5]
    assert codes.tolist() == [2, 0, 2, 1, 0]


def test_a_weighted_holdout_report_is_the_report_of_the_customers_it_counts(
    cdnow: dict[str, np.ndarray],
) -> None:
    model = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # four customers (x, t_x, T, holdout purchases): two alike (1, 5, 39, 0), then
    # (1, 10, 39, 2) and (8, 30, 39, 3); listed one per customer, or counted
    rows = ([1.0, 1.0, 1.0, 8.0], [5.0, 5.0, 10.0, 30.0], [39.0] * 4, [0.0, 0.0, 2.0, 3.0])
    one_per_customer = holdout_report(model, *rows, 39.0)
    weighted = holdout_report(model, *(c[1:] for c in rows), 39.0, weights=[2, 1, 1])
    # x = 1: three customers who made 0, 0 and 2 purchases in the holdout; 7+: one, 3
    assert [(b.frequency, b.customers) for b in weighted.buckets] == [("1", 3), ("7+", 1)]
    assert [b.actual for b in weighted.buckets] == pytest.approx([2 / 3, 3.0])
    assert weighted.actual_total == 5.0
    for w, o in zip(weighted.buckets, one_per_customer.buckets, strict=True):
        assert (w.frequency, w.customers) == (o.frequency, o.customers)
        assert (w.actual, w.predicted) == pytest.approx((o.actual, o.predicted), rel=1e-12)
    assert weighted.predicted_total == pytest.approx(one_per_customer.predicted_total, rel=1e-12)


def test_models_are_found_by_their_names_in_one_registry() -> None:
    assert sorted(MODELS) == ["bgnbd", "gamma-gamma", "mbgnbd", "pareto-nbd"]
    assert isinstance(model_named("pareto-nbd"), ParetoNBDModel)
    with pytest.raises(InvalidInput, match="bgnbd, mbgnbd, pareto-nbd, gamma-gamma, not 'nope'"):
        model_named("nope")
    with pytest.raises(InvalidInput, match="must be a purchase model"):
        purchase_model_named("gamma-gamma")
