"""`patron import purchases`: a purchase history from CSV, resumable and idempotent.

The importer reads files with pandas and NumPy; they are imported when the command runs,
not when the CLI starts. The file options are those of the analytics commands
(cli/file_options.py): a file that imports is a file they read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from patron.cli.common import DbOption, err, guard, open_patron, out, progress
from patron.cli.file_options import (
    DateFormatOption,
    DecimalCommaOption,
    DelimiterOption,
    EncodingOption,
    MapOption,
    file_format,
    parse_mapping,
)

import_app = typer.Typer(help="Import history from files.", no_args_is_help=True)


@import_app.command("purchases")
def import_purchases_cmd(
    file: Path,
    map_: MapOption = None,
    date_format: DateFormatOption = None,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal_comma: DecimalCommaOption = False,
    award_points: Annotated[bool, typer.Option(help="score purchases with the program")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 50_000,
    database_url: DbOption = None,
) -> None:
    """Import purchases from CSV; bad rows go to FILE.rejects.csv; safe to re-run."""
    mapping = guard(lambda: parse_mapping(map_))
    fmt = guard(lambda: file_format(date_format, encoding, delimiter, decimal_comma))
    from patron.services.importer import ImportOptions, import_purchases
    from patron.services.purchase_file import check_header

    options = ImportOptions(
        mapping,
        date_format,
        award_points,
        batch_size,
        encoding=fmt.encoding,
        delimiter=fmt.delimiter,
        decimal_comma=decimal_comma,
    )
    guard(lambda: check_header(file, mapping, fmt))  # a refused file touches no store
    with open_patron(database_url) as patron, progress() as bar:
        task = bar.add_task("importing", total=None)
        report = guard(
            lambda: import_purchases(
                patron.new_uow,
                file,
                options,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        )
    if report.read_as:
        err.print(report.read_as, highlight=False)
    out.print(
        f"{report.rows} rows read, {report.inserted} purchases imported,"
        f" {report.skipped} already present, {report.members_created} new members,"
        f" {report.rejected} rejected"
    )
    if report.rejects_file:
        err.print(f"rejected rows and reasons: {report.rejects_file}")
