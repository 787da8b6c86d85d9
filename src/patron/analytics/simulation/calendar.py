"""Month arithmetic on arrays of moments, as `domain.lots.add_months` does it one at a time.

Same day `months` later (or earlier), the same time of day, clamped to the month's end
(31 Jan + 1 month = 28/29 Feb): the rule that dates a lot's expiry and starts a tier's
qualifying window. `tests/unit/test_simulation_calendar.py` checks every day of four
years against the domain's function.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]
US = "datetime64[us]"


DAY_US = 86_400_000_000


def add_months(moments: Array, months: int) -> Array:
    """Each moment (datetime64[us]) moved by `months` calendar months, day clamped.

    The move depends on the day only: it is computed once per day of the range and
    looked up, the time of day added back (a year of purchases has 365 days)."""
    if len(moments) == 0:
        return moments.copy()
    micros = moments.view(np.int64)
    day = micros // DAY_US  # days since 1970-01-01 (floor: before 1970 too)
    first = int(day.min())
    span = np.arange(first, int(day.max()) + 1, dtype=np.int64) * DAY_US
    moved = _add_months_by_day(span.view(US), months).view(np.int64)
    return (moved[day - first] + (micros - day * DAY_US)).view(US)


def _add_months_by_day(moments: Array, months: int) -> Array:
    days = moments.astype("datetime64[D]")
    time_of_day = moments - days.astype(US)
    month = days.astype("datetime64[M]")
    day_index = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    first = target.astype("datetime64[D]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - first).astype(np.int64)
    day = np.minimum(day_index, length - 1)
    moved: Array = (first + day.astype("timedelta64[D]")).astype(US) + time_of_day
    return moved


def month_starts(first: date, last: date) -> Array:
    """The first instant of every month from `first`'s to the one after `last`'s: month k
    of a report holds [starts[k], starts[k + 1])."""
    start = np.datetime64(first, "M")
    stop = np.datetime64(last, "M") + np.timedelta64(2, "M")
    return np.arange(start, stop, dtype="datetime64[M]").astype(US)


def moment(value: datetime | date) -> np.datetime64:
    return np.datetime64(value, "us")


def month_index(
    moments: Array, boundaries: Array, side: str = "left", days: Array | None = None
) -> Array:
    """`np.searchsorted(boundaries, moments, side)` for boundaries at midnight (month
    starts), from a table per day of the moments' range: one division and one lookup a
    moment instead of a binary search (the boundaries then count by the day alone, but
    for a moment at a boundary's very instant, which `side` decides). `days`: the
    moments' days since 1970, when the caller has them."""
    bounds = boundaries.view(np.int64)
    if len(moments) == 0 or bool((bounds % DAY_US).any()):
        return np.searchsorted(boundaries, moments, side=side)  # type: ignore[call-overload, no-any-return]
    micros = moments.view(np.int64)
    day = micros // DAY_US if days is None else days
    first = int(day.min())
    starts = np.arange(first, int(day.max()) + 2, dtype=np.int64) * DAY_US
    through = np.searchsorted(bounds, starts, side="right")  # boundaries at or before
    found: Array = through[day - first]
    if side == "left":  # a moment at a boundary's instant counts it out
        at_start = np.flatnonzero(micros == day * DAY_US)
        offset = day[at_start] - first
        found[at_start] -= through[offset] - np.searchsorted(bounds, starts[offset], side="left")
    return found
