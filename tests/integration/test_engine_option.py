"""`--engine`: which engine reads a purchases file, and where Spark's master comes from.

These run without Spark (tests/integration/test_spark.py runs the real thing): they pin
the choices the command line makes before any engine starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.analytics import frames
from patron.cli import app
from patron.config import get_settings
from patron.domain.errors import InvalidInput
from tests.integration.test_analytics import SMALL

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


EVERY_COMMAND = [
    ["analytics", "summary"],
    ["analytics", "rfm"],
    ["analytics", "abc"],
    ["analytics", "pareto"],
    ["analytics", "cohorts"],
    ["analytics", "kpis", "--start", "2025-01-01", "--end", "2025-02-01"],
    ["clv", "fit"],
    ["clv", "validate", "--calibration-end", "2025-02-01"],
    ["clv", "predict"],
]


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: " ".join(c[:2]))
def test_the_spark_master_comes_from_patron_spark_master(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a master URL in the environment and a Spark that records where it was sent
    monkeypatch.setenv("PATRON_SPARK_MASTER", "spark://cluster.example:7077")
    masters: list[str] = []

    def unreachable(master: str) -> object:
        masters.append(master)
        raise InvalidInput(f"Spark did not start with master {master!r}")

    monkeypatch.setattr(frames, "spark_session", unreachable)
    # when a command runs with --engine spark
    result = runner.invoke(app, [*command, str(SMALL), "--engine", "spark"])
    # then Spark was asked for that master, and its failure is a clear error
    assert masters == ["spark://cluster.example:7077"]
    assert result.exit_code == 2
    assert "Spark did not start with master 'spark://cluster.example:7077'" in result.output


def test_without_the_variable_spark_runs_locally_on_two_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PATRON_SPARK_MASTER", raising=False)
    masters: list[str] = []

    def unreachable(master: str) -> object:
        masters.append(master)
        raise InvalidInput("not started")

    monkeypatch.setattr(frames, "spark_session", unreachable)
    result = runner.invoke(app, ["clv", "fit", str(SMALL), "--engine", "spark"])
    assert (masters, result.exit_code) == (["local[2]"], 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["analytics", "abc", "store", "--engine", "spark"],
            "`store` is computed in the store's own database; --engine spark reads CSV or"
            " Parquet files",
        ),
        (
            ["analytics", "cohorts", str(SMALL), "--engine", "polars"],
            "--engine must be one of duckdb, spark, not 'polars'",
        ),
    ],
)
def test_an_engine_that_cannot_read_the_source_is_refused(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = runner.invoke(app, args, env={"PATRON_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_spark_reads_a_url_the_cluster_reaches(monkeypatch: pytest.MonkeyPatch) -> None:
    # a path on the cluster's storage does not exist here: Spark is handed it as it is
    read: list[tuple[str, str]] = []

    def reader(location: str, master: str) -> object:
        read.append((location, master))
        raise InvalidInput("not started")

    monkeypatch.delenv("PATRON_SPARK_MASTER", raising=False)
    monkeypatch.setattr(frames, "_read_with_spark", reader)
    url = "s3a://shop/purchases.parquet"
    runner.invoke(app, ["analytics", "rfm", url, "--engine", "spark"])
    assert read == [(url, "local[2]")]
    here = runner.invoke(app, ["analytics", "rfm", url])
    assert here.exit_code == 2 and "no such file" in here.output
