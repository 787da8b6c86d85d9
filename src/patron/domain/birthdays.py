"""A member's birthday and the window around it in which the birthday bonus is granted.

Design overview. A birthday is a month and a day (the year is optional: the bonus does not
need it). The program's `[birthday]` grants points or a voucher once a year, on any day
from `days_before` the birthday to `days_after` it; a daily run (services/birthdays.py)
asks `birthday_due` which year's birthday, if any, has its window around today, and grants
it unless that (member, year) was granted already. A window may cross the new year (a
birthday on 2 January with 5 days before is due from 28 December), so the year returned is
the birthday's, not today's. A birthday on 29 February is kept on 28 February in a year
that has no 29th.

Pure functions over plain values; no clock: the day is given.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from patron.domain.errors import InvalidInput

_LEAP_YEAR = 2000  # a year in which every month and day that exists at all exists


@dataclass(frozen=True, slots=True)
class Birthday:
    month: int
    day: int
    year: int | None = None

    def __str__(self) -> str:
        shown = f"{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{shown}" if self.year is not None else f"--{shown}"


def checked_birthday(
    month: int, day: int, year: int | None = None, *, today: date | None = None
) -> Birthday:
    """A birthday that exists (29 February is one), with its year in the past if given;
    refused naming the field otherwise."""
    if not 1 <= month <= 12:
        raise InvalidInput(f"birthday: month must be from 1 to 12, not {month}")
    days = calendar.monthrange(year if year is not None else _LEAP_YEAR, month)[1]
    if not 1 <= day <= days:
        raise InvalidInput(f"birthday: day must be from 1 to {days} in month {month}, not {day}")
    if year is not None:
        latest = today.year if today is not None else 9999
        if not 1900 <= year <= latest:
            raise InvalidInput(f"birthday: year must be from 1900 to {latest}, not {year}")
        if today is not None and date(year, month, day) > today:
            raise InvalidInput("birthday: the date is in the future")
    return Birthday(month, day, year)


def parse_birthday(text: str, *, today: date | None = None) -> Birthday:
    """`YYYY-MM-DD`, `MM-DD` or `--MM-DD` (ISO 8601 without a year)."""
    parts = text.strip().removeprefix("--").split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 3:
        return checked_birthday(numbers[1], numbers[2], numbers[0], today=today)
    if len(numbers) == 2:
        return checked_birthday(numbers[0], numbers[1], today=today)
    raise InvalidInput(f"birthday: write YYYY-MM-DD or MM-DD, not {text.strip()[:20]!r}")


def birthday_in(birthday: Birthday, year: int) -> date:
    """The member's birthday in `year` (29 February on the 28th when the year has none)."""
    last = calendar.monthrange(year, birthday.month)[1]
    return date(year, birthday.month, min(birthday.day, last))


def birthday_due(birthday: Birthday, on: date, days_before: int, days_after: int) -> int | None:
    """The year of the birthday whose window [birthday − days_before, birthday + days_after]
    holds `on`, or None when `on` is in no window."""
    for year in (on.year - 1, on.year, on.year + 1):
        day = birthday_in(birthday, year)
        if day - timedelta(days=days_before) <= on <= day + timedelta(days=days_after):
            return year
    return None
