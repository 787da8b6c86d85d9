"""Clubs (services/clubs.py): a rule club admits and removes the right members, an earn
in a club's category gets its multiplier and names it, a reward for a club is refused to
anyone else, and every join and leave is in the club's history.

Elsewhere: which step a club allows, without a store (tests/unit/test_clubs.py); the
program file's [[clubs]] (tests/unit/test_clubs.py); the CLI and the API
(tests/integration/test_clubs_cli.py, tests/e2e/test_clubs_api.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from patron.bootstrap import Patron
from patron.domain.clubs import Change, Standing, Step
from patron.domain.errors import ClubJoinRefused, RewardForClubs
from patron.domain.purchases import ReturnLine
from patron.services.clubs import ClubStep, club_history, evaluate_club, step
from patron.services.commands import MemberRef, Redeem, Refund
from patron.services.queries import member_catalog
from patron.services.redeem import quote, redeem
from patron.services.refund import refund
from tests.conftest import Clock, use_program
from tests.integration.helpers import balance_of, buy, member

pytestmark = pytest.mark.usefixtures("verified")

PROGRAM = """
name = "Clubs"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR, spendable at once

[tiers]
  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Gold"
  threshold = 100
  multiplier = 1.5

[[rewards]]
id = "party"
name = "Kids party"
kind = "event"
points = 100
clubs = ["kids"]            # for the kids club's members only

[[clubs]]
id = "kids"
name = "Kids club"
join = "rule"
multiplier = 2              # on kids lines only
categories = ["kids"]

[clubs.rule]
category = "kids"
min_spend = 200             # at least 200 EUR of kids, net of returns
window_months = 12          # over the last 12 months

[[clubs]]
id = "wine"
name = "Wine circle"
join = "invitation"

