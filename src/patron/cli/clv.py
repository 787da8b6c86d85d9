"""`patron clv …`: fit, validate and apply customer lifetime value models (BG/NBD,
Pareto/NBD, Gamma-Gamma).

SOURCE is a purchases file, `store`, or a CSV summary with columns
frequency,recency,T[,monetary_value]. pandas and SciPy are imported when a command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from patron.cli.sources import (
    EngineOption,
    OutOption,
    PeriodOption,
    SourceArg,
    emit,
    fail,
    out,
    parse_date,
    read_source,
    run,
)
from patron.domain.errors import InvalidInput

clv_app = typer.Typer(help="Customer lifetime value models.", no_args_is_help=True)


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
        read_source(source, engine),
        period=period,
        calibration_end=parse_date(calibration_end, "--calibration-end"),
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
    fitted = run(lambda: _fit(model, _rft(source, period, calibration_end, engine)))
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

    frame = run(lambda: _rft(source, period, calibration_end, engine))
    if "frequency_holdout" not in frame.columns:
        raise fail("validation needs a purchases file or the store, not a summary")
    fitted = run(lambda: _fit(model, frame))
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

    frame = run(lambda: _rft(source, period, None, engine))
    purchases = run(lambda: _fit(model, frame))
    x, t, T = frame["frequency"], frame["recency"], frame["T"]
    frame["expected_purchases"] = purchases.expected_purchases(float(horizon), x, t, T)
    frame["p_alive"] = purchases.probability_alive(x, t, T)
    if frame["monetary_value"].notna().any():
        spend = run(lambda: _fit("gamma-gamma", frame))
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
    emit(frame[columns], out_path, f"predictions over {horizon} {period}s")
