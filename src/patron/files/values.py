"""A field's date or number, or why it cannot be read.

The reason is the row's: the import writes it to FILE.rejects.csv, where a shop's clerk
reads it, and the analytics print it for the rows they leave out. So it names the field
and the text as written and says what would cure it: a date that has the shape of the
format but names no day (31/02/2026) is "not a day of the calendar", and no other format
would help; a date of another shape gets a format to try; a decimal comma without
--decimal-comma gets that option.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from patron.domain.clock import to_utc_naive

FIRST_YEAR, LAST_YEAR = 1970, 2200
# 1.234,50 / 1 234,50 / 1234,5 / 12 (a decimal comma; a point, a space or a no-break
# space groups thousands, the same one throughout)
_COMMA_NUMBER = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?P<whole>\d{1,3}(?P<sep>[. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*|\d+)"
    r"(?:,(?P<fraction>\d+))?"
)
# day, month and year of a date written the European or the American way
_DMY = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?P<time>[ T]\d{1,2}:\d{2}(:\d{2})?)?")


class RowError(ValueError):
    """Why one row cannot be read; the import rejects the row, the rest goes on."""


def parse_date(text: str, fmt: str | None, name: str = "date") -> datetime:
    """A field's date as naive UTC (an offset is converted; none means UTC)."""
    if not text:
        raise RowError(f"{name}: empty")
    try:
        moment = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    except ValueError as exc:
        # "day is out of range for month", "month must be in 1..12", or 32/01/2026 in
        # the very format it was read in: the text has the format's shape but names no
        # day of the calendar, which --date-format cannot cure, so the reason must not
        # send the user looking for a format
        formats = _formats_of(text)
        if "range" in str(exc) or "must be in" in str(exc) or (fmt and fmt in formats):
            raise RowError(f"{name}: {text!r} is not a day of the calendar") from None
        hint = " or ".join(f"'{f}'" for f in formats) if formats else ""
        raise RowError(
            f"{name}: {text!r} does not match {fmt or 'ISO 8601'}"
            f" (use --date-format{' ' + hint if hint else ''})"
        ) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise RowError(f"{name}: {text!r} is out of range")
    return to_utc_naive(moment)


def _formats_of(text: str) -> list[str]:
    """The strptime formats a date of a common shape may be in: day first for the
    dotted European form and where the first number is over 12, month first where
    only the second is, both where either may be the day."""
    found = _DMY.fullmatch(text)
    if found is None:
        return []
    first, sep, second = int(found.group(1)), found.group(2), int(found.group(3))
    time = found.group("time") or ""
    clock = "" if not time else ("%H:%M:%S" if time.count(":") == 2 else "%H:%M")
    suffix = f"{time[0]}{clock}" if time else ""
    day_first = f"%d{sep}%m{sep}%Y{suffix}"
    month_first = f"%m{sep}%d{sep}%Y{suffix}"
    if first > 12 or sep == ".":
        return [day_first]
    if second > 12:
        return [month_first]
    return [day_first, month_first]


def parse_number(name: str, text: str, decimal_comma: bool = False) -> Decimal:
    """A field's number as written: digits with a decimal point, or with
    `decimal_comma` a decimal comma and thousands grouped by a point or a space. No
    other digits than ASCII's, no underscores; infinities and NaN are not numbers."""
    written = text
    if decimal_comma:
        found = _COMMA_NUMBER.fullmatch(text)
        if found is None:
            raise RowError(f"{name}: {text!r} is not a number (written with a decimal comma)")
        whole = found["whole"].replace(found["sep"], "") if found["sep"] else found["whole"]
        fraction = found["fraction"]
        written = f"{found['sign']}{whole}" + (f".{fraction}" if fraction else "")
    elif not text.isascii() or "_" in text or " " in text:
        raise RowError(f"{name}: {text!r} is not a number")
    try:
        value = Decimal(written)
    except InvalidOperation:
        raise RowError(f"{name}: {text!r} is not a number{_comma_hint(text)}") from None
    if not value.is_finite():
        raise RowError(f"{name}: {text!r} is not a number")
    return value


def _comma_hint(text: str) -> str:
    """A hint at --decimal-comma for 12,50 or 1.234,50 (a comma after any point)."""
    if "," in text and text.rfind(",") > text.rfind("."):
        return " (a decimal comma? use --decimal-comma)"
    return ""
