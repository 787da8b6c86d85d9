"""The purchase model `clv predict` and the member insights use: the one the holdout
validation ranks best among BG/NBD, MBG/NBD and Pareto/NBD (analytics/lifetime.py,
`choose_for`; clv/validation.py, `rank_on_holdout`).

The ranking is checked against a computation that shares nothing with the pipeline but
the models themselves: the per-customer summary (one row per customer, pandas), each
model fitted on it, and the root mean squared error of each customer's predicted
against actual holdout purchases, in NumPy.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from patron.analytics import lifetime
from patron.analytics.clv.registry import purchase_model_named
from patron.analytics.clv.validation import rank_on_holdout
from patron.analytics.frames import open_source
from patron.analytics.summary import customer_summary
from patron.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"
CDNOW = DATA / "cdnow_sample.csv"
SUMMARY = DATA / "cdnow_summary.csv"
runner = CliRunner()


def test_the_holdout_ranks_the_models_by_each_customers_error() -> None:
    source = open_source(str(CDNOW))
    choice = lifetime.choose_for(source, date(1998, 6, 30))
    # the holdout is the last third: 1997-12-31 .. 1998-06-30, 182 days = 26 weeks
    assert (choice.basis, choice.calibration_end) == ("holdout", date(1997, 12, 30))
    frame = customer_summary(
        source, calibration_end=datetime(1997, 12, 30), observation_end=datetime(1998, 6, 30)
    ).to_pandas()
    x, t, T, actual = frame.frequency, frame.recency, frame["T"], frame.frequency_holdout
    rmse = {}
    for name in ("bgnbd", "mbgnbd", "pareto-nbd"):
        model = purchase_model_named(name).fit(x, t, T)
        predicted = model.expected_purchases(26.0, x, t, T)
        rmse[name] = float(np.sqrt(np.mean((predicted - actual) ** 2)))
    assert [s.model for s in choice.scores] == sorted(rmse, key=rmse.__getitem__)
    for score in choice.scores:
        assert score.rmse == pytest.approx(rmse[score.model], rel=1e-9)
    assert choice.name == choice.scores[0].model == "mbgnbd"
    # the chosen model is then fitted on the whole window, to 1998-06-30
    whole = customer_summary(source, observation_end=datetime(1998, 6, 30)).to_pandas()
    refit = purchase_model_named("mbgnbd").fit(whole.frequency, whole.recency, whole["T"])
    assert choice.model.params_ == pytest.approx(refit.params_, rel=1e-9)


def test_without_a_holdout_the_best_fit_wins() -> None:
    """A summary file has no dates: the models are ranked by log-likelihood (four
    parameters each). On CDNOW: BG/NBD -9582.4 and Pareto/NBD -9595.0 as published,
    MBG/NBD a little higher."""
    summary = lifetime.summary_file(str(SUMMARY))
    assert summary is not None
    choice = lifetime.choose_purchase_model(summary, None)
    assert choice.basis == "log-likelihood"
    ll = choice.log_likelihoods
    assert ll["bgnbd"] == pytest.approx(-9582.4, abs=0.05)
    assert ll["pareto-nbd"] == pytest.approx(-9595.0, abs=0.05)
    assert ll["mbgnbd"] > ll["bgnbd"] and choice.name == "mbgnbd"
    assert "the best fit (no holdout to rank on" in choice.explanation()


def test_when_the_calibration_identifies_no_model_the_best_fit_wins(tmp_path: Path) -> None:
    """Purchases spread evenly over each customer's life: no sign of drop-out, so no
    model can be fitted on that calibration (Pareto/NBD's s and beta run off along a
    ridge, the BG/NBD models' b to infinity): each is listed with its reason, in the
    order asked, and the choice falls back to the best fit on the whole window."""
    import ibis

    rng = np.random.default_rng(0)
    n = 2000
    T = rng.uniform(10, 50, n)
    x = rng.integers(0, 10, n).astype(float)
    t = np.where(x > 0, rng.uniform(0, 1, n) * T, 0)
    holdout = {
        "frequency": x,
        "recency": t,
        "T": T,
        "frequency_holdout": rng.integers(0, 3, n).astype(float),
        "duration_holdout": np.full(n, 13.0),
    }
    scores = rank_on_holdout(
        ["pareto-nbd", "bgnbd", "mbgnbd"], {**holdout, "customers": np.ones(n)}
    )
    assert [s.model for s in scores] == ["pareto-nbd", "bgnbd", "mbgnbd"]
    assert all(s.rmse is None and "identify" in (s.why_not or "") for s in scores)
    whole = lifetime.summary_file(str(SUMMARY))
    assert whole is not None
    file = tmp_path / "holdout.csv"
    np.savetxt(file, np.column_stack(list(holdout.values())), delimiter=",", comments="",
               header=",".join(holdout))  # fmt: skip
    choice = lifetime.choose_purchase_model(whole, ibis.duckdb.connect().read_csv(file))
    assert (choice.basis, choice.name) == ("log-likelihood", "mbgnbd")


def test_clv_predict_says_which_model_it_chose_and_why(tmp_path: Path) -> None:
    out = tmp_path / "clv.csv"
    result = runner.invoke(app, ["clv", "predict", str(CDNOW), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "model: mbgnbd, the best prediction of the purchases after 1997-12-30 by models"
        " fitted on those before (RMSE per customer: mbgnbd" in result.output
    )
    rows = list(csv.DictReader(out.open()))
    assert {r["model"] for r in rows} == {"mbgnbd"} and {r["as_of"] for r in rows} == {"1998-06-30"}
    # a one-time buyer is no longer alive for sure (MBG/NBD): customer 00018 bought once
    once = next(r for r in rows if r["customer_id"] == "00018")
    assert once["frequency"] == "0" and float(once["p_alive"]) < 1
