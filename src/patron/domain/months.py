"""Calendar months as the reports and the budget name them: `YYYY-MM`, held as the first
day of the month, and the instants a month starts and ends at (UTC, naive)."""

from __future__ import annotations

import re
from datetime import date, datetime

from patron.domain.errors import InvalidInput

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str, field: str = "month") -> date:
    """`YYYY-MM` as the first day of that month, or InvalidInput naming `field`."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or not 1970 <= int(found[1]) <= 2200:
        raise InvalidInput(f"{field}: {text!r} is not a month; write it as YYYY-MM (2026-01)")
    return date(int(found[1]), int(found[2]), 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (first days)."""
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def start_of(month: date) -> datetime:
    return datetime(month.year, month.month, 1)


def key(month: date) -> str:
    return f"{month:%Y-%m}"
