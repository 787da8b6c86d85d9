"""`patron analytics …` and `patron clv …`: the analyst's commands.

SOURCE is a CSV or Parquet file of purchases (customer_id,date,amount at least) or the
word `store` for the configured database; `clv` also takes a CSV summary with columns
frequency,recency,T[,monetary_value].
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from patron.config import get_settings
from patron.domain.errors import InvalidInput, PatronError

analytics_app = typer.Typer(help="Customer analytics on a purchase history.", no_args_is_help=True)
clv_app = typer.Typer(help="Customer lifetime value models.", no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True)

SourceArg = Annotated[str, typer.Argument(help="purchases CSV/Parquet, or `store`")]
OutOption = Annotated[Path | None, typer.Option("--out", help="write CSV or Parquet")]
PeriodOption = Annotated[str, typer.Option(help="day, week or month")]
EngineOption = Annotated[
    str,
    typer.Option(help="read files with duckdb, or spark (master: PATRON_SPARK_MASTER)"),
]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def _date(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


def _source(source: str, engine: str = "duckdb") -> Any:
    from patron.analytics.frames import open_source

    settings = get_settings()
    return open_source(
        source,
        database_url=settings.database_url,
        engine=engine,
        spark_master=settings.spark_master,
    )


def _emit(frame: Any, out_path: Path | None, title: str) -> None:
    if out_path is not None:
        if out_path.suffix.lower() == ".parquet":
            frame.to_parquet(out_path, index=False)
        else:
            frame.to_csv(out_path, index=False)
        err.print(f"{len(frame)} rows written to {out_path}")
    table = Table(title=f"{title} ({len(frame)} rows)")
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(20).itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    out.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _run(action: Any) -> Any:
    try:
        return action()
    except PatronError as exc:
        raise _fail(exc.message) from None


@analytics_app.command("summary")
def summary_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    period: PeriodOption = "week",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    observation_end: Annotated[str | None, typer.Option()] = None,
    engine: EngineOption = "duckdb",
) -> None:
    """One row per customer: first/last purchase, frequency, recency, T, spend, margin..."""
    from patron.analytics.summary import customer_summary

    frame = _run(
        lambda: customer_summary(
            _source(source, engine),
            period=period,
            calibration_end=_date(calibration_end, "--calibration-end"),
            observation_end=_date(observation_end, "--observation-end"),
        ).to_pandas()
    )
    _emit(frame, out_path, "customer summary")


@analytics_app.command("rfm")
def rfm_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    bins: Annotated[int, typer.Option(min=2, max=10)] = 5,
    engine: EngineOption = "duckdb",
) -> None:
    """RFM scores and named segments, with counts and revenue share."""
    from patron.analytics.rfm import rfm, segment_counts

    scores = _run(lambda: rfm(_source(source, engine), bins=bins))
    _emit(scores.to_pandas(), out_path, "RFM scores")
    _emit(segment_counts(scores).to_pandas(), None, "segments")


@analytics_app.command("abc")
def abc_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    config: Annotated[Path | None, typer.Option(help="TOML: weights and class shares")] = None,
    engine: EngineOption = "duckdb",
) -> None:
    """A/B/C classes on weighted criteria (volume, growth, payment speed, margin, loyalty)."""
    from patron.analytics.abc import abc_classes, load_config

    settings = _run(lambda: load_config(config)) if config else None
    table = _run(lambda: abc_classes(_source(source, engine), settings))
    _emit(table.to_pandas(), out_path, "A/B/C classes")


@analytics_app.command("pareto")
def pareto_cmd(
    source: SourceArg, out_path: OutOption = None, engine: EngineOption = "duckdb"
) -> None:
    """Share of revenue from the top customers (the 80/20 check) and the curve."""
    from patron.analytics.pareto import pareto_curve, top_share

    src = _run(lambda: _source(source, engine))
    _emit(pareto_curve(src).to_pandas(), out_path, "Pareto curve")
    out.print(f"top 20% of customers bring {top_share(src):.1%} of revenue")


@analytics_app.command("cohorts")
def cohorts_cmd(
    source: SourceArg, out_path: OutOption = None, engine: EngineOption = "duckdb"
) -> None:
    """Retention by first-purchase month."""
    from patron.analytics.cohorts import cohort_retention

    _emit(_run(lambda: cohort_retention(_source(source, engine)).to_pandas()), out_path, "cohorts")


@analytics_app.command("kpis")
def kpis_cmd(
    source: SourceArg,
    start: Annotated[str, typer.Option()],
    end: Annotated[str, typer.Option()],
    compare_previous: Annotated[bool, typer.Option("--compare")] = False,
    engine: EngineOption = "duckdb",
) -> None:
    """KPIs of a period (customers, frequency, basket, repurchase, retention, churn)."""
    from patron.analytics.kpis import compare, period_kpis

    begin, finish = _date(start, "--start"), _date(end, "--end")
    assert begin is not None and finish is not None
    src = _run(lambda: _source(source, engine))
    current = _run(lambda: period_kpis(src, begin, finish))
    if compare_previous:
        previous = period_kpis(src, begin - (finish - begin), begin)
        out.print_json(json.dumps(compare(current, previous)))
    else:
        out.print_json(json.dumps(current.as_dict()))


def _rft(source: str, period: str, calibration_end: str | None, engine: str = "duckdb") -> Any:
    """Arrays (customer_id, frequency, recency, T, monetary_value) from either kind of file."""
    import pandas as pd

    path = Path(source)
    if path.suffix.lower() == ".csv" and path.exists():
        aliases = {
            "x": "frequency",
            "t_x": "recency",
            "zbar": "monetary_value",
            "ID": "customer_id",
        }  # the names of the CLV papers' data sets
        header = {aliases.get(c, c) for c in pd.read_csv(path, nrows=0).columns}
        if {"frequency", "recency", "T"} <= header:
            frame = pd.read_csv(path).rename(columns=aliases)
            if "customer_id" not in frame.columns:
                frame["customer_id"] = frame.index.astype(str)
            if "monetary_value" not in frame.columns:
                frame["monetary_value"] = float("nan")
            return frame
    from patron.analytics.summary import customer_summary

    return customer_summary(
        _source(source, engine),
        period=period,
        calibration_end=_date(calibration_end, "--calibration-end"),
    ).to_pandas()


def _fit(model: str, frame: Any) -> Any:
    from patron.analytics.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    if model == "gamma-gamma":
        return GammaGammaModel().fit(frame["frequency"], frame["monetary_value"].fillna(0))
    models = {"bgnbd": BetaGeoModel, "pareto-nbd": ParetoNBDModel}
    if model not in models:
        raise InvalidInput(f"--model must be bgnbd, pareto-nbd or gamma-gamma, not {model!r}")
    return models[model]().fit(frame["frequency"], frame["recency"], frame["T"])


@clv_app.command("fit")
def clv_fit(
    source: SourceArg,
    model: Annotated[str, typer.Option(help="bgnbd, pareto-nbd or gamma-gamma")] = "bgnbd",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    period: PeriodOption = "week",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    engine: EngineOption = "duckdb",
) -> None:
    """Fit a lifetime model; parameters with standard errors and the log-likelihood."""
    fitted = _run(lambda: _fit(model, _rft(source, period, calibration_end, engine)))
    if as_json:
        typer.echo(json.dumps(fitted.summary()))
        return
    table = Table(
        title=f"{fitted.name}: {fitted.n_customers_} customers,"
        f" log-likelihood {fitted.log_likelihood_:.2f}"
    )
    table.add_column("parameter")
    table.add_column("estimate")
    table.add_column("std. error")
    for name, value in fitted.params_.items():
        table.add_row(name, f"{value:.4f}", f"{fitted.standard_errors_[name]:.4f}")
    out.print(table)
    if fitted.weakly_identified_:
        out.print(
            f"[yellow]{', '.join(fitted.weakly_identified_)}: standard error larger than the"
            " estimate; the data pins this down poorly (more customers would help; a"
            " parameter running off along a ridge is a limit case, not a value)[/]"
        )


@clv_app.command("validate")
def clv_validate(
    source: SourceArg,
    calibration_end: Annotated[str, typer.Option()],
    model: Annotated[str, typer.Option()] = "bgnbd",
    period: PeriodOption = "week",
    engine: EngineOption = "duckdb",
) -> None:
    """Fit on the calibration window; predicted vs actual purchases in the holdout."""
    from patron.analytics.clv.validation import holdout_report

    frame = _run(lambda: _rft(source, period, calibration_end, engine))
    if "frequency_holdout" not in frame.columns:
        raise _fail("validation needs a purchases file or the store, not a summary")
    fitted = _run(lambda: _fit(model, frame))
    report = holdout_report(
        fitted,
        frame["frequency"],
        frame["recency"],
        frame["T"],
        frame["frequency_holdout"],
        float(frame["duration_holdout"].iloc[0]),
    )
    table = Table(
        title=f"{fitted.name}: holdout of {frame['duration_holdout'].iloc[0]:.1f} {period}s"
    )
    for column in ("calibration frequency", "customers", "actual (mean)", "predicted (mean)"):
        table.add_column(column)
    for b in report.buckets:
        table.add_row(b.frequency, str(b.customers), f"{b.actual:.3f}", f"{b.predicted:.3f}")
    out.print(table)
    out.print(
        f"total: actual {report.actual_total:.0f}, predicted {report.predicted_total:.1f}"
        f" ({report.relative_error:+.1%})"
    )


@clv_app.command("predict")
def clv_predict(
    source: SourceArg,
    out_path: OutOption = None,
    horizon: Annotated[int, typer.Option(min=1, max=10_000)] = 52,
    model: Annotated[str, typer.Option()] = "bgnbd",
    period: PeriodOption = "week",
    margin: Annotated[float, typer.Option(min=0, max=1)] = 1.0,
    discount_rate: Annotated[float, typer.Option(min=0)] = 0.0,
    engine: EngineOption = "duckdb",
) -> None:
    """Per customer: expected purchases over the horizon, P(alive), expected spend, CLV."""
    from patron.analytics.clv.value import discounted_clv

    frame = _run(lambda: _rft(source, period, None, engine))
    purchases = _run(lambda: _fit(model, frame))
    x, t, T = frame["frequency"], frame["recency"], frame["T"]
    frame["expected_purchases"] = purchases.expected_purchases(float(horizon), x, t, T)
    frame["p_alive"] = purchases.probability_alive(x, t, T)
    if frame["monetary_value"].notna().any():
        spend = _run(lambda: _fit("gamma-gamma", frame))
        m = frame["monetary_value"].fillna(0)
        frame["expected_spend"] = spend.expected_spend(x, m)
        frame["clv"] = discounted_clv(
            purchases,
            spend,
            x,
            t,
            T,
            m,
            horizon=horizon,
            margin=margin,
            discount_rate=discount_rate,
        )
    columns = [
        c
        for c in (
            "customer_id",
            "frequency",
            "recency",
            "T",
            "expected_purchases",
            "p_alive",
            "expected_spend",
            "clv",
        )
        if c in frame.columns
    ]
    _emit(frame[columns], out_path, f"predictions over {horizon} {period}s")


@analytics_app.command("crosssell")
def crosssell_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_support: Annotated[float, typer.Option(help="least share of baskets with both")] = 0.0,
    top: Annotated[int, typer.Option(help="how many rules, highest lift first")] = 20,
) -> None:
    """Category pairs bought together (baskets = purchases): support, confidence, lift."""
    from patron.analytics.crosssell import category_pairs

    frame = _run(
        lambda: category_pairs(_source(source), min_support=min_support, top=top).to_pandas()
    )
    _emit(frame, out_path, "category pairs")


@analytics_app.command("next-categories")
def next_categories_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_share: Annotated[
        float, typer.Option(help="least share of the segment that bought the category")
    ] = 0.5,
) -> None:
    """Per customer: categories their RFM segment buys that they never bought."""
    from patron.analytics.crosssell import next_categories

    frame = _run(lambda: next_categories(_source(source), min_share=min_share).to_pandas())
    _emit(frame, out_path, "next categories")
