"""The CLV pipeline (analytics/lifetime.py): the engine groups the customers by
(frequency, recency, T) and counts them; only those rows leave it, and the fit on them is
the fit on one row per customer.

COUNTED below holds 14 purchases of 8 customers, observed to the last purchase
(2025-03-01), in weeks:

    a  Jan 1, Jan 15               x = 1, t_x = 14 d = 2, T = 59 d = 59/7, repeat spend 20
    b  Jan 1, Jan 15 (9:00, 17:30)  x = 1 (one day), t_x = 2, T = 59/7, repeat spend 8 + 12
    c  Jan 1, Jan 8, Jan 15        x = 2, t_x = 2, T = 59/7, mean repeat spend 10
    d, e, f  Feb 1                 x = 0, t_x = 0, T = 28 d = 4
    g  Mar 1                       x = 0, t_x = 0, T = 0
    h  Feb 22, Mar 1               x = 1, t_x = 1, T = 1, repeat spend 10

so five distinct rows: (1, 2, 59/7) twice, (2, 2, 59/7), (0, 0, 4) three times, (0, 0, 0)
and (1, 1, 1).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.analytics import lifetime
from patron.analytics.clv import BetaGeoModel
from patron.analytics.clv.validation import holdout_report
from patron.analytics.frames import Source, open_source
from patron.analytics.summary import customer_summary
from patron.bootstrap import Patron
from patron.cli import app
from patron.services.importer import ImportOptions, import_purchases

DATA = Path(__file__).resolve().parents[1] / "data"
CDNOW = DATA / "cdnow_sample.csv"
COUNTED = """customer_id,order_id,date,amount
a,a1,2025-01-01,10
a,a2,2025-01-15,20
b,b1,2025-01-01,10
b,b2,2025-01-15 09:00:00,8
b,b3,2025-01-15 17:30:00,12
c,c1,2025-01-01,10
c,c2,2025-01-08,10
c,c3,2025-01-15,10
d,d1,2025-02-01,10
e,e1,2025-02-01,10
f,f1,2025-02-01,10
g,g1,2025-03-01,10
h,h1,2025-02-22,10
h,h2,2025-03-01,10
"""
EXPECTED = [  # (frequency, recency, T, customers), by hand
    (0, 0.0, 0.0, 1),
    (0, 0.0, 4.0, 3),
    (1, 1.0, 1.0, 1),
    (1, 2.0, 59 / 7, 2),
    (2, 2.0, 59 / 7, 1),
]
EXPECTED_SPEND = [(0, 0.0, 4), (1, 10.0, 1), (1, 20.0, 2), (2, 10.0, 1)]  # (x, m, customers)

runner = CliRunner()


def rows(source: Source, columns: tuple[str, ...], spend: bool = False) -> list[tuple[float, ...]]:
    counts = lifetime.counts(lifetime.customers(source, spend=spend), columns)
    return sorted(zip(*(counts[c] for c in (*columns, lifetime.COUNT)), strict=True))


def assert_counted(source: Source) -> None:
    assert rows(source, lifetime.PURCHASES) == [pytest.approx(r) for r in EXPECTED]
    assert rows(source, lifetime.SPEND, spend=True) == [pytest.approx(r) for r in EXPECTED_SPEND]


def test_duckdb_counts_the_customers_of_each_row_by_hand(tmp_path: Path) -> None:
    file = tmp_path / "counted.csv"
    file.write_text(COUNTED)
    assert_counted(open_source(str(file)))
    # and from a Parquet copy of the same file
    import duckdb

    parquet = tmp_path / "counted.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{file}')) TO '{parquet}' (FORMAT parquet)")
    assert_counted(open_source(str(parquet)))


def test_the_store_counts_them_in_its_own_engine(patron: Patron, tmp_path: Path) -> None:
    # given the same purchases imported into the store (SQLite, and PostgreSQL)
    file = tmp_path / "counted.csv"
    file.write_text(COUNTED)
    assert import_purchases(patron.new_uow, file, ImportOptions()).inserted == 14
    url = patron.engine.url.render_as_string(hide_password=False)
    # then SQLite / PostgreSQL group and count them as DuckDB does from the file
    assert_counted(open_source("store", database_url=url))


def test_the_fit_from_a_purchases_file_is_the_fit_on_one_row_per_customer() -> None:
    """CDNOW's 2,357 customers from their transactions: the pipeline fetches fewer rows
    than customers, and its fit is the fit on the per-customer summary, to the last bit."""
    source = open_source(str(CDNOW))
    calibration = datetime(1997, 9, 30)
    customers = lifetime.customers(source, calibration_end=calibration)
    counted = lifetime.counts(customers, lifetime.PURCHASES)
    assert len(counted["T"]) < 2357 and counted[lifetime.COUNT].sum() == 2357
    frame = customer_summary(source, calibration_end=calibration).to_pandas()
    one_per_customer = BetaGeoModel().fit(frame.frequency, frame.recency, frame["T"])
    fitted = lifetime.fit("bgnbd", customers)
    assert fitted.log_likelihood_ == one_per_customer.log_likelihood_
    assert fitted.params_ == one_per_customer.params_
    assert round(fitted.params_["r"], 3) == 0.243  # the published CDNOW estimate


def test_clv_validate_reports_the_holdout_of_every_customer(tmp_path: Path) -> None:
    # the counts of (x, t_x, T, holdout purchases) give the per-customer report's figures
    result = runner.invoke(app, ["clv", "validate", str(CDNOW), "--calibration-end", "1997-09-30"])
    assert result.exit_code == 0, result.output
    calibration = datetime(1997, 9, 30)
    frame = customer_summary(open_source(str(CDNOW)), calibration_end=calibration).to_pandas()
    model = BetaGeoModel().fit(frame.frequency, frame.recency, frame["T"])
    report = holdout_report(
        model,
        frame.frequency,
        frame.recency,
        frame["T"],
        frame.frequency_holdout,
        float(frame.duration_holdout.iloc[0]),
    )
    assert (
        f"total: actual {report.actual_total:,.0f}, predicted {report.predicted_total:,.1f}"
        in result.output
    )
    assert f"holdout of {frame.duration_holdout.iloc[0]:.1f} weeks" in result.output


@pytest.mark.parametrize("value", ["", "abc"], ids=["missing", "not a number"])
def test_a_summary_file_with_a_bad_value_is_refused_naming_the_column(
    tmp_path: Path, value: str
) -> None:
    summary = tmp_path / "summary.csv"
    summary.write_text(f"x,t_x,T\n2,30.43,38.86\n1,{value},38.86\n0,0,38.86\n")
    result = runner.invoke(app, ["clv", "fit", str(summary)])
    assert result.exit_code == 2
    assert "recency has missing, non-numeric or infinite values" in result.output


def test_gamma_gamma_needs_a_spend_column(tmp_path: Path) -> None:
    summary = tmp_path / "summary.csv"
    summary.write_text("frequency,recency,T\n2,30.43,38.86\n1,2,38.86\n0,0,38.86\n")
    result = runner.invoke(app, ["clv", "fit", str(summary), "--model", "gamma-gamma"])
    assert result.exit_code == 2
    assert "gamma-gamma needs each customer's mean repeat spend" in result.output
