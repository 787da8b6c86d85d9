"""`patron analytics …`: the analyst's views of a purchase history (summary, RFM, A/B/C,
Pareto, cohorts, KPIs, cross-sell).

SOURCE is a CSV or Parquet file of purchases or the word `store` (see sources.py), a CSV
read with the import's options (--map, --date-format, --encoding, --delimiter,
--decimal-comma); each command imports its analytics module, and with it Ibis and
DuckDB, when it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

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
    out,
    parse_date,
    read_source,
    run,
)

analytics_app = typer.Typer(help="Customer analytics on a purchase history.", no_args_is_help=True)


@analytics_app.command("summary")
def summary_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    period: PeriodOption = "week",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    observation_end: Annotated[str | None, typer.Option()] = None,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """One row per customer: first/last purchase, frequency, recency, T, spend, margin..."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.summary import customer_summary

    frame = run(
        lambda: customer_summary(
            read_source(source, engine, reading),
            period=period,
            calibration_end=parse_date(calibration_end, "--calibration-end"),
            observation_end=parse_date(observation_end, "--observation-end"),
        ).to_pandas()
    )
    emit(frame, out_path, "customer summary")


@analytics_app.command("rfm")
def rfm_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    bins: Annotated[int, typer.Option(min=2, max=10)] = 5,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """RFM scores and named segments, with counts and revenue share."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.rfm import rfm, segment_counts

    scores = run(lambda: rfm(read_source(source, engine, reading), bins=bins))
    emit(scores.to_pandas(), out_path, "RFM scores")
    emit(segment_counts(scores).to_pandas(), None, "segments")


@analytics_app.command("abc")
def abc_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    config: Annotated[Path | None, typer.Option(help="TOML: weights and class shares")] = None,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """A/B/C classes on weighted criteria (volume, growth, payment speed, margin, loyalty)."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.abc import abc_classes, load_config

    settings = run(lambda: load_config(config)) if config else None
    table = run(lambda: abc_classes(read_source(source, engine, reading), settings))
    emit(table.to_pandas(), out_path, "A/B/C classes")


@analytics_app.command("pareto")
def pareto_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Share of revenue from the top customers (the 80/20 check) and the curve."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.pareto import pareto_curve, top_share

    src = run(lambda: read_source(source, engine, reading))
    emit(pareto_curve(src).to_pandas(), out_path, "Pareto curve")
    out.print(f"top 20% of customers bring {top_share(src):.1%} of revenue")


@analytics_app.command("cohorts")
def cohorts_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Retention by first-purchase month."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.cohorts import cohort_retention

    emit(
        run(lambda: cohort_retention(read_source(source, engine, reading)).to_pandas()),
        out_path,
        "cohorts",
    )


@analytics_app.command("kpis")
def kpis_cmd(
    source: SourceArg,
    start: Annotated[str, typer.Option()],
    end: Annotated[str, typer.Option()],
    compare_previous: Annotated[bool, typer.Option("--compare")] = False,
    engine: EngineOption = "duckdb",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """KPIs of a period (customers, frequency, basket, repurchase, retention, churn)."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.kpis import compare, period_kpis

    begin, finish = parse_date(start, "--start"), parse_date(end, "--end")
    assert begin is not None and finish is not None
    src = run(lambda: read_source(source, engine, reading))
    current = run(lambda: period_kpis(src, begin, finish))
    if compare_previous:
        previous = period_kpis(src, begin - (finish - begin), begin)
        out.print_json(json.dumps(compare(current, previous)))
    else:
        out.print_json(json.dumps(current.as_dict()))


@analytics_app.command("crosssell")
def crosssell_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_support: Annotated[float, typer.Option(help="least share of baskets with both")] = 0.0,
    top: Annotated[int, typer.Option(help="how many rules, highest lift first")] = 20,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Category pairs bought together (baskets = purchases): support, confidence, lift."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.crosssell import category_pairs

    frame = run(
        lambda: category_pairs(
            read_source(source, options=reading), min_support=min_support, top=top
        ).to_pandas()
    )
    emit(frame, out_path, "category pairs")


@analytics_app.command("next-categories")
def next_categories_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_share: Annotated[
        float, typer.Option(help="least share of the segment that bought the category")
    ] = 0.5,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Per customer: categories their RFM segment buys that they never bought."""
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.crosssell import next_categories

    frame = run(
        lambda: next_categories(
            read_source(source, options=reading), min_share=min_share
        ).to_pandas()
    )
    emit(frame, out_path, "next categories")
