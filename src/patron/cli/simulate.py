"""`patron simulate PROGRAM --purchases SOURCE [--against OTHER]`: a program replayed on
a purchase history before it is launched, writing nothing (docs/simulation.md).

SOURCE is a purchases file, read by the import's own reader (its rejected rows are
counted and said, no rejects file is left: the reader writes it into a temporary
folder), or `store`. The computation is `analytics.simulation`; this module reads the
inputs, asks for the redemption rate where none is given and prints.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from patron.cli.common import fail, guard
from patron.cli.file_options import (
    DateFormatOption,
    DecimalCommaOption,
    DelimiterOption,
    EncodingOption,
    MapOption,
    file_format,
    parse_mapping,
)

if TYPE_CHECKING:
    from patron.analytics.simulation import History
    from patron.analytics.simulation.plan import Outcome
    from patron.analytics.simulation.report import Figures
    from patron.domain.program import Program

PARTS = ("all", "months", "summary")


def _decimal(text: str | None, name: str, low: Decimal, high: Decimal) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        fail(f"{name} {text!r} is not a number")
    if not value.is_finite() or not low <= value <= high:
        fail(f"{name} {text!r} must be from {low} to {high}")
    return value


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{name} {text!r} is not a day (YYYY-MM-DD)")


def _program(path: Path) -> Program:
    from patron.domain.program import parse_program

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read the program {path}: {exc.strerror or exc}")
    return guard(lambda: parse_program(text, str(path)))


def simulate(
    program_file: Annotated[Path, typer.Argument(help="the program to simulate (TOML)")],
    purchases: Annotated[
        str,
        typer.Option(
            "--purchases", help="a purchases file (as `patron import` reads it) or `store`"
        ),
    ],
    against: Annotated[
        Path | None, typer.Option(help="a second program: both side by side, with the differences")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="first day (default: the first purchase's)")
    ] = None,
    to: Annotated[str | None, typer.Option(help="last day (default: the last purchase's)")] = None,
    redeem_rate: Annotated[
        str | None,
        typer.Option(
            help="share of their spendable points members redeem each month, 0 to 1"
            " (default: measured on the store's ledger for `store`, else 0)"
        ),
    ] = None,
    point_cost: Annotated[
        str | None,
        typer.Option(
            help="what a redeemed point costs the business (default: the catalog's"
            " Σ cost / Σ points, else the point value)"
        ),
    ] = None,
    margin: Annotated[
        str | None,
        typer.Option(help="gross margin rate of revenue, 0 to 1, for purchases without line costs"),
    ] = None,
    reevaluate_months: Annotated[
        int, typer.Option(min=0, max=120, help="tiers re-evaluated every N months (0: never)")
    ] = 1,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    part: Annotated[
        str, typer.Option(help="all, months or summary (csv: months by default)")
    ] = "all",
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="PATRON_DATABASE_URL")
    ] = None,
) -> None:
    """Replay a purchase history under a program (and another): points, tiers, liability,
    cost and the break-even uplift per month. Writes nothing."""
    from patron.analytics.simulation.plan import Request, run

    if format_ not in ("table", "csv", "json"):
        fail(f"--format must be table, csv or json, not {format_!r}")
    if part not in PARTS:
        fail(f"--part must be one of {', '.join(PARTS)}, not {part!r}")
    program = _program(program_file)
    other = _program(against) if against is not None else None
    rate = _decimal(redeem_rate, "--redeem-rate", Decimal(0), Decimal(1))
    cost = _decimal(point_cost, "--point-cost", Decimal(0), Decimal(1000))
    margin_rate = _decimal(margin, "--margin", Decimal(0), Decimal(1))
    start, end = _day(from_, "--from"), _day(to, "--to")
    if start is not None and end is not None and end < start:
        fail(f"--to {end} is before --from {start}")
    notes: list[str] = []
    history = _history(
        purchases,
        start,
        end,
        notes,
        database_url,
        map_,
        date_format,
        encoding,
        delimiter,
        decimal_comma,
    )
    if rate is None:
        rate = _measured_rate(purchases, notes, database_url)
    else:
        notes.append(f"redemption rate {rate} a month (given)")
    request = Request(program, other, start, end, rate, cost, margin_rate, reevaluate_months)
    outcome = guard(lambda: run(history, request, notes))
    if outcome.theirs is None:
        _print_one(outcome, format_, part)
    else:
        _print_comparison(outcome, format_, part)


def _history(
    source: str,
    start: date | None,
    end: date | None,
    notes: list[str],
    database_url: str | None,
    *file_options: Any,
) -> History:
    if source == "store":
        from patron.analytics.simulation.sources import store_history

        with _store(database_url) as patron:
            found: History = guard(
                lambda: patron.analytics().run(lambda con: store_history(con, start, end))
            )
            return found
    return _file_history(Path(source), notes, *file_options)


def _store(database_url: str | None) -> Any:
    from patron.cli.common import open_patron

    return open_patron(database_url)


def _file_history(path: Path, notes: list[str], *options: Any) -> History:
    """The file read by the import's reader; its rejects go to a temporary folder."""
    from patron.analytics.simulation import history_of
    from patron.domain.clock import latest_allowed, utcnow
    from patron.services.purchase_file import FileReport, read_purchases

    map_, date_format, encoding, delimiter, decimal_comma = options
    mapping = guard(lambda: parse_mapping(map_))
    fmt = guard(lambda: file_format(date_format, encoding, delimiter, decimal_comma))
    if not path.is_file():
        fail(f"no such file: {path}")
    report = FileReport()
    with tempfile.TemporaryDirectory() as folder:
        alias = Path(folder) / path.name
        alias.symlink_to(path.resolve())
        found = guard(lambda: read_purchases(alias, mapping, fmt, report, latest_allowed(utcnow())))
        if report.rejected:
            assert report.rejects_file is not None
            first = report.rejects_file.read_text(
                encoding=fmt.encoding or "utf-8", errors="replace"
            ).splitlines()[1:4]
            shown = "; ".join(
                line.split(",", 2)[0] + ": " + line.split(",", 2)[1]
                for line in first
                if line.count(",") >= 2
            )
            notes.append(
                f"{path}: {report.rejected} of {report.rows} rows left out, as the"
                f" import would reject them (line {shown})"
            )
    promotion = found.extra.get("promotion")
    codes = list(promotion) if promotion is not None and len(promotion) else [None] * len(found)
    return history_of(
        list(found.customer_id),
        found.occurred_at.astype("datetime64[us]"),
        codes,
        [found.lines_of(i) for i in range(len(found))],
    )


