"""How the analyst's commands print a table: `--format table|csv|json`, `--limit`/`--all`
and `--currency`, the same on every command.

What a column holds (money, a share, a count, a day, a month) is defined once, in
analytics/columns.py; this module only writes it:

- `table` (the default), for reading: money with its currency and thousands separators
  (`1,234.50 EUR`), shares as percentages (`58.9%`), never scientific notation, days as
  days and months as `2025-03`; a line above says what the table is and as of which
  day, and a line below how many rows were left out and how to see them. Piped into a
  file or another program the table keeps its full width (Rich would cut it at 80
  columns when stdout is not a terminal).
- `csv` and `json`, for programs: every row (unless `--limit` is given), full precision,
  money as decimal strings to the cent, shares as fractions, missing values empty (CSV)
  or null (JSON).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from patron.analytics.columns import Kind, encode, kind_of, money, plain
from patron.cli.common import console as console  # re-exported: the tables print through it
from patron.files.cells import safe_text

FORMATS = ("table", "csv", "json")
DEFAULT_ROWS = 20

FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="table (to read: money with its currency, shares in %), csv or json (every"
        " row, full precision: money as decimal strings, shares as fractions)",
    ),
]
LimitOption = Annotated[
    int | None,
    typer.Option(min=1, help=f"rows to show (table default {DEFAULT_ROWS}; csv/json: all)"),
]
AllOption = Annotated[bool, typer.Option("--all", help="show every row")]
CurrencyOption = Annotated[
    str | None,
    typer.Option(
        help="the currency of a file's amounts, e.g. EUR (default: none named);"
        " `store` uses its program's currency",
    ),
]


@dataclass(frozen=True)
class Measured:
    """The day a table is measured to and the rule that chose it: "2025-06-30 (the last
    purchase in the data...)" above a table, the day alone in JSON (`as_of`)."""

    day: str | None
    rule: str

    def __str__(self) -> str:
        return f"{self.day} ({self.rule})" if self.day else self.rule


@dataclass(frozen=True)
class View:
    """How the user asked to see a table."""

    format: str = "table"
    limit: int | None = None
    all: bool = False
    currency: str | None = None

    def rows_shown(self, total: int, default: int | None = DEFAULT_ROWS) -> int:
        """How many of `total` rows to print: all with --all, else --limit, else (tables
        only) the default; csv and json print every row unless --limit is given."""
        if self.all:
            return total
        if self.limit is not None:
            return min(self.limit, total)
        if self.format != "table" or default is None:
            return total
        return min(default, total)


