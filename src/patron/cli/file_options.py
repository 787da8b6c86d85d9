"""The options of every command that reads a purchases file (`patron import purchases`,
`patron analytics …`, `patron clv …`): the same names, the same meaning, one reader
(patron.files) behind them all.

`--map` renames fields (`--map customer_id=Kupec`); `--date-format` is a strptime format
(ISO 8601 when absent); `--encoding` (detected when absent), `--delimiter` (sniffed from
the header when absent: `,` `;` tab `|`) and `--decimal-comma` say how the text is
written.
"""

from __future__ import annotations

from typing import Annotated

import typer

from patron.domain.errors import InvalidInput
from patron.files import FileFormat

MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help="field=Column: the file's name for a field (repeatable)"),
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(help="strptime format of the dates, e.g. %d.%m.%Y (default ISO 8601)"),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(help="the file's encoding, e.g. cp1250, cp1251, utf-8 (default: detected)"),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(help="the field separator: , ; tab or | (default: read from the header)"),
]
DecimalCommaOption = Annotated[
    bool,
    typer.Option(help="numbers are written 12,50 or 1.234,50 (1 234,50)"),
]


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """`--map field=Column` options as {field: Column}; a malformed one is refused."""
    mapping = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InvalidInput(f"--map {item!r}: expected field=Column")
        mapping[field.strip()] = column.strip()
    return mapping


def file_format(
    date_format: str | None, encoding: str | None, delimiter: str | None, decimal_comma: bool
) -> FileFormat:
    """The options as a checked FileFormat (an unknown encoding is refused here, before
    any reading)."""
    return FileFormat(encoding, delimiter, decimal_comma, date_format).checked()
