"""`patron analytics …`: the analyst's views of a purchase history (summary, RFM, A/B/C,
Pareto, cohorts, KPIs, cross-sell).

SOURCE is a CSV or Parquet file of purchases or the word `store` (see sources.py), a CSV
read with the import's options (--map, --date-format, --encoding, --delimiter,
--decimal-comma); each command imports its analytics module, and with it Ibis and
DuckDB, when it runs. Every command prints as `--format` asks (cli/present.py: a table
to read, or CSV / JSON for programs), says as of which day, and writes every row to
`--out`; the per-customer lists of the store carry each member's name, e-mail and
consent (analytics/contacts.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

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
    print_frame,
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
    err,
    parse_date,
    read_source,
    run,
)

if TYPE_CHECKING:
    from patron.analytics.frames import Source

analytics_app = typer.Typer(help="Customer analytics on a purchase history.", no_args_is_help=True)

TO_LAST = "the last purchase in the data; purchases on it count"


class Opened:
    """A command's source, read, with the currency of its amounts and how to show them."""

    def __init__(self, name: str, source: Source, shown: View) -> None:
        self.name, self.source = name, source
        self.shown = View(
            shown.format, shown.limit, shown.all, currency_of(name, source, shown.currency)
        )

    @property
    def is_store(self) -> bool:
        return self.name == "store"

    def last_day(self) -> Measured:
        """The day of the last purchase, the day a table without a period is measured to."""
        from patron.analytics.summary import last_purchase

        return Measured(run(lambda: last_purchase(self.source)).date().isoformat(), TO_LAST)


def _open(
    source: str,
    engine: str,
    reading: FileOptions,
    shown: View,
) -> Opened:
    return Opened(source, run(lambda: read_source(source, engine, reading)), shown)


def _contacts(opened: Opened, table: Any, order: list[Any]) -> Any:
    """`table` with the members' name, e-mail and consent for the store; a file's as it
    is, with a word on stderr."""
    if not opened.is_store:
        err.print(
            f"{opened.name} holds no members: the list has customer ids only (name, e-mail"
            " and consent come with SOURCE `store`)",
            highlight=False,
            soft_wrap=True,
        )
        return table
    from patron.analytics.contacts import with_contacts

    return with_contacts(table, order)


def _emit(frame: Any, out_path: Path | None, table: str) -> None:
    if out_path is not None:
        write_out(frame, out_path, table)