[[clubs]]
id = "runners"
name = "Runners"
join = "request"
"""


@pytest.fixture(autouse=True)
def _program(patron: Patron) -> None:
    use_program(patron, PROGRAM)


def _kids(patron: Patron, mid: int, order: str, euros: int, at: datetime) -> int:
    """A purchase of `euros` kids items at 10 EUR each; its id."""
    return buy(patron, mid, order, ("K", "kids", euros // 10, "10.00"), at=at).purchase_id


def _changes(patron: Patron, club: str) -> list[tuple[int, Change, str]]:
    return [(c.member_id, c.change, c.actor) for c in patron.read(club_history, club)]


# --- rule clubs -------------------------------------------------------------------------


def test_a_rule_club_admits_and_removes_the_right_members_and_records_why(
    patron: Patron, clock: Clock
) -> None:
    # given, evaluated on 1 Feb 2026 09:00: the window starts 1 Feb 2025 09:00
    clock.now = datetime(2026, 2, 1, 9)
    ana, bogdan, carmen, dan, eva = (member(patron, n) for n in ("ana", "bo", "ca", "dan", "eva"))
    _kids(patron, ana, "a1", 150, datetime(2025, 3, 10))
    _kids(patron, ana, "a2", 60, datetime(2026, 1, 15))  # 210 in the window: in
    _kids(patron, bogdan, "b1", 250, datetime(2025, 1, 20))  # before the window: out
    c1 = _kids(patron, carmen, "c1", 220, datetime(2025, 6, 1))
    patron.run(refund, Refund(c1, (ReturnLine(1, 3),)))  # 30 returned: 190, out
    buy(patron, dan, "d1", ("H", "home", 30, "10.00"), at=datetime(2025, 6, 1))  # not kids
    _kids(patron, eva, "e1", 200, datetime(2025, 2, 1, 10))  # exactly 200, just inside
    # when
    first = patron.run(evaluate_club, "kids")
    again = patron.run(evaluate_club, "kids")
    # then: the rule's members, and a second run changes nothing
    assert (first.admitted, first.removed) == ((ana, eva), ())
    assert (again.admitted, again.removed) == ((), ())
    # given, six weeks on (window from 15 Mar 2025): Ana's 150 and Eva's 200 fall out of
    # it (60 and 0 left), Bogdan buys 200 again
    clock.now = datetime(2026, 3, 15, 9)
    _kids(patron, bogdan, "b2", 200, datetime(2026, 3, 1))
    later = patron.run(evaluate_club, "kids")
    assert (later.admitted, later.removed) == ((bogdan,), (ana, eva))
    with patron.uow(readonly=True) as uow:
        assert uow.clubs.member_ids("kids") == [bogdan]
    assert _changes(patron, "kids") == [
        (ana, Change.JOINED, "rule"),
        (eva, Change.JOINED, "rule"),
        (bogdan, Change.JOINED, "rule"),
        (ana, Change.LEFT, "rule"),
        (eva, Change.LEFT, "rule"),
    ]
    [last] = [c for c in patron.read(club_history, "kids") if c.member_id == eva][-1:]
    assert (last.at, last.reason) == (clock.now, "rule over purchases since 2025-03-15")


def test_staff_cannot_change_a_rule_clubs_members(patron: Patron) -> None:
    mid = member(patron)
    with pytest.raises(ClubJoinRefused, match="club 'kids' is joined by rule: it takes no add"):
        patron.run(step, ClubStep("kids", MemberRef(id=mid), Step.ADD, "staff"))
    assert _changes(patron, "kids") == []


# --- benefits ---------------------------------------------------------------------------


def test_an_earn_in_a_clubs_category_gets_its_multiplier_and_names_the_club(
    patron: Patron, clock: Clock
) -> None:
    # given Ana in the kids club (220 EUR of kids this year), Bogdan not
    clock.now = datetime(2026, 2, 1, 9)
    ana, bogdan = member(patron, "ana"), member(patron, "bo")
    _kids(patron, ana, "a1", 220, datetime(2026, 1, 10))  # 220 points; Gold from now (>= 100)
    _kids(patron, bogdan, "b1", 20, datetime(2026, 1, 10))  # 20 points: Bronze
    patron.run(evaluate_club, "kids")
    # when each buys 30 EUR of kids and 10 EUR of home
    lines = (("K", "kids", 3, "10.00"), ("H", "home", 1, "10.00"))
    ana_earned = buy(patron, ana, "a2", *lines)
    bogdan_earned = buy(patron, bogdan, "b2", *lines)
    # then Ana: kids 30 base, Gold x1.5 -> 45 (+15), club x2 -> 90 (+45); home 10, x1.5 -> 15
    assert [(b.rule, b.points) for b in ana_earned.breakdown] == [
        ("base", 40),
        ("tier Gold x1.5", 20),
        ("club kids x2", 45),
    ]
    assert ana_earned.points_earned == 105
    # Bogdan, in no club and Bronze: the base alone
    assert [(b.rule, b.points) for b in bogdan_earned.breakdown] == [("base", 40)]


def test_a_reward_for_a_club_is_refused_to_a_non_member_and_changes_nothing(
    patron: Patron, clock: Clock
) -> None:
    clock.now = datetime(2026, 2, 1, 9)
    ana, bogdan = member(patron, "ana"), member(patron, "bo")
    _kids(patron, ana, "a1", 200, datetime(2026, 1, 10))  # 200 points, in the club
    buy(patron, bogdan, "b1", ("H", "home", 20, "10.00"), at=datetime(2026, 1, 10))  # 200
    patron.run(evaluate_club, "kids")
    # Bogdan: refused with its own code, quoted alike, not offered, nothing spent
    with pytest.raises(RewardForClubs) as refused:
        patron.run(redeem, Redeem(bogdan, reward_id="party"))
    assert (refused.value.code, refused.value.facts) == (
        "reward_for_club_members",
        {"clubs": ["kids"]},
    )
    with pytest.raises(RewardForClubs):
        patron.read(quote, Redeem(bogdan, reward_id="party"))
    assert balance_of(patron, bogdan) == 200
    assert "party" not in [o.reward.id for o in patron.read(member_catalog, bogdan).offers]
    # Ana, a member: offered and redeemed
    assert "party" in [o.reward.id for o in patron.read(member_catalog, ana).offers]
    done = patron.run(redeem, Redeem(ana, reward_id="party"))
    assert (done.points, done.balance) == (100, 100)


# --- invitations and requests -----------------------------------------------------------


def _step(patron: Patron, club: str, mid: int, what: Step, actor: str = "ops") -> Standing | None:
    return patron.run(step, ClubStep(club, MemberRef(id=mid), what, actor)).standing


def test_every_join_and_leave_is_in_the_clubs_history_with_who(patron: Patron) -> None:
    ana, bogdan = member(patron, "ana"), member(patron, "bo")
    me = f"member:{ana}"
    # an invitation, accepted in the portal; then removed by staff
    assert _step(patron, "wine", ana, Step.INVITE) is Standing.INVITED
    assert _step(patron, "wine", ana, Step.ACCEPT, me) is Standing.MEMBER
    assert _step(patron, "wine", ana, Step.REMOVE) is None
    # a request refused, then asked again and approved
    assert _step(patron, "runners", bogdan, Step.REQUEST, "member") is Standing.REQUESTED
    assert _step(patron, "runners", bogdan, Step.REFUSE) is None
    assert _step(patron, "runners", bogdan, Step.REQUEST, "member") is Standing.REQUESTED
    assert _step(patron, "runners", bogdan, Step.APPROVE) is Standing.MEMBER
    assert _changes(patron, "wine") == [
        (ana, Change.INVITED, "ops"),
        (ana, Change.JOINED, me),
        (ana, Change.LEFT, "ops"),
    ]
    assert _changes(patron, "runners") == [
        (bogdan, Change.REQUESTED, "member"),
        (bogdan, Change.REFUSED, "ops"),
        (bogdan, Change.REQUESTED, "member"),
        (bogdan, Change.JOINED, "ops"),
    ]
    with patron.uow(readonly=True) as uow:
        assert uow.clubs.clubs_of(bogdan) == frozenset({"runners"})
        assert uow.clubs.clubs_of(ana) == frozenset()


@pytest.mark.parametrize(
    ("club", "what", "refusal"),
    [
        ("wine", Step.REQUEST, "club 'wine' is joined by invitation: it takes no request"),
        ("runners", Step.INVITE, "club 'runners' is joined by request: it takes no invite"),
        (
            "runners",
            Step.APPROVE,
            "is not in club 'runners', nor invited to it or asking to join: cannot approve",
        ),
        (
            "wine",
            Step.ACCEPT,
            "is not in club 'wine', nor invited to it or asking to join: cannot accept",
        ),
    ],
)
def test_a_step_the_club_does_not_allow_is_refused_and_changes_nothing(
    patron: Patron, club: str, what: Step, refusal: str
) -> None:
    mid = member(patron)
    with pytest.raises(ClubJoinRefused, match=refusal):
        _step(patron, club, mid, what)
    assert _changes(patron, club) == []
    with patron.uow(readonly=True) as uow:
        assert uow.clubs.of_member(mid) == []


def test_an_invitation_cannot_be_sent_twice(patron: Patron) -> None:
    mid = member(patron)
    _step(patron, "wine", mid, Step.INVITE)
    with pytest.raises(ClubJoinRefused, match="is invited to club 'wine' already: cannot invite"):
        _step(patron, "wine", mid, Step.INVITE)
    assert len(_changes(patron, "wine")) == 1
