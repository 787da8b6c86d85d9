"""`patron clv …`: fit, validate and apply customer lifetime value models (BG/NBD,
MBG/NBD, Pareto/NBD, Gamma-Gamma).

SOURCE is a purchases file, `store`, or a CSV summary with columns
frequency,recency,T[,monetary_value]. Every command goes through analytics/lifetime.py:
the engine counts the customers of each distinct (frequency, recency, T) and the model is
fitted on the counts. The analytics stack is imported when a command runs; `clv fit`
imports no pandas.

Every command measures to one day, printed with its result: `--as-of`, or by default
today for `store` and the day of the last purchase for a file (analytics/lifetime.py
says why). `clv predict` uses the purchase model the holdout validation ranks best
unless `--model` names one, and says which.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
from rich import box
from rich.table import Table

from patron.cli.file_options import (
    DateFormatOption,
    DecimalCommaOption,
    DelimiterOption,
    EncodingOption,
    MapOption,
)
from patron.cli.present import (
    AllOption,
    CurrencyOption,
    FormatOption,
    LimitOption,
    Measured,
    View,
    console,
    print_rows,
    records,
    say,
    view,
    write_out,
)
from patron.cli.sources import (
    EngineOption,
    FileOptions,
    OutOption,
    PeriodOption,
    SourceArg,
    currency_of,
    fail,
    parse_date,
    read_source,
    run,
)

if TYPE_CHECKING:
    from patron.analytics.frames import Source
    from patron.analytics.lifetime import AsOf

clv_app = typer.Typer(help="Customer lifetime value models.", no_args_is_help=True)

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="YYYY-MM-DD: measure every customer to this day (purchases on it count);"
        " default today for `store`, the day of the last purchase for a file",
    ),
]
DiscountOption = Annotated[
    float,
    typer.Option(
        min=0,
        help="ANNUAL discount rate (0.1 = 10% a year), converted to the period:"
        " (1+rate)^(days per period/365.25) - 1, e.g. 0.183% a week for 0.1",
    ),
]


class Customers(NamedTuple):
    """The customers of SOURCE as an Ibis table (analytics/lifetime.py), whether SOURCE
    was a summary (one row per customer already) rather than purchases, the purchases
    themselves (None for a summary) and the day they are measured to (None for a
    summary, whose T the file gives)."""

    table: Any
    summary: bool
    source: Source | None
    as_of: AsOf | None


def _today() -> date:
    """The store's today (UTC, as the store keeps time)."""
    from patron.domain.clock import utcnow

    return utcnow().date()


def _as_of(source: str, purchases: Source, as_of: str | None) -> AsOf:
    """The day of `--as-of`, or the default: today for the store, the day of the last
    purchase for a file."""
    from patron.analytics import lifetime

    given = parse_date(as_of, "--as-of")
    day = given.date() if given is not None else None
    if source == "store":
        return lifetime.store_as_of(day, _today())
    return lifetime.file_as_of(purchases, day)


def _customers(
    source: str,
    period: str,
    calibration_end: str | None,
    engine: str,
    spend: bool = False,
    as_of: str | None = None,
    reading: FileOptions | None = None,
) -> Customers:
    """The customers of SOURCE, measured to its as_of day (or cut at the calibration
    end, with the holdout running to that day)."""
    from patron.analytics import lifetime

    summary = lifetime.summary_file(source)
    if summary is not None:
        if as_of is not None:
            raise fail("--as-of needs purchases: a summary's T is already measured to its end")
        return Customers(summary, True, None, None)
    purchases = read_source(source, engine, reading)
    day = _as_of(source, purchases, as_of)
    cut = parse_date(calibration_end, "--calibration-end")
    if cut is not None and cut.date() >= day.day:
        raise fail(f"--calibration-end {cut.date()} must come before the as-of day {day}")
    table = lifetime.customers(
        purchases, period=period, observation_end=day.end, calibration_end=cut, spend=spend
    )
    return Customers(table, False, purchases, day)


