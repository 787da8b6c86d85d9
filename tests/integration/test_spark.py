"""The same analytics expressions on PySpark (local mode) give the same tables as DuckDB,
and every hand-computed figure of test_analytics.py, in the library and through
`patron analytics … --engine spark` / `patron clv fit`.

Needs pyspark and a Java runtime; under CI=true their absence is a failure, elsewhere a
skip that says what is missing. One Spark session serves the module, started the way the
command line starts it: master from PATRON_SPARK_MASTER (CI: local[2]).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.analytics import frames as frames_module
from patron.analytics.abc import abc_classes
from patron.analytics.cohorts import cohort_retention
from patron.analytics.frames import Source, from_rows, open_source
from patron.analytics.kpis import period_kpis
from patron.analytics.pareto import top_share
from patron.analytics.rfm import rfm
from patron.analytics.summary import customer_summary
from patron.cli import app
from patron.config import get_settings
from patron.synth import SynthParams, generate, write_csv
from tests.conftest import IN_CI
from tests.integration.test_analytics import END, HAND, SMALL, assert_hand_figures

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


MASTER = os.environ.get("PATRON_SPARK_MASTER", "local[2]")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """The Spark session of the module, as `--engine spark` starts it."""
    missing = None
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing = "pyspark is not installed"
    if missing is None and shutil.which("java") is None:
        missing = "no Java runtime (java) on PATH"
    if missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true: the Spark test must run)")
        pytest.skip(missing)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PATRON_SPARK_MASTER", MASTER)
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        get_settings.cache_clear()
        session = frames_module.spark_session(get_settings().spark_master)
        session.conf.set("spark.sql.shuffle.partitions", "2")  # tiny data: few tasks
        yield session
        session.stop()
    get_settings.cache_clear()


def spark_file(spark: Any, path: Any) -> Source:
    import ibis

    con = ibis.pyspark.connect(spark)
    return from_rows(con.read_csv(str(path), header=True), str(path), {})


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


@pytest.fixture(scope="module")
def purchases_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic history as Parquet: 300 customers over two years, invoices among them."""
    import duckdb

    folder = tmp_path_factory.mktemp("spark-cli")
    csv_path, parquet = folder / "purchases.csv", folder / "purchases.parquet"
    write_csv(csv_path, generate(SynthParams(customers=300, seed=7)))
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{parquet}' (FORMAT parquet)")
    return parquet


# command, options, the columns that identify a row of its --out file
COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("summary", ["--observation-end", "2026-11-01"], ["customer_id"]),
    ("rfm", ["--bins", "4"], ["customer_id"]),
    ("abc", [], ["customer_id"]),
    ("pareto", [], ["step"]),
    ("cohorts", [], ["cohort_month", "months_since"]),
]


def test_the_cli_gives_the_same_figures_on_spark_and_duckdb(
    spark: Any, purchases_parquet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    # given the engine the CLI starts, watched: the Spark runs must read through Spark
    read = frames_module._read_with_spark
    spark_reads: list[str] = []

    def watched(path: str, master: str) -> Any:
        spark_reads.append(master)
        return read(path, master)

    monkeypatch.setattr(frames_module, "_read_with_spark", watched)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args])
        assert result.exit_code == 0, result.output
        return result.stdout

    source = str(purchases_parquet)
    for command, options, key in COMMANDS:
        # when each command runs on both engines
        outs = {e: tmp_path / f"{command}-{e}.parquet" for e in ("duckdb", "spark")}
        for engine, out in outs.items():
            run("analytics", command, source, *options, "--out", str(out), "--engine", engine)
        # then the tables agree
        duck, on_spark = (pd.read_parquet(outs[e]) for e in ("duckdb", "spark"))
        assert len(duck) > 0, command
        pd.testing.assert_frame_equal(
            frame_of(on_spark, key), frame_of(duck, key), check_dtype=False
        )
    kpis = [
        "analytics",
        "kpis",
        source,
        "--start",
        "2025-03-01",
        "--end",
        "2025-06-01",
        "--compare",
        "--format",
        "json",
    ]
    on_spark, duck = flat(json.loads(run(*kpis, "--engine", "spark"))), flat(json.loads(run(*kpis)))
    assert duck["customers", "current"] > 0
    assert on_spark == pytest.approx(duck, rel=1e-12)  # sums in another order: last bits
    fit = ["clv", "fit", source, "--json"]
    on_spark, duck = json.loads(run(*fit, "--engine", "spark")), json.loads(run(*fit))
    assert duck["n_customers"] == on_spark["n_customers"] == 300
    assert on_spark["params"] == pytest.approx(duck["params"], rel=1e-6)
    assert on_spark["log_likelihood"] == pytest.approx(duck["log_likelihood"], rel=1e-9)
    assert spark_reads == [MASTER] * (len(COMMANDS) + 2)


def flat(kpis: dict[str, dict[str, float]]) -> dict[tuple[str, str], float]:
    """Each (KPI, previous|current|change); money, written as decimal text, as a number."""
    return {
        (name, k): float(v) if isinstance(v, str) else v
        for name, values in kpis.items()
        for k, v in values.items()
    }


def frame_of(df: Any, key: list[str]) -> Any:
    df = df.sort_values(key).reset_index(drop=True)
    for column in df.columns:
        if str(df[column].dtype).startswith(("datetime", "date")):
            df[column] = df[column].astype("datetime64[ns]")
    return df
