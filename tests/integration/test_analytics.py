"""Analytics tables checked by hand on a small history, and the same on every engine.

The file tests/data/small_purchases.csv holds 6 purchases of 3 customers:

    ann  2025-01-06 100 (cost 60) | 2025-01-20 50 (cost 30) and 30 (cost unknown)
    bob  2025-01-13 20 (cost 10)  | 2025-02-03 40 (cost 20)
    cid  2025-02-24 10 (cost 5)

Observation end 2025-03-03; periods in weeks (7 days).

tests/data/hand_purchases.csv holds 26 purchases of 9 customers, built so that every
figure of every analytics table can be worked out by hand (see HAND_EXPECTED); the same
figures are asserted on DuckDB (the CSV and a Parquet copy), on the store (SQLite, and
PostgreSQL under CI) and on Spark (test_spark.py).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from patron.analytics.abc import AbcConfig, Classes, Weights, abc_classes
from patron.analytics.clv import BetaGeoModel
from patron.analytics.cohorts import cohort_retention
from patron.analytics.frames import Source, open_source
from patron.analytics.kpis import cac, compare, period_kpis
from patron.analytics.pareto import pareto_curve, top_share
from patron.analytics.rfm import rfm, segment_counts
from patron.analytics.summary import customer_summary
from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.services.importer import ImportOptions, import_purchases

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "small_purchases.csv"
END = datetime(2025, 3, 3)


def summary_rows(source: Source) -> dict[str, dict]:  # type: ignore[type-arg]
    frame = customer_summary(source, period="week", observation_end=END).to_pandas()
    return {r["customer_id"]: r for r in frame.to_dict("records")}


def test_customer_summary_by_hand() -> None:
    rows = summary_rows(open_source(str(SMALL)))
    ann, bob, cid = rows["ann"], rows["bob"], rows["cid"]
    # ann bought on 2 days (3 orders): frequency 1, recency 14 days, T 56 days
    assert (ann["purchases"], ann["frequency"]) == (3, 1)
    assert ann["recency"] == pytest.approx(2.0) and ann["T"] == pytest.approx(8.0)
    assert ann["total_spend"] == pytest.approx(180.0)
    assert ann["monetary_value"] == pytest.approx(80.0)  # the repeat day: 50 + 30
    assert ann["margin"] == pytest.approx(60.0)  # (100-60) + (50-30); unknown cost left out
    assert (ann["products"], ann["categories"], ann["channels"]) == (3, 2, 2)
    assert ann["promotions_used"] == 1
    assert (bob["frequency"], bob["recency"], bob["T"]) == (1, 3.0, 7.0)
    assert (cid["frequency"], cid["recency"], cid["monetary_value"]) == (0, 0.0, 0.0)


def test_rfm_pareto_cohorts_kpis_by_hand() -> None:
    source = open_source(str(SMALL))
    scores = {
        r["customer_id"]: r for r in rfm(source, bins=3, as_of=END).to_pandas().to_dict("records")
    }
    # days since last purchase: ann 42, bob 28, cid 7 -> recency scores 1, 2, 3
    assert [scores[c]["r"] for c in ("ann", "bob", "cid")] == [1, 2, 3]
    assert [scores[c]["f"] for c in ("ann", "bob", "cid")] == [3, 2, 1]
    assert scores["ann"]["rfm"] == "133"
    # ann brings 180 of 250
    assert top_share(source, 1 / 3) == pytest.approx(180 / 250)
    cohorts = cohort_retention(source).to_pandas()
    january = cohorts[cohorts.cohort_month.astype(str).str.startswith("2025-01")]
    assert january[["months_since", "customers", "size"]].values.tolist() == [[0, 2, 2], [1, 1, 2]]
    kpis = period_kpis(source, datetime(2025, 2, 1), datetime(2025, 3, 1))
    assert (kpis.customers, kpis.new_customers, kpis.purchases) == (2, 1, 2)
    assert kpis.average_basket == pytest.approx(25.0)
    assert kpis.retention_rate == pytest.approx(0.5)  # ann and bob in January, bob again
    assert cac(175_000, 10) == 17_500


def test_the_same_summary_on_duckdb_and_the_store(patron: Patron, tmp_path: Path) -> None:
    # given the small history imported into the store (SQLite, and PostgreSQL under CI)
    report = import_purchases(patron.new_uow, SMALL, ImportOptions())
    assert report.inserted == 6
    url = patron.engine.url.render_as_string(hide_password=False)
    # when the summary is computed in the store's own engine
    from_store = summary_rows(open_source("store", database_url=url))
    from_file = summary_rows(open_source(str(SMALL)))
    # then it equals the one DuckDB computes from the file
    keys = (
        "purchases",
        "frequency",
        "recency",
        "T",
        "total_spend",
        "monetary_value",
        "margin",
        "products",
        "categories",
    )
    for customer in ("ann", "bob", "cid"):
        for key in keys:
            assert from_store[customer][key] == pytest.approx(from_file[customer][key]), (
                customer,
                key,
            )


def test_cdnow_summary_and_fit_from_transactions() -> None:
    source = open_source(str(DATA / "cdnow_sample.csv"))
    frame = customer_summary(
        source,
        period="week",
        calibration_end=datetime(1997, 9, 30),
        observation_end=datetime(1998, 6, 30),
    ).to_pandas()
    ours = sorted(zip(frame.frequency, frame.recency.round(2), frame["T"].round(2), strict=True))
    with (DATA / "cdnow_summary.csv").open() as f:
        published = sorted(
            (float(r["x"]), float(r["t_x"]), float(r["T"])) for r in csv.DictReader(f)
        )
    assert np.allclose(np.array(ours, dtype=float), np.array(published))
    model = BetaGeoModel().fit(frame.frequency, frame.recency, frame["T"])
    assert round(model.params_["r"], 3) == 0.243
    assert frame.frequency_holdout.sum() > 0 and frame.duration_holdout.iloc[0] == 39.0


def test_abc_weights_and_classes(tmp_path: Path) -> None:
    from patron.analytics.abc import load_config

    source = open_source(str(SMALL))
    # on volume alone: ann (180) > bob (60) > cid (10); A = top third, B = next third
    config = AbcConfig(weights=Weights(volume=1), classes=Classes(A=0.34, B=0.34))
    classes = dict(
        abc_classes(source, config, as_of=END)
        .to_pandas()[["customer_id", "abc"]]
        .itertuples(index=False)
    )
    assert classes == {"ann": "A", "bob": "B", "cid": "C"}
    # on loyalty alone (months with a purchase) bob, active in two months, comes first
    loyal = AbcConfig(weights=Weights(volume=0, loyalty=1), classes=Classes(A=0.34, B=0.34))
    first = abc_classes(source, loyal, as_of=END).to_pandas().iloc[0]
    assert first.customer_id == "bob"
    bad = tmp_path / "abc.toml"
    bad.write_text("[classes]\nA = 0.7\nB = 0.5\n")
    with pytest.raises(InvalidInput, match="abc.toml"):
        load_config(bad)


def test_figures_of_columns_the_file_lacks_are_empty_not_errors(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text(
        "customer_id,date,amount\nann,2025-01-06,10.00\nann,2025-01-20,30.00\nbob,2025-02-01,5\n"
    )
    source = open_source(str(path))
    assert source.absent == {"cost", "channel", "promotion_code", "days_to_pay"}
    frame = customer_summary(source, period="day", observation_end=END).to_pandas()
    ann = frame.set_index("customer_id").loc["ann"]
    assert (ann.frequency, ann.recency, ann.total_spend, ann.monetary_value) == (1, 14, 40, 30)
    assert frame.margin.isna().all() and frame.avg_days_to_pay.isna().all()
    assert (frame.promotions_used == 0).all() and (frame.channels == 0).all()


def test_reading_a_store_that_is_not_there_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(InvalidInput, match="no store at"):
        open_source("store", database_url=f"sqlite:///{missing}")
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(InvalidInput, match="no Patron tables yet"):
        open_source("store", database_url=f"sqlite:///{empty}")


# --- every figure by hand -------------------------------------------------------------
#
# tests/data/hand_purchases.csv, 26 purchases of 9 customers in 2025 (amount, cost where
# known, paid N days later where invoiced), seen as of HAND_END = 2025-07-01.
# Day of the year: Jan d = d, Feb d = 31+d, Mar d = 59+d, Apr d = 90+d, May d = 120+d,
# Jun d = 151+d, Jul 1 = 182.
#
#   ann  Jan 3, 10, 17, 24, 31: 40 each (cost 35), each paid 10 days later   total 200
#   bob  Jan 31: 50 (cost 10)                                                 total  50
#   cid  Jan 15: 10 (cost 5, paid in 5 days), Feb 15: 20 (cost 5, paid in 7),
#        Mar 3: 30 (cost 5)                                                   total  60
#   dan  Mar 3: 85 (cost 80)                                                  total  85
#   eve  Apr 1: 25 (cost unknown), Apr 30: 45 (cost 15)                       total  70
#   fay  Jan 5, Feb 5, Mar 5, Apr 5, May 5: 60 each (cost 30), and two orders
#        of 30 (cost 15) on Jun 30; Jan 5 paid in 2 days, Feb 5 in 4          total 360
#   gus  Jun 30: 10 (cost 2)                                                  total  10
#   hal  May 1: 20 (paid in 20 days), May 30: 25; no cost known               total  45
#   ivy  Jan 20: 20 (paid in 30 days), Mar 10: 30, Mar 20: 30, Apr 30: 40;
#        cost 10 each                                                         total 120
#                                                                     all customers 1000
HAND = DATA / "hand_purchases.csv"
HAND_END = datetime(2025, 7, 1)
HAND_PAID = {  # order id -> payment date, for the store (the import has no such column)
    "a1": datetime(2025, 1, 13),
    "a2": datetime(2025, 1, 20),
    "a3": datetime(2025, 1, 27),
    "a4": datetime(2025, 2, 3),
    "a5": datetime(2025, 2, 10),
    "c1": datetime(2025, 1, 20),
    "c2": datetime(2025, 2, 22),
    "f1": datetime(2025, 1, 7),
    "f2": datetime(2025, 2, 9),
    "h1": datetime(2025, 5, 21),
    "i1": datetime(2025, 2, 19),
}
MONTH = 365.25 / 12
PEOPLE = ("ann", "bob", "cid", "dan", "eve", "fay", "gus", "hal", "ivy")
ABC = {  # criterion -> weights; A = top 20% (1 of 9), B = next 30% (positions 2/9..4/9)
    "growth": Weights(volume=0, growth=1),
    "payment_speed": Weights(volume=0, payment_speed=1),
    "profitability": Weights(volume=0, profitability=1),
    "volume+growth": Weights(volume=1, growth=1),
}

HAND_EXPECTED: dict[str, object] = {
    # RFM, 5 bins, as of Jul 1. Score = min(5, 1 + floor(5 * percent_rank)) with
    # percent_rank = (rank - 1) / 8 and tied customers sharing the lowest rank, so
    # rank 1, 2 -> 1; 3, 4 -> 2; 5 -> 3; 6, 7 -> 4; 8, 9 -> 5.
    # Days since the last purchase (fewer is better, ranked from the most):
    #   ann, bob 182-31 = 151 (rank 1 -> R1); cid, dan 182-62 = 120 (rank 3 -> R2);
    #   eve, ivy 182-120 = 62 (rank 5 -> R3); hal 182-150 = 32 (rank 7 -> R4);
    #   fay, gus 182-181 = 1 (rank 8 -> R5)
    # Purchases: bob, dan, gus 1 (rank 1 -> F1); eve, hal 2 (rank 4 -> F2);
    #   cid 3 (rank 6 -> F4); ivy 4 (rank 7 -> F4); ann 5 (rank 8 -> F5); fay 7 (F5)
    # Spend: gus 10, hal 45 -> M1; bob 50, cid 60 -> M2; eve 70 -> M3; dan 85, ivy 120
    #   -> M4; ann 200, fay 360 -> M5
    # Segments, first matching rule of the R x F grid:
    "rfm[ann]": "155 can't lose",  # R <= 1 and F >= 4
    "rfm[bob]": "112 lost",  # R1 F1: no other rule
    "rfm[cid]": "242 at risk",  # R <= 2 and F >= 3
    "rfm[dan]": "214 hibernating",  # R == 2, F low
    "rfm[eve]": "323 need attention",  # R == 3, F low
    "rfm[fay]": "555 champions",  # R >= 4 and F >= 4
    "rfm[gus]": "511 new",  # R >= 4 and F <= 1
    "rfm[hal]": "421 potential loyalists",  # R >= 4, F 2
    "rfm[ivy]": "344 loyal",  # R >= 3 and F >= 3, not a champion
    # one customer each: revenue share = the customer's spend / 1000
    "segment[champions]": (1, 0.36),
    "segment[can't lose]": (1, 0.20),
    "segment[loyal]": (1, 0.12),
    "segment[hibernating]": (1, 0.085),
    "segment[need attention]": (1, 0.07),
    "segment[at risk]": (1, 0.06),
    "segment[lost]": (1, 0.05),
    "segment[potential loyalists]": (1, 0.045),
    "segment[new]": (1, 0.01),
    # with 3 bins: score = min(3, 1 + floor(3 * (rank - 1) / 8)), so rank 1-3 -> 1,
    #   4-6 -> 2, 7-9 -> 3, rescaled to 1..5 as 2 * score - 1:
    #   R: ann, bob, cid, dan 1; eve, ivy 3; hal, fay, gus 5
    #   F: bob, dan, gus 1 (rank 1); eve, hal 3 (rank 4); cid 3 (rank 6); ivy, ann, fay 5
    #   ann can't lose, bob and dan lost, cid at risk, eve hal ivy loyal, fay champions,
    #   gus new. Revenue: loyal 70 + 45 + 120 = 235, lost 50 + 85 = 135.
    "segment3[loyal]": (3, 0.235),
    "segment3[champions]": (1, 0.36),
    "segment3[can't lose]": (1, 0.20),
    "segment3[lost]": (2, 0.135),
    "segment3[at risk]": (1, 0.06),
    "segment3[new]": (1, 0.01),
    # A/B/C with 3-month growth: recent = (Apr 1, Jul 1], earlier = (Jan 1, Apr 1]
    #   (Jan 1 itself is in neither; Apr 1 belongs to the earlier months).
    #   growth: ann 0-200 = -200, bob -50, cid -60, dan -85, eve 45-25 = 20 (Apr 1 is
    #   earlier), fay (Apr 5, May 5, Jun 30) 180 - (Jan 5, Feb 5, Mar 5) 180 = 0, gus 10,
    #   hal 45, ivy 40 - 80 = -40.  Percent rank, ascending, in eighths:
    #   ann 0, dan 1, cid 2, bob 3, ivy 4, fay 5, gus 6, eve 7, hal 8.
    "abc[growth]": "A hal, B eve gus fay, C ivy bob cid dan ann",
    "abc[growth].score[hal]": 1.0,
    "abc[growth].score[fay]": 5 / 8,
    # payment speed = minus the mean days to pay, among the 5 invoiced customers:
    #   ivy -30, hal -20, ann -10, cid -(5+7)/2 = -6, fay -(2+4)/2 = -3 -> ranks 0, 1/4,
    #   1/2, 3/4, 1; bob, dan, eve, gus have no invoice: 0.5 (ties: by customer id)
    "abc[payment_speed]": "A fay, B cid ann bob, C dan eve gus hal ivy",
    "abc[payment_speed].score[fay]": 1.0,
    "abc[payment_speed].score[cid]": 0.75,
    "abc[payment_speed].score[bob]": 0.5,
    "abc[payment_speed].score[ivy]": 0.0,
    # profitability = sum of (amount - cost) where the cost is known:
    #   fay 5*30 + 2*15 = 180, ivy 120-40 = 80, cid 60-15 = 45, bob 40, eve 45-15 = 30 (Apr 1
    #   has no cost), ann 5*5 = 25, gus 8, dan 5; hal no cost at all: 0.5.
    #   Ranks among the 8 with a margin, in sevenths: dan 0, gus 1, ann 2, eve 3, bob 4,
    #   cid 5, ivy 6, fay 7.
    "abc[profitability]": "A fay, B ivy cid bob, C hal eve ann gus dan",
    "abc[profitability].score[fay]": 1.0,
    "abc[profitability].score[bob]": 4 / 7,
    "abc[profitability].score[hal]": 0.5,
    # volume and growth weighted 1:1: volume ranks in eighths gus 0, hal 1, bob 2, cid 3,
    #   eve 4, dan 5, ivy 6, ann 7, fay 8; score = (volume + growth) / 16:
    #   fay 13, eve 11, ivy 10, hal 9, ann 7, dan 6, gus 6, bob 5, cid 5
    "abc[volume+growth]": "A fay, B eve ivy hal, C ann dan gus bob cid",
    "abc[volume+growth].score[fay]": 13 / 16,
    "abc[volume+growth].score[gus]": 6 / 16,
    # Pareto: by spend fay 360, ann 200, ivy 120, dan 85, eve 70, cid 60, bob 50, hal 45,
    #   gus 10; cumulative 360, 560, 680, 765, 835, 895, 945, 990, 1000. The k-th
    #   customer (share k/9) falls in step ceil(10 k / 9) = 2, 3, ..., 10.
    **{
        f"pareto[{k + 1}]": (k / 9, cumulative / 1000)
        for k, cumulative in enumerate((360, 560, 680, 765, 835, 895, 945, 990, 1000), 1)
    },
    # top 20%: between fay (1/9, 0.36) and ann (2/9, 0.56): 0.36 + 0.20 * 0.8 = 0.52
    "top_share(0.2)": 0.52,
    # KPIs of March [Mar 1, Apr 1): cid 30 and dan 85 on Mar 3, fay 60 on Mar 5, ivy 30 on
    #   Mar 10 and 30 on Mar 20: 4 customers, 5 purchases, revenue 235; dan is new;
    #   frequency 5/4, basket 235/5 = 47, repurchase 1/4 (ivy).
    #   Previous 31 days [Jan 29, Mar 1): ann, bob (Jan 31), cid (Feb 15), fay (Feb 5);
    #   cid and fay bought again: retention 2/4, churn 1/2.
    #   No line names a product (no sku column): products per customer is unknown.
    "kpis[march]": (4, 1, 5, 235.0, 1.25, 47.0, 0.25, 0.5, 0.5, None),
    # February [Feb 1, Mar 1): fay 60 (Feb 5), cid 20 (Feb 15): 2 customers, 2 purchases,
    #   80, nobody new, frequency 1, basket 40, repurchase 0. Previous 28 days
    #   [Jan 4, Feb 1): ann, bob, cid, fay (Jan 5), ivy; cid and fay again: 2/5, churn 3/5.
    "kpis[february]": (2, 0, 2, 80.0, 1.0, 40.0, 0.0, 0.4, 0.6, None),
    # March against February: (previous, current, relative change; none from 0)
    "compare[customers]": (2, 4, 1.0),
    "compare[new_customers]": (0, 1, None),
    "compare[purchases]": (2, 5, 1.5),
    "compare[revenue]": (80.0, 235.0, 155 / 80),
    "compare[purchase_frequency]": (1.0, 1.25, 0.25),
    "compare[average_basket]": (40.0, 47.0, 7 / 40),
    "compare[repurchase_rate]": (0.0, 0.25, None),
    "compare[retention_rate]": (0.4, 0.5, 0.25),
    "compare[churn_rate]": (0.6, 0.5, -1 / 6),
    "compare[products_per_customer]": (None, None, None),
    # summary in months (365.25/12 days) to Jul 1: first, last purchase, purchases,
    #   frequency (repeat days), recency = (last - first) days / month,
    #   T = (Jul 1 - first) days / month, mean spend = total / purchases (fay: 7 orders
    #   on 6 days, frequency 5, mean spend 360 / 7), mean days to pay
    "summary[ann]": ("2025-01-03", "2025-01-31", 5, 4, 28 / MONTH, 179 / MONTH, 40.0, 10.0),
    "summary[bob]": ("2025-01-31", "2025-01-31", 1, 0, 0.0, 151 / MONTH, 50.0, None),
    "summary[cid]": ("2025-01-15", "2025-03-03", 3, 2, 47 / MONTH, 167 / MONTH, 20.0, 6.0),
    "summary[dan]": ("2025-03-03", "2025-03-03", 1, 0, 0.0, 120 / MONTH, 85.0, None),
    "summary[eve]": ("2025-04-01", "2025-04-30", 2, 1, 29 / MONTH, 91 / MONTH, 35.0, None),
    "summary[fay]": ("2025-01-05", "2025-06-30", 7, 5, 176 / MONTH, 177 / MONTH, 360 / 7, 3.0),
    "summary[gus]": ("2025-06-30", "2025-06-30", 1, 0, 0.0, 1 / MONTH, 10.0, None),
    "summary[hal]": ("2025-05-01", "2025-05-30", 2, 1, 29 / MONTH, 61 / MONTH, 22.5, 20.0),
    "summary[ivy]": ("2025-01-20", "2025-04-30", 4, 3, 100 / MONTH, 162 / MONTH, 30.0, 30.0),
}


def _value(value: object) -> object:
    """Plain Python values: numbers as float/int, missing as None, days as ISO text."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        return _value(value.item())
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        return value[:10]  # a day SQLite hands back as text
    return value


