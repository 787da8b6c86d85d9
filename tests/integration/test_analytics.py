"""Analytics tables checked by hand on a small history, and the same on every engine.

The file tests/data/small_purchases.csv holds 6 purchases of 3 customers:

    ann  2025-01-06 100 (cost 60) | 2025-01-20 50 (cost 30) and 30 (cost unknown)
    bob  2025-01-13 20 (cost 10)  | 2025-02-03 40 (cost 20)
    cid  2025-02-24 10 (cost 5)

Observation end 2025-03-03; periods in weeks (7 days).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from patron.analytics.clv import BetaGeoModel
from patron.analytics.cohorts import cohort_retention
from patron.analytics.frames import Source, open_source
from patron.analytics.kpis import cac, period_kpis
from patron.analytics.pareto import top_share
from patron.analytics.rfm import rfm
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
    from patron.analytics.abc import AbcConfig, Classes, Weights, abc_classes, load_config

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