def view(fmt: str, limit: int | None, all_rows: bool, currency: str | None) -> View:
    """The options as a View; an unknown format or currency is refused (exit code 2)."""
    if fmt not in FORMATS:
        _refuse(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        _refuse(f"--currency {currency!r} is not a 3-letter ISO 4217 code, e.g. EUR")
    if all_rows and limit is not None:
        _refuse("give --limit N or --all, not both")
    return View(fmt, limit, all_rows, currency.upper() if currency else None)


def _refuse(message: str) -> None:
    Console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def cell(value: Any, kind: Kind, currency: str | None) -> str:
    """One value as a person reads it."""
    value = plain(value)
    if value is None:
        return ""
    if kind is Kind.MONEY:
        amount = f"{money(value):,}"
        return f"{amount} {currency}" if currency else amount
    if kind is Kind.SHARE:
        return f"{float(value):.1%}"
    if kind is Kind.COUNT:
        return f"{int(value):,}"
    if kind is Kind.NUMBER:
        return f"{float(value):,.2f}"
    return str(encode(value, kind))


def print_rows(
    rows: Sequence[dict[str, Any]],
    table: str,
    shown: View,
    *,
    title: str,
    as_of: Measured | None = None,
    default: int | None = DEFAULT_ROWS,
    extra: dict[str, Any] | None = None,
    columns: list[str] | None = None,
) -> None:
    """Print `rows` (columns of analytics table `table`) as `shown` asks. `title` and
    `as_of` head a table; `extra` is added to the JSON document; `columns` names the
    columns when there may be no row to take them from."""
    n = shown.rows_shown(len(rows), default)
    page = list(rows[:n])
    names = columns if columns is not None else (list(rows[0]) if rows else [])
    if shown.format == "json":
        day = as_of.day if as_of is not None else None
        document = {"as_of": day, "currency": shown.currency, **(extra or {})}
        document |= {"count": len(rows), "data": [_encoded(table, r) for r in page]}
        typer.echo(json.dumps(document))
    elif shown.format == "csv":
        text = io.StringIO()
        write_csv(page, table, text, columns=names)
        typer.echo(text.getvalue(), nl=False)
    else:
        print_table(page, table, shown.currency, title=title, as_of=as_of, columns=names)
    more = len(rows) - n
    if more and shown.format == "table":
        say(
            f"{more:,} more rows: --limit {len(rows)} or --all shows them,"
            " --format csv or --out FILE gives every row"
        )
    elif more:
        Console(stderr=True).print(f"{more:,} more rows left out by --limit", highlight=False)


def _encoded(table: str, row: dict[str, Any]) -> dict[str, Any]:
    return {column: encode(value, kind_of(table, column)) for column, value in row.items()}


def _cell(value: Any, kind: Kind) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula is made plain text
    (files/cells.py); a review put `=HYPERLINK(...)` in a goal's name."""
    return safe_text(value) if kind is Kind.TEXT and isinstance(value, str) else value


def write_csv(
    rows: Sequence[dict[str, Any]], table: str, stream: Any, columns: list[str] | None = None
) -> None:
    """`rows` as CSV with a header: each value written as JSON writes it, missing values
    empty."""
    names = columns if columns is not None else (list(rows[0]) if rows else [])
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        encoded = _encoded(table, row)
        writer.writerow(
            ["" if encoded[c] is None else _cell(encoded[c], kind_of(table, c)) for c in names]
        )


def print_table(
    rows: Sequence[dict[str, Any]],
    table: str,
    currency: str | None,
    *,
    title: str,
    as_of: Measured | None = None,
    columns: list[str] | None = None,
) -> None:
    """A Rich table headed by `title` and an "as of" line."""
    names = columns if columns is not None else (list(rows[0]) if rows else [])
    say(title)
    if as_of is not None:
        say(f"as of {as_of}")
    if not rows:
        say("(no rows)")
        return
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in names:
        kind = kind_of(table, name)
        grid.add_column(name.replace("_", " "), justify="left" if kind is Kind.TEXT else "right")
    for row in rows:
        grid.add_row(*(cell(row.get(c), kind_of(table, c), currency) for c in names))
    console().print(grid)


def say(line: str) -> None:
    """One line on stdout, never wrapped nor coloured."""
    console().print(line, highlight=False, soft_wrap=True, markup=False)


def write_out(frame: Any, out_path: Path, table: str) -> None:
    """Every row of `frame` to --out: CSV as `--format csv` writes it, or Parquet with
    money as decimals to the cent (the engine's types otherwise)."""
    if out_path.suffix.lower() == ".parquet":
        typed = frame.copy()
        for column in typed.columns:
            if kind_of(table, str(column)) is Kind.MONEY:
                typed[column] = [money(v) for v in typed[column]]
        typed.to_parquet(out_path, index=False)
    else:
        with out_path.open("w", newline="", encoding="utf-8") as stream:
            write_csv(frame.to_dict("records"), table, stream, [str(c) for c in frame.columns])
    Console(stderr=True).print(f"{len(frame)} rows written to {out_path}", highlight=False)


def records(frame: Any) -> list[dict[str, Any]]:
    """A pandas frame's rows as dicts."""
    return list(frame.to_dict("records"))


def print_frame(frame: Any, table: str, shown: View, **heading: Any) -> None:
    """`print_rows` of a pandas frame, its columns named even when it has no row."""
    print_rows(records(frame), table, shown, columns=[str(c) for c in frame.columns], **heading)
