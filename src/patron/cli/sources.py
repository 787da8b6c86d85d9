"""What the analyst's commands (`patron analytics …`, `patron clv …`) share: the SOURCE
argument, reading it, and the currency of its amounts.

SOURCE is a CSV or Parquet file of purchases (customer_id,date,amount at least) or the
word `store` for the configured database. A CSV file is read as `patron import` reads
it, with the same options (cli/file_options.py); the rows it leaves out, and how the file
was read where that was guessed, are said on stderr. How a command prints is
cli/present.py's. The analytics stack (Ibis, DuckDB,
pandas) is imported inside the functions, when a command runs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from patron.cli.common import load_settings
from patron.cli.file_options import file_format, parse_mapping
from patron.domain.errors import PatronError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)  # an error is one line, never wrapped

SourceArg = Annotated[str, typer.Argument(help="purchases CSV/Parquet, or `store`")]
OutOption = Annotated[Path | None, typer.Option("--out", help="write CSV or Parquet")]
PeriodOption = Annotated[str, typer.Option(help="day, week or month")]
EngineOption = Annotated[
    str,
    typer.Option(help="read files with duckdb, or spark (master: PATRON_SPARK_MASTER)"),
]


def fail(message: str) -> typer.Exit:
    """Print `message` as an error; the caller raises the returned exit (code 2)."""
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def parse_date(text: str | None, name: str) -> datetime | None:
    """The date given to option `name`, or None; a bad date ends the command (code 2)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None


class FileOptions:
    """The file options of a command (cli/file_options.py), checked once."""

    def __init__(
        self,
        map_: list[str] | None = None,
        date_format: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        decimal_comma: bool = False,
    ) -> None:
        self.mapping = run(lambda: parse_mapping(map_))
        # Spark takes the encoding as given (Java names it), the reader as Python does
        self.format = run(lambda: file_format(date_format, encoding, delimiter, decimal_comma))
        self.given_encoding = encoding


def read_source(source: str, engine: str = "duckdb", options: FileOptions | None = None) -> Any:
    """The purchases of SOURCE (a file or `store`) as an Ibis table; what reading a file
    left out is said on stderr."""
    from dataclasses import replace

    from patron.analytics.frames import open_source

    options = options or FileOptions()
    fmt = options.format
    if engine == "spark" and options.given_encoding:
        fmt = replace(fmt, encoding=options.given_encoding)
    if source != "store" and engine == "duckdb":
        # a file read here needs no setting: spare loading them (pydantic-settings)
        found = open_source(source, engine=engine, mapping=options.mapping, file_format=fmt)
    else:
        settings = load_settings()
        found = open_source(
            source,
            database_url=settings.database_url,
            engine=engine,
            spark_master=settings.spark_master,
            mapping=options.mapping,
            file_format=fmt,
        )
    if found.reading is not None:
        for note in (found.reading.read_as, found.reading.summary()):
            if note:
                err.print(note, highlight=False, soft_wrap=True)
    return found


def currency_of(name: str, source: Any, given: str | None) -> str | None:
    """The currency of SOURCE's amounts: the store's program's (a different --currency is
    refused), or the one --currency names for a file (none named by default: a file of
    purchases does not say)."""
    if name != "store":
        return given
    from patron.analytics.frames import store_currency

    held = run(lambda: store_currency(source))
    if given is not None and held is not None and given != held:
        raise fail(f"--currency {given}: the store's amounts are in {held}, its program's currency")
    return held or given


def run(action: Any) -> Any:
    """Run `action`; a domain error ends the command with its message and code 2."""
    try:
        return action()
    except PatronError as exc:
        raise fail(exc.message) from None