@analytics_app.command("summary")
def summary_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    period: PeriodOption = "week",
    calibration_end: Annotated[str | None, typer.Option()] = None,
    observation_end: Annotated[str | None, typer.Option()] = None,
    engine: EngineOption = "duckdb",
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
    """One row per customer: first/last purchase, frequency, recency, T, spend, margin..."""
    shown = view(fmt, limit, all_rows, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.summary import customer_summary

    opened = _open(source, engine, reading, shown)
    end = parse_date(observation_end, "--observation-end")
    frame = run(
        lambda: customer_summary(
            opened.source,
            period=period,
            calibration_end=parse_date(calibration_end, "--calibration-end"),
            observation_end=end,
        ).to_pandas()
    )
    _emit(frame, out_path, "summary")
    as_of = Measured(end.date().isoformat(), "--observation-end") if end else opened.last_day()
    print_frame(
        frame,
        "summary",
        opened.shown,
        title=f"customer summary: {len(frame):,} customers, recency and T in {period}s",
        as_of=as_of,
    )


@analytics_app.command("rfm")
def rfm_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    bins: Annotated[int, typer.Option(min=2, max=10)] = 5,
    engine: EngineOption = "duckdb",
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
    """RFM scores and named segments, with counts and revenue share; from the store, each
    member's name, e-mail and consent (a list to use). csv and --out hold the scores,
    json the scores and the segments."""
    shown = view(fmt, limit, all_rows, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.rfm import rfm, segment_counts

    opened = _open(source, engine, reading, shown)
    scores = run(lambda: rfm(opened.source, bins=bins))
    listed = _contacts(opened, scores, ["customer_id"])
    frame = run(lambda: listed.to_pandas())
    segments = records(run(lambda: segment_counts(scores).to_pandas()))
    _emit(frame, out_path, "rfm")
    as_of = opened.last_day()
    if opened.shown.format == "json":
        from patron.analytics.columns import encode_rows

        extra = {"segments": encode_rows("segments", segments)}
        print_frame(frame, "rfm", opened.shown, title="", as_of=as_of, extra=extra)
        return
    title = f"RFM scores: {len(frame):,} customers, {bins} bins"
    print_frame(frame, "rfm", opened.shown, title=title, as_of=as_of)
    if opened.shown.format == "table":
        say("")
        every = View("table", None, True, opened.shown.currency)
        print_rows(segments, "segments", every, title="segments")


@analytics_app.command("abc")
def abc_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    config: Annotated[Path | None, typer.Option(help="TOML: weights and class shares")] = None,
    engine: EngineOption = "duckdb",
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
    """A/B/C classes on weighted criteria (volume, growth, payment speed, margin, loyalty);
    from the store, each member's name, e-mail and consent."""
    shown = view(fmt, limit, all_rows, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    import ibis

    from patron.analytics.abc import abc_classes, load_config

    settings = run(lambda: load_config(config)) if config else None
    opened = _open(source, engine, reading, shown)
    table = run(lambda: abc_classes(opened.source, settings))
    table = _contacts(opened, table, [ibis.desc("score"), "customer_id"])
    frame = run(lambda: table.to_pandas())
    _emit(frame, out_path, "abc")
    title = f"A/B/C classes: {len(frame):,} customers, best score first"
    print_frame(frame, "abc", opened.shown, title=title, as_of=opened.last_day())


@analytics_app.command("pareto")
def pareto_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    engine: EngineOption = "duckdb",
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
    """Share of revenue from the top customers (the 80/20 check) and the curve."""
    shown = view(fmt, limit, all_rows, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.pareto import pareto_curve, top_share

    opened = _open(source, engine, reading, shown)
    frame = run(lambda: pareto_curve(opened.source).to_pandas())
    share = float(run(lambda: top_share(opened.source)))
    _emit(frame, out_path, "pareto")
    print_frame(
        frame,
        "pareto",
        opened.shown,
        title="Pareto curve: revenue share of the best customers, a tenth at a time",
        as_of=opened.last_day(),
        extra={"top_20_percent_share": share},
    )
    if opened.shown.format == "table":
        say(f"top 20% of customers bring {share:.1%} of revenue")


@analytics_app.command("cohorts")
def cohorts_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    engine: EngineOption = "duckdb",
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
    """Retention by first-purchase month: the cohort triangle (a row per month of first
    purchase, a column per month since, the share of the cohort that bought). csv, json
    and --out give one row per cohort and month since (cohort_month, months_since,
    customers, size, retention)."""
    shown = view(fmt, limit, all_rows, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.cohorts import cohort_retention

    opened = _open(source, engine, reading, shown)
    frame = run(lambda: cohort_retention(opened.source).to_pandas())
    _emit(frame, out_path, "cohorts")
    if opened.shown.format != "table":
        print_frame(frame, "cohorts", opened.shown, title="", as_of=opened.last_day())
        return
    from patron.cli.cohort_triangle import print_triangle

    print_triangle(records(frame), opened.shown, as_of=opened.last_day())


@analytics_app.command("kpis")
def kpis_cmd(
    source: SourceArg,
    start: Annotated[str, typer.Option(help="YYYY-MM-DD: the period's first day")],
    end: Annotated[
        str,
        typer.Option(
            help="YYYY-MM-DD: the day AFTER the period (not included): --start 2025-04-01"
            " --end 2025-07-01 is April to June"
        ),
    ],
    compare_previous: Annotated[
        bool, typer.Option("--compare", help="also the period of the same length just before")
    ] = False,
    engine: EngineOption = "duckdb",
    fmt: FormatOption = "table",
    currency: CurrencyOption = None,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """KPIs of the period [--start, --end): --end is exclusive, the period ends the day
    before it. Customers, frequency, basket, repurchase, retention, churn; with
    --compare, the previous period and the change in %."""
    shown = view(fmt, None, False, currency)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.kpis import period_kpis
    from patron.cli.kpi_table import print_kpis

    begin, finish = parse_date(start, "--start"), parse_date(end, "--end")
    assert begin is not None and finish is not None
    opened = _open(source, engine, reading, shown)
    current = run(lambda: period_kpis(opened.source, begin, finish))
    previous = None
    if compare_previous:
        previous = run(lambda: period_kpis(opened.source, begin - (finish - begin), begin))
    print_kpis(current, previous, opened.shown)


@analytics_app.command("crosssell")
def crosssell_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_support: Annotated[float, typer.Option(help="least share of baskets with both")] = 0.0,
    top: Annotated[int, typer.Option(help="how many rules, highest lift first")] = 20,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Category pairs bought together (baskets = purchases): support, confidence, lift."""
    shown = view(fmt, limit, all_rows, None)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    from patron.analytics.crosssell import category_pairs

    opened = _open(source, "duckdb", reading, shown)
    frame = run(lambda: category_pairs(opened.source, min_support=min_support, top=top).to_pandas())
    _emit(frame, out_path, "crosssell")
    title = f"category pairs: the {len(frame):,} of highest lift (--top {top})"
    print_frame(frame, "crosssell", opened.shown, title=title, as_of=opened.last_day())


@analytics_app.command("next-categories")
def next_categories_cmd(
    source: SourceArg,
    out_path: OutOption = None,
    min_share: Annotated[
        float, typer.Option(help="least share of the segment that bought the category")
    ] = 0.5,
    fmt: FormatOption = "table",
    limit: LimitOption = None,
    all_rows: AllOption = False,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
) -> None:
    """Per customer: categories their RFM segment buys that they never bought; from the
    store, each member's name, e-mail and consent (a list to use)."""
    shown = view(fmt, limit, all_rows, None)
    reading = FileOptions(map_, date_format, encoding, delimiter, decimal_comma)
    import ibis

    from patron.analytics.crosssell import next_categories

    opened = _open(source, "duckdb", reading, shown)
    table = run(lambda: next_categories(opened.source, min_share=min_share))
    order = ["customer_id", ibis.desc("segment_share"), "category"]
    frame = run(lambda: _contacts(opened, table, order).to_pandas())
    _emit(frame, out_path, "next_categories")
    title = (
        f"next categories: {len(frame):,} offers to {frame['customer_id'].nunique():,} customers"
    )
    print_frame(frame, "next_categories", opened.shown, title=title, as_of=opened.last_day())
