"""Where purchase histories come from, as one Ibis table whatever the engine.

Every analytics table is an Ibis expression over a *purchases* table with these columns,
so the same code runs in DuckDB (CSV and Parquet files), in the SQLite or PostgreSQL
store, and in any other engine Ibis speaks (Spark among them):

    customer_id  string       the business's customer id
    order_id     string       one row per purchase (rows of a file with the same order
                              id are lines of one purchase and are added up)
    occurred_at  timestamp
    amount       float64      money spent on the purchase
    cost         float64      cost of goods, null where unknown (margin)
    channel, payment_method, promotion_code   strings, may be null
    days_to_pay  float64      for invoiced purchases: calendar days from the purchase's
                              day to the payment's (a file's `paid_at`, the store's
                              `purchases.paid_at`); null where unpaid or not invoiced

and optionally a *lines* table (customer_id, order_id, sku, category) for product counts.

A CSV file is read by Patron's file reader, the import's (analytics/csv_purchases.py:
encoding, delimiter, dates and decimal commas as `FileFormat` says or the file shows),
into DuckDB; a Parquet file by DuckDB itself. Spark (`engine="spark"`) reads either
file itself when the data outgrows this machine: the same expressions then run on the
cluster whose master URL the caller gives (`local[2]` runs Spark in this process's JVM
with two threads). Spark honours a given encoding and delimiter, and refuses what it
cannot do as the reader does (a --date-format, a decimal comma).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.common.exceptions import TableNotFound

from patron.analytics.csv_purchases import FileReading, read_purchases_csv
from patron.domain.earning import NO_SKU
from patron.domain.errors import InvalidInput
from patron.domain.purchase_columns import ANALYTICS_ONLY, OPTIONAL, REQUIRED
from patron.files import FileFormat

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"


@dataclass(frozen=True)
class Source:
    purchases: ir.Table
    lines: ir.Table | None
    # optional columns the data does not have (all null): their figures are skipped
    absent: frozenset[str] = frozenset()
    # a CSV file's rows left out (unreadable), and how it was read where guessed
    reading: FileReading | None = None

    @property
    def has_channel(self) -> bool:
        return "channel" not in self.absent


def open_source(
    source: str,
    *,
    database_url: str | None = None,
    mapping: dict[str, str] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    file_format: FileFormat | None = None,
) -> Source:
    """A CSV or Parquet file of purchases (a CSV read as `file_format` says, what it
    does not say read from the file), or `store` (the configured database, computed in
    SQLite or PostgreSQL)."""
    if engine not in ENGINES:
        raise InvalidInput(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if source == "store":
        if engine != "duckdb":
            raise InvalidInput(
                "`store` is computed in the store's own database; --engine spark reads"
                " CSV or Parquet files (export the purchases, or drop --engine)"
            )
        if not database_url:
            raise InvalidInput("no database URL configured for the store")
        return from_store(connect_store(database_url))
    path = Path(source)
    remote = engine == "spark" and "://" in source  # hdfs://, s3a://: the cluster reads it
    if not remote and not path.exists():
        raise InvalidInput(f"{source}: no such file (give a CSV or Parquet file, or `store`)")
    kind = path.suffix.lower()
    if kind not in (".parquet", ".csv", ".txt", ".gz"):
        raise InvalidInput(f"{source}: expected a .csv or .parquet file")
    fmt = file_format or FileFormat()
    if engine == "spark":
        options = _spark_csv_options(source, fmt) if kind != ".parquet" else {}
        raw = _read_with_spark(source, spark_master or DEFAULT_SPARK_MASTER, **options)
    elif kind == ".parquet":
        raw = ibis.duckdb.connect().read_parquet(path)
    else:
        rows, reading = read_purchases_csv(path, mapping or {}, fmt.checked())
        return replace(from_rows(rows, source, {}), reading=reading)
    return from_rows(raw, source, mapping or {})


def _spark_csv_options(location: str, fmt: FileFormat) -> dict[str, str]:
    """Spark's options for reading a CSV as `fmt` says: it reads in the encoding and with
    the delimiter given (UTF-8 and a comma when none is: it detects nothing), and has no
    decimal comma nor strptime formats, so those are refused."""
    cannot = [
        option
        for option, given in (
            ("--date-format", fmt.date_format),
            ("--decimal-comma", fmt.decimal_comma),
        )
        if given
    ]
    if cannot:
        raise InvalidInput(
            f"--engine spark reads {location} itself and cannot honour {' or '.join(cannot)}:"
            " read the file with the default engine, or give it ISO 8601 dates and decimal"
            " points (or as Parquet)"
        )
    options = {}
    if fmt.encoding:
        options["encoding"] = fmt.encoding
    if fmt.delimiter:
        options["sep"] = str(fmt.checked().delimiter)
    return options


def _read_with_spark(location: str, master: str, **csv_options: str) -> ir.Table:
    """The file (a local path or a URL the cluster reads) as a Spark table; a CSV's
    columns are strings, which `from_rows` casts."""
    con = ibis.pyspark.connect(spark_session(master))
    if location.lower().endswith(".parquet"):
        return con.read_parquet(location)
    return con.read_csv(location, header=True, **csv_options)


def spark_session(master: str) -> Any:
    """The process's Spark session (created on first use), in UTC like the store."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InvalidInput(
            "--engine spark needs pyspark and a Java runtime: pip install pyspark"
        ) from None
    builder = (
        SparkSession.builder.master(master)
        .appName("patron")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    try:
        return builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no Java, a wrong master URL, a dead cluster
        raise InvalidInput(
            f"Spark did not start with master {master!r} (PATRON_SPARK_MASTER):"
            f" {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None


def from_rows(raw: ir.Table, label: str, mapping: dict[str, str]) -> Source:
    """Rows of `customer_id,date,amount[,order_id,cost,unit_cost,sku,category,...]`."""
    col = {f: mapping.get(f, f) for f in (*REQUIRED, *OPTIONAL, *ANALYTICS_ONLY)}
    missing = [f for f in REQUIRED if col[f] not in raw.columns]
    if missing:
        raise InvalidInput(f"{label}: missing columns {missing}; it has {list(raw.columns)}")
    has = {f: col[f] in raw.columns for f in col}
    amount = raw[col["amount"]].cast("float64")
    if has["cost"]:
        cost = raw[col["cost"]].cast("float64")
    elif has["unit_cost"]:
        quantity = raw[col["quantity"]].cast("float64") if has["quantity"] else ibis.literal(1.0)
        cost = raw[col["unit_cost"]].cast("float64") * quantity
    else:
        cost = ibis.null("float64")
    customer = raw[col["customer_id"]].cast("string")
    when = raw[col["date"]].cast("timestamp")
    # a row without an order id is a purchase of its customer at its time, whether the
    # file has no order_id column or leaves the field empty
    derived = customer.concat("|", when.cast("string"))
    order = raw[col["order_id"]].cast("string").fill_null(derived) if has["order_id"] else derived
    rows = raw.select(
        customer_id=customer,
        order_id=order,
        occurred_at=when,
        amount=amount,
        cost=cost,
        channel=_optional(raw, col["channel"], has["channel"]),
        payment_method=_optional(raw, col["payment_method"], has["payment_method"]),
        promotion_code=_optional(raw, col["promotion"], has["promotion"]),
        days_to_pay=(
            days_to_pay(raw[col["paid_at"]], when) if has["paid_at"] else ibis.null("float64")
        ),
        sku=_optional(raw, col["sku"], has["sku"]),
        category=_optional(raw, col["category"], has["category"]),
    )
    absent = frozenset(
        name
        for name, present in (
            ("cost", has["cost"] or has["unit_cost"]),
            ("channel", has["channel"]),
            ("promotion_code", has["promotion"]),
            ("days_to_pay", has["paid_at"]),
        )
        if not present
    )
    lines = (
        rows.select("customer_id", "order_id", "sku", "category")
        if (has["sku"] or has["category"])
        else None
    )
    if not has["order_id"] and lines is None:
        # one row, one purchase: no grouping needed (the common customer_id,date,amount file)
        return Source(rows.drop("sku", "category", "order_id"), None, absent)
    purchases = rows.group_by(["customer_id", "order_id"]).aggregate(
        occurred_at=rows.occurred_at.min(),
        amount=rows.amount.sum(),
        cost=rows.cost.sum(),
        channel=rows.channel.max(),
        payment_method=rows.payment_method.max(),
        promotion_code=rows.promotion_code.max(),
        days_to_pay=rows.days_to_pay.max(),
    )
    return Source(purchases, lines, absent)


def days_between(later: ir.Value, earlier: ir.Value) -> ir.FloatingValue:
    """Days from `earlier` to `later` (dates or timestamps), in every engine.

    Ibis's `delta` is not compiled by every backend (SQLite has none), epoch seconds are.
    """
    seconds = later.cast("timestamp").epoch_seconds() - earlier.cast("timestamp").epoch_seconds()
    return seconds.cast("float64") / 86400.0


def days_to_pay(paid_at: ir.Value, occurred_at: ir.Value) -> ir.FloatingValue:
    """Calendar days from the purchase's day to the payment's: an invoice paid on the
    day of the purchase took 0 days, whatever the hours (a paid date often has none)."""
    return days_between(paid_at.cast("timestamp").date(), occurred_at.cast("timestamp").date())


def _optional(raw: ir.Table, name: str, present: bool) -> ir.Value:
    return raw[name].cast("string") if present else ibis.null("string")


def from_store(con: ibis.BaseBackend) -> Source:
    """Purchases straight from the Patron store, computed in SQLite or PostgreSQL."""
    try:
        purchases, members = con.table("purchases"), con.table("members")
        lines = con.table("purchase_lines")
    except TableNotFound:
        raise InvalidInput(
            "the store has no Patron tables yet: run `patron init`, then load a program"
            " and import purchases (or give a CSV / Parquet file)"
        ) from None
    joined = purchases.join(members, purchases.member_id == members.id)
    table = joined.select(
        customer_id=members.external_id,
        order_id=purchases.order_id,
        occurred_at=purchases.occurred_at.cast("timestamp"),
        amount=(purchases.total - purchases.refunded_total).cast("float64"),
        cost=purchases.cost.cast("float64"),
        channel=purchases.channel,
        payment_method=purchases.payment_method,
        promotion_code=purchases.promotion_code,
        days_to_pay=days_to_pay(purchases.paid_at, purchases.occurred_at),
    )
    line_rows = (
        lines.join(purchases, lines.purchase_id == purchases.id)
        .join(members, purchases.member_id == members.id)
        .select(
            customer_id=members.external_id,
            order_id=purchases.order_id,
            sku=lines.sku.nullif(NO_SKU),  # imported without a product id: unknown
            category=lines.category,
        )
    )
    return Source(table, line_rows)


def connect_store(database_url: str) -> ibis.BaseBackend:
    """A connection of this command's own (adapters that serve many requests share one
    through bootstrap.Patron.analytics)."""
    from patron.analytics.store import address_of, connect

    return connect(address_of(database_url))


def store_currency(source: Source) -> str | None:
    """The currency of the store's program in force (its latest version): the currency
    of every amount in the store. None before a program is loaded."""
    return program_currency(ibis.get_backend(source.purchases))


def program_currency(con: ibis.BaseBackend) -> str | None:
    """`store_currency` of the store `con` reaches."""
    programs = con.table("programs")
    latest = programs.order_by(ibis.desc("version")).select("currency").limit(1)
    found = latest.to_pyarrow().to_pylist()
    return str(found[0]["currency"]) if found else None
