"""Cells of the CSV files Patron writes for people to open in a spreadsheet.

A text cell that starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return)
is run by a spreadsheet when the file is opened: a goal's name or a member's name typed
as `=HYPERLINK(...)` would become a link or worse (CSV injection). Such a cell gets a
leading apostrophe, OWASP's advice, which spreadsheets show as text. Only text cells:
numbers (a negative amount) are written as they are.
"""

from __future__ import annotations

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str | None) -> str:
    """The text as a spreadsheet will show it and never run it."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA) else text