def _as_of_text(customers: Customers) -> Measured:
    if customers.as_of is None:
        return Measured(None, "the end of the summary's observation (the T it gives)")
    return Measured(customers.as_of.day.isoformat(), customers.as_of.rule)


def _say_as_of(customers: Customers) -> str:
    return f"as of {_as_of_text(customers)}"


@clv_app.command("fit")
def clv_fit(
    source: SourceArg,
    model: Annotated[str, typer.Option(help="bgnbd, mbgnbd, pareto-nbd or gamma-gamma")] = "bgnbd",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    period: PeriodOption = "week",
    as_json: Annotated[bool, typer.Option("--json", help="the same as --format json")] = False,
    fmt: FormatOption = "table",
    engine: EngineOption = "duckdb",
    as_of: AsOfOption = None,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Fit a lifetime model: parameters with standard errors and units, the
    log-likelihood, and what the parameters mean for the shop's customers."""
    from patron.analytics import lifetime
    from patron.analytics.clv.reading import plain_reading, units
    from patron.analytics.clv.registry import model_named
    from patron.analytics.summary import period_days

    shown = view("json" if as_json else fmt, None, False, None)
    run(lambda: model_named(model))  # an unknown name is refused before any reading
    days = run(lambda: period_days(period))
    options = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    customers: Customers = run(
        lambda: _customers(
            source, period, calibration_end, engine, lifetime.needs_spend(model), as_of, options
        )
    )
    fitted = run(lambda: lifetime.fit(model, customers.table))
    # the parameters describe the customers as of the calibration end when one is given
    cut = parse_date(calibration_end, "--calibration-end")
    day = cut.date() if cut else customers.as_of.day if customers.as_of else None
    measured = f"as of {day} (--calibration-end)" if cut else _say_as_of(customers)
    unit = units(fitted, period)
    reading = plain_reading(fitted, period, days)
    if shown.format == "csv":
        print_rows(
            [
                {"parameter": k, "estimate": v, "std_error": fitted.standard_errors_[k],
                 "unit": unit[k]}
                for k, v in fitted.params_.items()
            ],
            "parameters",
            shown,
            title="",
        )  # fmt: skip
        return
    if shown.format == "json":
        typer.echo(
            json.dumps(
                {
                    **fitted.summary(),
                    "as_of": day.isoformat() if day else None,
                    "time_unit": period,
                    "period_days": days,
                    "units": unit,
                    "reading": reading,
                }
            )
        )
        return
    say(
        f"{fitted.name}: {fitted.n_customers_:,} customers,"
        f" log-likelihood {fitted.log_likelihood_:,.2f}, {measured}"
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("parameter")
    table.add_column("estimate")
    table.add_column("std. error")
    table.add_column("unit")
    for name, value in fitted.params_.items():
        table.add_row(name, f"{value:.4f}", f"{fitted.standard_errors_[name]:.4f}", unit[name])
    console().print(table)
    say(f"time unit: {period} ({days:g} days)")
    for line in reading:
        say(line)
    if fitted.weakly_identified_:
        console().print(
            f"[yellow]{', '.join(fitted.weakly_identified_)}: standard error larger than the"
            " estimate; the data pins this down poorly (more customers would help; a"
            " parameter running off along a ridge is a limit case, not a value)[/]"
        )


@clv_app.command("validate")
def clv_validate(
    source: SourceArg,
    calibration_end: Annotated[str, typer.Option()],
    model: Annotated[str, typer.Option(help="bgnbd, mbgnbd or pareto-nbd")] = "bgnbd",
    period: PeriodOption = "week",
    engine: EngineOption = "duckdb",
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Fit on the calibration window; predicted vs actual purchases in the holdout
    (which runs to the as-of day), by calibration frequency (mean per customer)."""
    shown = view(fmt, None, False, None)
    from patron.analytics import lifetime
    from patron.analytics.clv.registry import purchase_model_named
    from patron.analytics.clv.validation import holdout_report

    unfitted = run(lambda: purchase_model_named(model))
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    read: Customers = run(
        lambda: _customers(source, period, calibration_end, engine, as_of=as_of, reading=reading)
    )
    customers = read.table
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
    buckets = [
        {"calibration_frequency": b.frequency, "customers": b.customers, "actual": b.actual,
         "predicted": b.predicted}
        for b in report.buckets
    ]  # fmt: skip
    totals = {
        "model": fitted.name,
        "holdout_periods": duration,
        "actual_total": report.actual_total,
        "predicted_total": report.predicted_total,
        "relative_error": report.relative_error,
    }
    title = f"{fitted.name}: holdout of {duration:.1f} {period}s, purchases per customer (mean)"
    print_rows(buckets, "holdout", shown, title=title, as_of=_as_of_text(read), extra=totals)
    if shown.format == "table":
        say(
            f"total: actual {report.actual_total:,.0f}, predicted {report.predicted_total:,.1f}"
            f" ({report.relative_error:+.1%})"
        )


@clv_app.command("predict")
def clv_predict(
    source: SourceArg,
    out_path: OutOption = None,
    horizon: Annotated[int, typer.Option(min=1, max=10_000)] = 52,
    model: Annotated[
        str,
        typer.Option(
            help="auto (the model the holdout validation ranks best among bgnbd, mbgnbd"
            " and pareto-nbd), or one of them"
        ),
    ] = "auto",
    period: PeriodOption = "week",
    margin: Annotated[float, typer.Option(min=0, max=1)] = 1.0,
    discount_rate: DiscountOption = 0.0,
    engine: EngineOption = "duckdb",
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
    currency: CurrencyOption = None,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Per customer: expected purchases over the horizon, P(alive), expected spend, CLV;
    with the as-of day and the model used."""
    from patron.analytics import lifetime
    from patron.analytics.clv.registry import purchase_model_named
    from patron.analytics.clv.value import discounted_clv, period_rate
    from patron.analytics.summary import period_days

    shown = view(fmt, limit, all_rows, currency)
    if model != "auto":
        run(lambda: purchase_model_named(model))
    days = run(lambda: period_days(period))
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    read: Customers = run(lambda: _customers(source, period, None, engine, True, as_of, reading))
    customers = read.table
    choice = run(lambda: _choose(model, read, period))
    purchases = choice.model
    frame = (customers if read.summary else customers.order_by("customer_id")).to_pandas()
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
            period_days=days,
            margin=margin,
            annual_discount_rate=discount_rate,
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
    result = frame[columns].copy()
    # the day and the model travel with the figures, into the file too
    result["as_of"] = read.as_of.day.isoformat() if read.as_of else None
    result["model"] = purchases.name
    if out_path is not None:
        write_out(result, out_path, "predictions")
    shown = View(shown.format, shown.limit, shown.all, currency_of(source, read.source, currency))
    rate = period_rate(discount_rate, days)
    if shown.format == "table":
        say(choice.explanation())
        if discount_rate:
            say(f"discount: {discount_rate:.2%} a year = {rate:.4%} a {period}")
    print_rows(
        records(result),
        "predictions",
        shown,
        title=f"predictions over {horizon} {period}s: {len(result):,} customers",
        as_of=_as_of_text(read),
        extra={"model": purchases.name, "model_choice": choice.explanation(),
               "discount_rate_per_period": rate},
    )  # fmt: skip


def _choose(model: str, read: Customers, period: str) -> Any:
    """The purchase model for `clv predict`: the one named, or (auto) the holdout's
    best by the rule the API's member insights follow (`lifetime.choose_for`), so both
    give the same model and figures for the same data and day."""
    from patron.analytics import lifetime

    if model != "auto":
        fitted = lifetime.fit_purchases(model, read.table)
        return lifetime.Choice(fitted, "asked")
    if read.source is None or read.as_of is None:  # a summary: no dates, no holdout
        return lifetime.choose_purchase_model(read.table, None)
    return lifetime.choose_for(read.source, read.as_of.day, period)