def hand_figures(source: Source) -> dict[str, object]:
    """Every analytics figure of the hand data, keyed as in HAND_EXPECTED."""
    got: dict[str, object] = {}
    scores = rfm(source, as_of=HAND_END)
    for row in scores.to_pandas().to_dict("records"):
        got[f"rfm[{row['customer_id']}]"] = f"{row['rfm']} {row['segment']}"
    for row in segment_counts(scores).to_pandas().to_dict("records"):
        got[f"segment[{row['segment']}]"] = (_value(row["customers"]), row["revenue_share"])
    for row in segment_counts(rfm(source, bins=3, as_of=HAND_END)).to_pandas().to_dict("records"):
        got[f"segment3[{row['segment']}]"] = (_value(row["customers"]), row["revenue_share"])
    for name, weights in ABC.items():
        config = AbcConfig(weights=weights, classes=Classes(A=0.2, B=0.3), growth_months=3)
        frame = abc_classes(source, config, as_of=HAND_END).to_pandas()
        got[f"abc[{name}]"] = ", ".join(
            f"{cls} {' '.join(frame.customer_id[frame.abc == cls])}" for cls in "ABC"
        )
        for row in frame.to_dict("records"):
            key = f"abc[{name}].score[{row['customer_id']}]"
            if key in HAND_EXPECTED:
                got[key] = float(row["score"])
    for row in pareto_curve(source).to_pandas().to_dict("records"):
        got[f"pareto[{_value(row['step'])}]"] = (row["customer_share"], row["revenue_share"])
    got["top_share(0.2)"] = top_share(source, 0.2)
    march = period_kpis(source, datetime(2025, 3, 1), datetime(2025, 4, 1))
    february = period_kpis(source, datetime(2025, 2, 1), datetime(2025, 3, 1))
    for name, kpis in (("march", march), ("february", february)):
        got[f"kpis[{name}]"] = tuple(list(kpis.as_dict().values())[2:])
    for key, row in compare(march, february).items():
        got[f"compare[{key}]"] = (row["previous"], row["current"], row["change"])
    summary = customer_summary(source, period="month", observation_end=HAND_END).to_pandas()
    for row in summary.to_dict("records"):
        got[f"summary[{row['customer_id']}]"] = tuple(
            _value(row[c])
            for c in (
                "first_purchase",
                "last_purchase",
                "purchases",
                "frequency",
                "recency",
                "T",
                "mean_spend",
                "avg_days_to_pay",
            )
        )
    return got


