"""Early access through the use case (services/early_access.py): the member's tier read
from the store, the time from the clock, an unknown offer refused. Both stores. The
window's edges one by one: tests/unit/test_event_rules.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.clubs import Step
from patron.domain.early_access import Reason
from patron.domain.errors import NotFound
from patron.domain.program import Program
from patron.services.clubs import ClubStep, step
from patron.services.commands import MemberRef
from patron.services.early_access import check_early_access
from tests.conftest import Clock, use_program
from tests.integration.helpers import member, record

PROGRAM = """
name = "Early"
currency = "EUR"

[tiers]
basis = "spend"

  [[tiers.levels]]
  name = "Member"

  [[tiers.levels]]
  name = "Gold"
  threshold = 50

[[early_access]]
id = "spring"
name = "Spring collection"
opens_at = 2026-03-01T09:00:00+01:00      # 08:00 UTC
opens_to_all_at = 2026-03-08T08:00:00Z
tiers = ["Gold"]
clubs = ["kids"]

[[clubs]]
id = "kids"
name = "Kids club"
join = "invitation"
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def test_a_gold_member_buys_early_and_the_others_from_the_opening_to_all(
    patron: Patron, clock: Clock
) -> None:
    # given a Gold member (one purchase of 50.00) and a Member
    g = member(patron, "g-1")
    record(patron, g, "o-1")
    m = member(patron, "m-1")
    ask = lambda mid: patron.read(check_early_access, mid, "spring")  # noqa: E731
    # before the window: neither
    clock.now = datetime(2026, 3, 1, 7, 59, 59)
    assert [(ask(x).allowed, ask(x).reason) for x in (g, m)] == [
        (False, Reason.NOT_OPEN_YET),
        (False, Reason.NOT_OPEN_YET),
    ]
    # in the window (from 08:00 UTC): the Gold member only (the Member is in no club)
    clock.now = datetime(2026, 3, 1, 8, 0)
    assert [(ask(x).allowed, ask(x).reason) for x in (g, m)] == [
        (True, Reason.TIER),
        (False, Reason.NOT_ELIGIBLE),
    ]
    # open to all from 8 March 08:00 UTC
    clock.now = datetime(2026, 3, 8, 8, 0)
    assert ask(m).allowed and ask(m).reason is Reason.OPEN_TO_ALL
    assert ask(m).opens_at == datetime(2026, 3, 1, 8, 0)


def test_a_member_of_a_named_club_buys_early_and_no_longer_once_out_of_it(
    patron: Patron, clock: Clock
) -> None:
    # given a Member (no Gold tier) added by staff to the kids club
    m = member(patron, "m-1")
    patron.run(step, ClubStep("kids", MemberRef(id=m), Step.ADD, "staff"))
    clock.now = datetime(2026, 3, 1, 8, 0)
    # in the early window: allowed, because of the club
    found = patron.read(check_early_access, m, "spring")
    assert (found.allowed, found.reason) == (True, Reason.CLUB)
    # out of the club: no longer, until the opening to all
    patron.run(step, ClubStep("kids", MemberRef(id=m), Step.REMOVE, "staff"))
    found = patron.read(check_early_access, m, "spring")
    assert (found.allowed, found.reason) == (False, Reason.NOT_ELIGIBLE)


def test_an_unknown_offer_is_not_found_naming_the_known_ones(patron: Patron) -> None:
    mid = member(patron, "m-1")
    with pytest.raises(NotFound, match=r"no early access offer 'autumn'.*known: spring"):
        patron.read(check_early_access, mid, "autumn")
