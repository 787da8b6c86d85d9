"""The same analytics expressions on PySpark (local mode) give the same tables as DuckDB,
and every hand-computed figure of test_analytics.py.

Needs pyspark and a Java runtime; under CI=true their absence is a failure, elsewhere a
skip that says what is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from patron.analytics.abc import abc_classes
from patron.analytics.cohorts import cohort_retention
from patron.analytics.frames import Source, from_rows, open_source
from patron.analytics.kpis import period_kpis
from patron.analytics.pareto import top_share
from patron.analytics.rfm import rfm
from patron.analytics.summary import customer_summary
from tests.conftest import IN_CI
from tests.integration.test_analytics import END, HAND, SMALL, assert_hand_figures

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session (slow to start) for every Spark test, as an Ibis connection."""
    missing = None
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        missing = "pyspark is not installed"
    if missing is None and shutil.which("java") is None:
        missing = "no Java runtime (java) on PATH"
    if missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true: the Spark test must run)")
        pytest.skip(missing)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("patron-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield ibis.pyspark.connect(session)
    session.stop()


def spark_file(spark: Any, path: Any) -> Source:
    return from_rows(spark.read_csv(str(path), header=True), str(path), {})


@pytest.fixture
def spark_source(spark: Any) -> Source:
    return spark_file(spark, SMALL)


def frame(table: Any, key: list[str]) -> Any:
    df = table.to_pandas().sort_values(key).reset_index(drop=True)
    for column in df.columns:
        if str(df[column].dtype).startswith(("datetime", "date")):
            df[column] = df[column].astype("datetime64[ns]")
    return df


def test_spark_and_duckdb_agree(spark_source: Source) -> None:
    import pandas as pd

    duck = open_source(str(SMALL))
    columns = [
        "customer_id",
        "purchases",
        "frequency",
        "recency",
        "T",
        "total_spend",
        "monetary_value",
        "margin",
        "products",
        "categories",
        "channels",
    ]
    pd.testing.assert_frame_equal(
        frame(customer_summary(spark_source, observation_end=END), ["customer_id"])[columns],
        frame(customer_summary(duck, observation_end=END), ["customer_id"])[columns],
        check_dtype=False,
    )
    for build, key in (
        (lambda s: rfm(s, bins=3, as_of=END), ["customer_id"]),
        (lambda s: abc_classes(s, as_of=END), ["customer_id"]),
        (cohort_retention, ["cohort_month", "months_since"]),
    ):
        pd.testing.assert_frame_equal(
            frame(build(spark_source), key), frame(build(duck), key), check_dtype=False
        )
    assert top_share(spark_source, 0.5) == pytest.approx(top_share(duck, 0.5))
    period = (datetime(2025, 2, 1), datetime(2025, 3, 1))
    assert period_kpis(spark_source, *period) == period_kpis(duck, *period)


def test_spark_gives_every_hand_computed_figure(spark: Any) -> None:
    """RFM segments and shares, A/B/C, Pareto, KPIs, comparison, month summary."""
    assert_hand_figures(spark_file(spark, HAND))