def _measured_rate(source: str, notes: list[str], database_url: str | None) -> Decimal:
    if source != "store":
        notes.append(
            "redemptions off (a file has no ledger to measure them on):"
            " --redeem-rate sets a monthly rate"
        )
        return Decimal(0)
    from patron.analytics.simulation.calibration import measured_rate

    with _store(database_url) as patron:
        measured = guard(lambda: patron.analytics().run(measured_rate))
    notes.append(f"redemption rate {measured.rate} a month, {measured.describe()}")
    rate: Decimal = measured.rate
    return rate


def _print_one(outcome: Outcome, fmt: str, part: str) -> None:
    from patron.analytics.simulation.plan import document, encoded_months, summary_rows
    from patron.cli.present import say

    f, currency = outcome.mine, outcome.currency
    if fmt == "json":
        typer.echo(json.dumps(document(outcome)))
        return
    if fmt == "csv":
        if part == "summary":
            _csv([{"measure": r["measure"], "value": _value(r)} for r in summary_rows(f)])
        else:
            _csv(encoded_months(f))
        return
    say(
        f"{f.summary['program']}: simulated from {f.summary['from']} to {f.summary['to']}"
        " (nothing written)"
    )
    if part in ("all", "months"):
        _table(f.months, f.kinds, currency)
    if part in ("all", "summary"):
        _table(summary_rows(f), None, currency)
        say(_break_even(f, currency))
    for note in outcome.notes:
        say(f"note: {note}")


def _value(row: dict[str, Any]) -> Any:
    from patron.analytics.columns import encode

    return encode(row["value"], row["kind"])


def _break_even(f: Figures, currency: str) -> str:
    s = f.summary
    if s["break_even_uplift"] is None:
        return "break-even uplift: unknown without a margin (give --margin RATE)"
    return (
        f"break-even uplift: members must buy {float(s['break_even_uplift']):.2%} more for the"
        f" margin to pay the reward cost ({s['reward_cost']:,} {currency} / margin"
        f" {s['margin']:,} {currency}); {float(s['break_even_uplift_accrued']):.2%} counting"
        " every point issued and not expired as a cost"
    )


def _print_comparison(outcome: Outcome, fmt: str, part: str) -> None:
    from patron.analytics.simulation.plan import document, encoded_comparison
    from patron.cli.present import say

    mine, theirs, currency = outcome.mine, outcome.theirs, outcome.currency
    assert theirs is not None and outcome.compared is not None
    rows = outcome.compared
    if part == "summary":
        rows = [r for r in rows if r["month"] == "all"]
    elif part == "months":
        rows = [r for r in rows if r["month"] != "all"]
    if fmt == "json":
        typer.echo(json.dumps(document(outcome)))
        return
    if fmt == "csv":
        _csv(encoded_comparison(rows))
        return
    say(
        f"{mine.summary['program']} (program) against {theirs.summary['program']} (other),"
        f" from {mine.summary['from']} to {mine.summary['to']}; difference = other − program"
        " (nothing written)"
    )
    _table(rows, None, currency)
    say(f"program: {_break_even(mine, currency)}")
    say(f"other: {_break_even(theirs, currency)}")
    for note in outcome.notes:
        say(f"note: {note}")


def _csv(rows: list[dict[str, Any]]) -> None:
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    names = list(rows[0]) if rows else []
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in names])
    typer.echo(text.getvalue(), nl=False)


def _table(rows: list[dict[str, Any]], kinds: dict[str, Any] | None, currency: str) -> None:
    """Rows as a Rich table; with `kinds` None each row's "kind" formats its values."""
    from rich import box
    from rich.table import Table

    from patron.analytics.columns import Kind
    from patron.cli.present import cell, console

    names = list(kinds) if kinds is not None else [c for c in rows[0] if c != "kind"]
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in names:
        left = name in ("month", "measure") or (kinds is not None and kinds[name] is Kind.TEXT)
        grid.add_column(name.replace("_", " "), justify="left" if left else "right")
    for row in rows:
        grid.add_row(
            *(
                cell(
                    row.get(c),
                    kinds[c]
                    if kinds is not None
                    else (row["kind"] if c not in ("month", "measure") else Kind.TEXT),
                    currency,
                )
                for c in names
            )
        )
    console().print(grid)