def _same(got: object, expected: object) -> bool:
    if isinstance(expected, tuple):
        return (
            isinstance(got, tuple)
            and len(got) == len(expected)
            and all(_same(_value(g), e) for g, e in zip(got, expected, strict=True))
        )
    if isinstance(expected, float):
        return isinstance(got, int | float) and got == pytest.approx(expected, abs=1e-9)
    return bool(_value(got) == expected)


def assert_hand_figures(source: Source) -> None:
    got = hand_figures(source)
    assert sorted(got) == sorted(HAND_EXPECTED)
    wrong = {k: (got[k], e) for k, e in HAND_EXPECTED.items() if not _same(got[k], e)}
    assert not wrong, "\n".join(f"{k}: got {g!r}, expected {e!r}" for k, (g, e) in wrong.items())


def test_every_figure_by_hand_on_duckdb(tmp_path: Path) -> None:
    assert_hand_figures(open_source(str(HAND)))
    # and from a Parquet copy of the same file
    import duckdb

    parquet = tmp_path / "hand.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{HAND}')) TO '{parquet}' (FORMAT parquet)")
    assert_hand_figures(open_source(str(parquet)))


def test_every_figure_by_hand_in_the_store(patron: Patron) -> None:
    # given the hand data imported into the store (SQLite, and PostgreSQL under CI), with
    # the payment dates the import does not read set on the purchases
    from sqlalchemy import update

    from patron.store import tables

    report = import_purchases(patron.new_uow, HAND, ImportOptions())
    assert report.inserted == 26
    with patron.engine.begin() as conn:
        for order, paid in HAND_PAID.items():
            conn.execute(
                update(tables.purchases)
                .where(tables.purchases.c.order_id == order)
                .values(paid_at=paid)
            )
    url = patron.engine.url.render_as_string(hide_password=False)
    # then every figure, computed in the store's own engine, is the hand-computed one
    assert_hand_figures(open_source("store", database_url=url))
