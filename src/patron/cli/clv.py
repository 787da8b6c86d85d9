"""`patron clv …`: fit, validate and apply customer lifetime value models (BG/NBD,
Pareto/NBD, Gamma-Gamma).

SOURCE is a purchases file, `store`, or a CSV summary with columns
frequency,recency,T[,monetary_value]. Every command goes through analytics/lifetime.py:
the engine counts the customers of each distinct (frequency, recency, T) and the model is
fitted on the counts. The analytics stack is imported when a command runs; `clv fit`
imports no pandas.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from patron.cli.file_options import (
    DateFormatOption,
    DecimalCommaOption,
    DelimiterOption,
    EncodingOption,
    MapOption,
)
from patron.cli.sources import (
    EngineOption,
    FileOptions,
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

clv_app = typer.Typer(help="Customer lifetime value models.", no_args_is_help=True)


def _customers(
    source: str,
    period: str,
    calibration_end: str | None,
    engine: str,
    spend: bool = False,
    reading: FileOptions | None = None,
) -> tuple[Any, bool]:
    """The customers of SOURCE as an Ibis table (analytics/lifetime.py), and whether
    SOURCE was a summary (one row per customer already) rather than purchases."""
    from patron.analytics import lifetime

    summary = lifetime.summary_file(source)
    if summary is not None:
        return summary, True
    purchases = lifetime.customers(
        read_source(source, engine, reading),
        period=period,
        calibration_end=parse_date(calibration_end, "--calibration-end"),
        spend=spend,
    )
    return purchases, False


@clv_app.command("fit")
def clv_fit(
    source: SourceArg,
    model: Annotated[str, typer.Option(help="bgnbd, pareto-nbd or gamma-gamma")] = "bgnbd",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    period: PeriodOption = "week",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Fit a lifetime model; parameters with standard errors and the log-likelihood."""
    from patron.analytics import lifetime
    from patron.analytics.clv.registry import model_named

    run(lambda: model_named(model))  # an unknown name is refused before any reading
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)

    def fit() -> Any:
        customers, _ = _customers(
            source, period, calibration_end, engine, lifetime.needs_spend(model), reading
        )
        return lifetime.fit(model, customers)

    fitted = run(fit)
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
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Fit on the calibration window; predicted vs actual purchases in the holdout."""
    from patron.analytics import lifetime
    from patron.analytics.clv.registry import purchase_model_named
    from patron.analytics.clv.validation import holdout_report

    unfitted = run(lambda: purchase_model_named(model))
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    customers, _ = run(lambda: _customers(source, period, calibration_end, engine, reading=reading))
    if "frequency_holdout" not in customers.columns:
        raise fail("validation needs a purchases file or the store, not a summary")
    rows = run(lambda: lifetime.counts(customers, lifetime.HOLDOUT))
    fitted = run(lambda: lifetime.fit_counts(unfitted, rows))
    duration = float(rows["duration_holdout"][0])
    report = holdout_report(
        fitted,
        rows["frequency"],
        rows["recency"],
        rows["T"],
        rows["frequency_holdout"],
        duration,
        weights=rows[lifetime.COUNT],
    )
    table = Table(title=f"{fitted.name}: holdout of {duration:.1f} {period}s")
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
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Per customer: expected purchases over the horizon, P(alive), expected spend, CLV."""
    from patron.analytics import lifetime
    from patron.analytics.clv.registry import purchase_model_named
    from patron.analytics.clv.value import discounted_clv

    run(lambda: purchase_model_named(model))
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    customers, summary = run(lambda: _customers(source, period, None, engine, True, reading))
    purchases = run(lambda: lifetime.fit_purchases(model, customers))
    frame = (customers if summary else customers.order_by("customer_id")).to_pandas()
    x, t, T = frame["frequency"], frame["recency"], frame["T"]
    frame["expected_purchases"] = purchases.expected_purchases(float(horizon), x, t, T)
    frame["p_alive"] = purchases.probability_alive(x, t, T)
    if "monetary_value" in frame.columns and frame["monetary_value"].notna().any():
        spend = run(lambda: lifetime.fit_spend(customers))
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
