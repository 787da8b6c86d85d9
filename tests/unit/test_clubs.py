"""Clubs without a store (domain/clubs.py, domain/program.py): the program file's
[[clubs]] refused with the field named, which step each way of joining allows from which
standing, a rule's evaluation and window, the exclusive rewards, and the club multiplier
in scoring."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from patron.domain.clubs import (
    Change,
    Standing,
    Step,
    check_reward_clubs,
    evaluate,
    for_member,
    next_standing,
    window_start,
)
from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.errors import ClubJoinRefused, InvalidProgram, RewardForClubs
from patron.domain.program import Club, ClubJoin, ClubRule, Reward, RewardKind, parse_program

HEAD = 'name = "x"\ncurrency = "EUR"\n'
KIDS = """
[[clubs]]
id = "kids"
name = "Kids club"
join = "rule"
multiplier = 2
categories = ["kids"]

[clubs.rule]
category = "kids"
min_spend = 200
"""


def _errors(text: str) -> list[tuple[object, str]]:
    with pytest.raises(InvalidProgram) as info:
        parse_program(HEAD + text, "p.toml")
    return [(e["field"], str(e["message"])) for e in info.value.facts["errors"]]  # type: ignore[union-attr]


def test_a_club_parses_with_its_rule_and_a_12_month_window() -> None:
    program = parse_program(HEAD + KIDS)
    [club] = program.clubs
    assert (club.id, club.join, club.multiplier, club.categories) == (
        "kids",
        ClubJoin.RULE,
        Decimal(2),
        ["kids"],
    )
    assert club.rule == ClubRule(category="kids", min_spend=Decimal(200), window_months=12)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (KIDS.replace('[clubs.rule]\ncategory = "kids"\nmin_spend = 200\n', ""), "clubs.0",
         "join = 'rule' needs a [clubs.rule]"),
        (KIDS.replace("min_spend = 200", "window_months = 6"), "clubs.0.rule",
         "a club rule needs min_spend, min_purchases or both"),
        (KIDS.replace('join = "rule"', 'join = "friends"'), "clubs.0.join", "'invitation'"),
        (KIDS.replace("min_spend = 200", "min_spend = -1"), "clubs.0.rule.min_spend",
         "greater than 0"),
        (KIDS.replace("multiplier = 2", "multiplier = 11"), "clubs.0.multiplier",
         "less than or equal to 10"),
        (KIDS.replace('join = "rule"', 'join = "invitation"'), "clubs.0",
         "a rule is for join = 'rule' clubs, not 'invitation'"),
        (KIDS + KIDS.replace("[clubs.rule]", "[clubs.rule]"), "(top level)",
         "club ids must be unique"),
        (KIDS + '[[rewards]]\nid = "r"\nname = "R"\nkind = "gift"\npoints = 1\nclubs = ["kid"]\n',
         "(top level)", "reward 'r' names unknown clubs ['kid']; known: ['kids']"),
    ],
)  # fmt: skip
def test_a_club_that_cannot_work_is_refused_naming_the_field(
    text: str, field: str, message: str
) -> None:
    [(named, why)] = _errors(text)
    assert named == field
    assert message in why


@pytest.mark.parametrize(
    ("join", "standing", "step", "change", "after"),
    [
        (ClubJoin.INVITATION, None, Step.INVITE, Change.INVITED, Standing.INVITED),
        (ClubJoin.INVITATION, Standing.INVITED, Step.ACCEPT, Change.JOINED, Standing.MEMBER),
        (ClubJoin.INVITATION, Standing.INVITED, Step.DECLINE, Change.DECLINED, None),
        (ClubJoin.INVITATION, None, Step.ADD, Change.JOINED, Standing.MEMBER),
        (ClubJoin.REQUEST, None, Step.REQUEST, Change.REQUESTED, Standing.REQUESTED),
        (ClubJoin.REQUEST, Standing.REQUESTED, Step.APPROVE, Change.JOINED, Standing.MEMBER),
        (ClubJoin.REQUEST, Standing.REQUESTED, Step.REFUSE, Change.REFUSED, None),
        (ClubJoin.REQUEST, Standing.MEMBER, Step.REMOVE, Change.LEFT, None),
    ],
)
def test_each_way_of_joining_allows_its_steps(
    join: ClubJoin, standing: Standing | None, step: Step, change: Change, after: Standing | None
) -> None:
    club = Club(id="c", name="C", join=join)
    assert next_standing(club, 7, standing, step) == (change, after)


@pytest.mark.parametrize(
    ("join", "standing", "step"),
    [
        (ClubJoin.INVITATION, None, Step.REQUEST),  # an invitation club takes no requests
        (ClubJoin.REQUEST, None, Step.INVITE),  # a request club is asked to join
        (ClubJoin.INVITATION, Standing.MEMBER, Step.INVITE),  # in already
        (ClubJoin.REQUEST, None, Step.APPROVE),  # nothing asked
        (ClubJoin.REQUEST, Standing.MEMBER, Step.REQUEST),  # in already
        (ClubJoin.INVITATION, None, Step.REMOVE),  # not in
    ],
)
def test_a_step_a_club_does_not_allow_is_refused(
    join: ClubJoin, standing: Standing | None, step: Step
) -> None:
    club = Club(id="c", name="C", join=join)
    with pytest.raises(ClubJoinRefused):
        next_standing(club, 7, standing, step)


def test_a_rule_club_takes_no_step_from_staff_or_member() -> None:
    club = Club(id="k", name="K", join=ClubJoin.RULE, rule=ClubRule(min_purchases=3))
    for step in Step:
        with pytest.raises(ClubJoinRefused, match="joined by rule"):
            next_standing(club, 7, None, step)


def test_an_evaluation_admits_the_new_and_removes_the_lapsed() -> None:
    found = evaluate(qualifying=[5, 1, 3], members=[3, 4, 9])
    assert (found.admitted, found.removed) == ((1, 5), (4, 9))
    assert evaluate([1, 2], [2, 1]) == evaluate([], [])  # nothing to change either way


def test_a_rules_window_is_calendar_months_back_clipped_to_the_months_end() -> None:
    rule = ClubRule(min_spend=Decimal(1), window_months=1)
    assert window_start(rule, datetime(2026, 3, 31, 8)) == datetime(2026, 2, 28, 8)
    assert window_start(ClubRule(min_spend=Decimal(1)), datetime(2026, 2, 1)) == datetime(
        2025, 2, 1
    )


def test_a_reward_for_clubs_is_for_their_members_only() -> None:
    party = Reward(id="p", name="P", kind=RewardKind.EVENT, points=1, clubs=["kids", "wine"])
    everyone = Reward(id="e", name="E", kind=RewardKind.GIFT, points=1)
    assert (for_member(party, {"wine"}), for_member(party, {"runners"})) == (True, False)
    assert for_member(everyone, set())
    check_reward_clubs(party, {"kids"})
    with pytest.raises(RewardForClubs, match=r"for the members of clubs \['kids', 'wine'\]"):
        check_reward_clubs(party, frozenset())


def test_a_clubs_multiplier_applies_to_its_categories_for_its_members_only() -> None:
    program = parse_program(HEAD + "[categories]\nkids = 1.5\n" + KIDS)
    facts = PurchaseFacts(
        datetime(2026, 1, 1),
        "EUR",
        (Line("K", "kids", 1, Decimal("10.00")), Line("H", "home", 1, Decimal("10.00"))),
    )
    member = score(program, MemberState("Member", clubs=frozenset({"kids"})), facts)
    other = score(program, MemberState("Member"), facts)
    # kids: 10 base, category x1.5 -> 15 (+5), club x2 -> 30 (+15); home: 10
    assert [(b.rule, b.points) for b in member.breakdown] == [
        ("base", 20),
        ("category kids x1.5", 5),
        ("club kids x2", 15),
    ]
    assert (member.line_points, other.line_points) == ((30, 10), (15, 10))
