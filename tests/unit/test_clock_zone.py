"""The ledger's time is UTC whatever the server's time zone: a process started with TZ set
to New York (as a container or a developer's laptop may be) stores and compares the same
naive UTC times as one in UTC. The tests set TZ for their own duration only."""

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from patron.domain.clock import iso_utc, to_utc_naive, utcnow


@pytest.fixture
def new_york() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.mark.usefixtures("new_york")
def test_an_aware_moment_becomes_utc_not_the_servers_local_time() -> None:
    # 12:00 in Bucharest (UTC+2) is 10:00 UTC; New York's local time would be 05:00
    bucharest = timezone(timedelta(hours=2))
    assert to_utc_naive(datetime(2026, 1, 15, 12, tzinfo=bucharest)) == datetime(2026, 1, 15, 10)


@pytest.mark.usefixtures("new_york")
def test_now_is_utc_not_the_servers_local_time() -> None:
    # New York is 4 or 5 hours behind UTC: a local "now" would be that far off
    before = datetime.now(UTC).replace(tzinfo=None)
    now = utcnow()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert now.tzinfo is None
    assert before <= now <= after


def test_a_stored_time_is_written_as_utc_with_a_z() -> None:
    # the ledger's naive UTC times, and aware ones already in UTC, as the API writes them
    assert iso_utc(datetime(2026, 1, 1, 9, 0)) == "2026-01-01T09:00:00Z"
    aware = datetime(2026, 1, 1, 9, 0, 0, 250000, tzinfo=UTC)
    assert iso_utc(aware) == "2026-01-01T09:00:00.250000Z"
