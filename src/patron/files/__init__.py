"""Reading the purchase files shops export, for the import and the analytics alike.

A shop's file comes from Excel or a local accounting program: in the encoding of its
Windows (Windows-1250 in Slovenia and Romania, Windows-1251 in Ukraine and Russia, UTF-8
with a byte-order mark from newer Excel), separated by `;` where the decimal mark is a
comma, with dates as the country writes them. One reader serves `patron import` and every
`patron analytics` / `patron clv` command, so a file that imports is a file the analytics
read, with the same options:

- `text.py`: the file's encoding (given, or detected) and delimiter (given, or sniffed
  from the header), and its rows, each line decoded on its own so that a byte that cannot
  be read is reported with its line;
- `values.py`: a field's date or number (a decimal comma on request), or the reason it
  cannot be read, worded for the shop's clerk who reads the rejects file;
- `columns.py`: where each field of a purchase is in the header (`--map`).

It sits below the use cases (services/ and analytics/ both read files through it) and
above the domain, whose column names and errors it uses.
"""

from __future__ import annotations

from patron.files.columns import columns_of
from patron.files.text import DELIMITERS, FileFormat, TextTable, open_table
from patron.files.values import RowError, parse_date, parse_number

__all__ = [
    "DELIMITERS",
    "FileFormat",
    "RowError",
    "TextTable",
    "columns_of",
    "open_table",
    "parse_date",
    "parse_number",
]
