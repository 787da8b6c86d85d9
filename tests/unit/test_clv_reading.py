"""`patron clv fit` says what the parameters mean for the shop's customers, with their
time unit; every figure below is computed by hand from the published CDNOW estimates."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from patron.analytics.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from patron.analytics.clv.base import FittedModel
from patron.analytics.clv.reading import plain_reading, units
from patron.cli import app

SUMMARY = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"
WEEK = 7.0


def given(model: FittedModel, **params: float) -> FittedModel:
    model.params_ = params
    return model


def test_bgnbd_reads_as_purchases_a_year_and_drop_out_after_repeat_purchases() -> None:
    model = given(BetaGeoModel(), r=0.243, alpha=4.414, a=0.793, b=2.426)
    # r/alpha = 0.243/4.414 = 0.05505 a week; x 365.25/7 = 52.18 weeks = 2.87 a year;
    # a/(a+b) = 0.793/3.219 = 24.6 %
    assert plain_reading(model, "week", WEEK) == [
        "While active, a customer buys on average 0.0551 times a week (r/α), about 2.9"
        " times a year.",
        "Purchase rates differ widely between customers (r = 0.24 < 1): most buy less"
        " often than that average, a few much more.",
        "About 25% of customers drop out for good after each repeat purchase (a/(a+b)); a"
        " customer who never came back is never counted as lost by this model (see mbgnbd).",
    ]
    assert units(model, "week") == {
        "r": "none (shape)",
        "alpha": "weeks",
        "a": "none (shape)",
        "b": "none (shape)",
    }


def test_mbgnbd_says_how_many_never_come_back() -> None:
    model = given(ModifiedBetaGeoModel(), r=0.525, alpha=6.183, a=0.891, b=1.614)
    # 0.525/6.183 x 52.18 = 4.43 a year; 0.891/2.505 = 35.6 %
    lines = plain_reading(model, "week", WEEK)
    assert lines[0].endswith("about 4.4 times a year.")
    assert lines[2] == (
        "About 36% of customers drop out for good after any purchase (a/(a+b)), the first"
        " included: that many new customers are lost right after their first purchase."
    )


def test_pareto_nbd_says_how_many_are_still_active_a_year_on() -> None:
    model = given(ParetoNBDModel(), r=0.55, alpha=10.58, s=0.61, beta=11.67)
    # 0.55/10.58 x 52.18 = 2.71 a year; (11.67 / (11.67 + 52.18))^0.61 = 0.18277^0.61
    # = e^(0.61 x -1.6995) = e^-1.0367 = 35.5 %; s < 1: no finite mean lifetime
    lines = plain_reading(model, "week", WEEK)
    assert lines[0].endswith("about 2.7 times a year.")
    assert lines[2] == (
        "About 35% of customers are still active a year after their first purchase"
        " ((β/(β+one year))^s)."
    )
    # with s > 1 the mean lifetime beta/(s-1): 20/(2-1) = 20 months
    monthly = given(ParetoNBDModel(), r=1.0, alpha=2.0, s=2.0, beta=20.0)
    assert (
        "a customer stays active 20.0 months on average."
        in plain_reading(monthly, "month", 365.25 / 12)[2]
    )
    # the same rate a month: 1/2 a month = 6.0 a year, and r = 1 reads as alike
    assert plain_reading(monthly, "month", 365.25 / 12)[:2] == [
        "While active, a customer buys on average 0.5 times a month (r/α), about 6.0 times a year.",
        "Purchase rates are fairly alike across customers (r = 1.00 ≥ 1).",
    ]


def test_gamma_gamma_says_what_a_purchase_is_worth() -> None:
    model = given(GammaGammaModel(), p=6.25, q=3.74, v=15.44)
    # p v / (q - 1) = 96.5 / 2.74 = 35.22; 1/sqrt(6.25) = 40 %
    assert plain_reading(model, "week", WEEK) == [
        "A purchase is worth 35.22 on average across customers (p·v/(q−1), in the amounts'"
        " currency).",
        "A customer's purchases vary around their own mean by about 40% (1/√p); with few"
        " purchases their expected spend stays close to the average.",
    ]
    assert units(model, "week")["v"] == "money (the amounts' currency)"


def test_clv_fit_prints_units_and_the_reading() -> None:
    result = CliRunner().invoke(app, ["clv", "fit", str(SUMMARY)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the console wraps long lines
    assert "as of the end of the summary's observation (the T it gives)" in out
    assert "time unit: week (7 days)" in out
    assert "alpha 4.4135 0.3782 weeks" in out  # a row of the parameters table
    assert "about 2.9 times a year" in out and "About 25% of customers drop out" in out
