"""Time as the ledger sees it: naive datetimes in UTC, everywhere below the adapters.

SQLite keeps no time zone, PostgreSQL does; storing naive UTC in both keeps comparisons
identical on the two stores. Adapters convert what clients send with `to_utc_naive`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# How far ahead of the server's clock a purchase may be dated: a till's clock may run a
# little fast, but a purchase a year ahead (a mistyped year) would stay pending until then
# and move every "as of the last purchase" figure of the analytics with it.
MAX_AHEAD = timedelta(days=1)
AHEAD = "is more than a day ahead of the server's clock"  # what MAX_AHEAD refuses, in words


def to_utc_naive(moment: datetime) -> datetime:
    """An aware time converted to UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def latest_allowed(now: datetime) -> datetime:
    """The latest time a purchase recorded at `now` may carry."""
    return now + MAX_AHEAD


def iso_utc(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")
