"""Races on an event's seats, with real concurrent connections: threads, each running its
own unit of work (its own connection and transaction) through `Patron.run`.

100 members RSVP at once to an event of 10 seats: exactly 10 get a seat (each paid by one
redemption), 90 join the waiting list, the seats taken end at 10, never more (a
conditional UPDATE checked by its row count: store/rsvps.py `take_seat`, behind the lock
on the event's row). Then 5 of the seated cancel at once: 5 of the line are seated, in
line order, and the seats are still 10. PostgreSQL (READ COMMITTED, row locks) and SQLite
(one writer at a time) alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.services.events import CancelRsvp, RsvpTo, cancel_rsvp, event_detail, rsvp
from tests.conftest import Clock, load_example, make_patron
from tests.integration.helpers import assert_verified, at_once, member

PROGRAM = """
name = "Event races"
currency = "EUR"

[[rewards]]
id = "gala"
name = "The gala"
kind = "event"
points = 200
cost = 9.00
starts_at = 2026-06-01T19:00:00Z
capacity = 10
"""


@pytest.fixture
def racing(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Patron]:
    patron = make_patron(store_kind, tmp_path, Clock(), request, pool_size=8)
    load_example(patron, PROGRAM)
    yield patron
    patron.dispose()


def state(result: Any) -> str:
    if isinstance(result, PatronError):
        return result.code
    return result.state if hasattr(result, "state") else repr(result)


def test_100_concurrent_rsvps_never_take_more_than_the_seats(racing: Patron) -> None:
    # given 100 members with 500 points each and a gala of 10 seats at 200 points
    members = [member(racing, f"c-{i}") for i in range(100)]
    for mid in members:
        racing.run(adjust, Adjust(mid, 500, "test setup", "tests"))
    # when all of them RSVP at once
    results = at_once(100, lambda i: racing.run(rsvp, RsvpTo(members[i], "gala")))
    # then 10 have a seat and 90 wait, numbered 1 to 90 in line; 10 seats are taken
    assert Counter(state(r) for r in results) == {"attending": 10, "waiting": 90}
    assert sorted(r.place_in_line for r in results if r.state == "waiting") == list(range(1, 91))
    detail = racing.read(event_detail, "gala")
    assert (detail.event.taken, len(detail.attendees), len(detail.waiting)) == (10, 10, 90)
    with racing.uow(readonly=True) as uow:
        seated = {r.member_id for r in detail.attendees}
        assert sum(uow.members.get(m).balance for m in members) == 100 * 500 - 10 * 200  # type: ignore[union-attr]
        assert {m for m in members if uow.members.get(m).balance == 300} == seated  # type: ignore[union-attr]
    # when 5 of the seated cancel at once
    leaving = [r.id for r in detail.attendees[:5]]
    line = [r.id for r in detail.waiting]
    done = at_once(5, lambda i: racing.run(cancel_rsvp, CancelRsvp(leaving[i], "tests")))
    # then the first 5 in line are seated, the seats are still 10 and 85 wait
    assert Counter(state(r) for r in done) == {"cancelled": 5}
    promoted = sorted(p for r in done for p in r.promoted)
    assert promoted == line[:5]
    after = racing.read(event_detail, "gala")
    assert (after.event.taken, len(after.attendees), len(after.waiting)) == (10, 10, 85)
    assert [r.id for r in after.waiting] == line[5:]
    assert_verified(racing)
