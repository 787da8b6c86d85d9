"""Clubs: closed groups of members with benefits of their own (docs/clubs.md).

Design overview. A club is declared in the program file (`domain/program.Club`): how its
members come in (by invitation, by request with staff approval, or by a rule on their
purchase history) and what they get (a multiplier on its categories, rewards only its
members may take). The store holds, per club and member, where they stand now
(`Standing`: invited, requested or member) and, append-only, every change that brought
them there or out (`ClubChange`: who, why and when). This module says which change a
club's way of joining allows from which standing (`next_standing`), and what a rule's
evaluation changes (`Evaluation`): both pure, so the use cases (services/clubs.py) only
fetch, decide here, and write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from patron.domain.errors import ClubJoinRefused, RewardForClubs
from patron.domain.lots import add_months
from patron.domain.program import Club, ClubJoin, ClubRule, Reward


class Standing(StrEnum):
    INVITED = "invited"  # staff invited them; they have not accepted yet
    REQUESTED = "requested"  # they asked; staff have not decided yet
    MEMBER = "member"  # in the club: its benefits apply


class Change(StrEnum):
    """One line of a club's history."""

    INVITED = "invited"  # staff invited the member
    REQUESTED = "requested"  # the member asked to join
    JOINED = "joined"  # in: an invitation accepted, a request approved, added, a rule
    REFUSED = "refused"  # staff refused the member's request
    DECLINED = "declined"  # the member declined an invitation
    LEFT = "left"  # out: removed by staff, or the rule no longer holds


@dataclass(frozen=True, slots=True)
class ClubMember:
    club_id: str
    member_id: int
    standing: Standing
    since: datetime


@dataclass(frozen=True, slots=True)
class ClubChange:
    club_id: str
    member_id: int
    change: Change
    at: datetime
    actor: str  # "member" when they acted in the portal, "rule" for the evaluation
    reason: str | None = None


class Step(StrEnum):
    """What staff or a member ask of a club."""

    INVITE = "invite"  # staff
    ADD = "add"  # staff, straight in
    REMOVE = "remove"  # staff
    REQUEST = "request"  # the member
    ACCEPT = "accept"  # the member, an invitation
    DECLINE = "decline"  # the member, an invitation
    APPROVE = "approve"  # staff, a request
    REFUSE = "refuse"  # staff, a request


# step -> (the club's ways of joining it is for, the standings it starts from, the change
# recorded, the standing it leaves: None when the member is out of the club)
_STEPS: dict[Step, tuple[frozenset[ClubJoin], frozenset[Standing | None], Change, Standing | None]]
_OPEN = frozenset({ClubJoin.INVITATION, ClubJoin.REQUEST})
_STEPS = {
    Step.INVITE: (
        frozenset({ClubJoin.INVITATION}),
        frozenset({None}),
        Change.INVITED,
        Standing.INVITED,
    ),
    Step.ADD: (
        _OPEN,
        frozenset({None, Standing.INVITED, Standing.REQUESTED}),
        Change.JOINED,
        Standing.MEMBER,
    ),
    Step.REMOVE: (_OPEN, frozenset({Standing.MEMBER}), Change.LEFT, None),
    Step.REQUEST: (
        frozenset({ClubJoin.REQUEST}),
        frozenset({None}),
        Change.REQUESTED,
        Standing.REQUESTED,
    ),
    Step.ACCEPT: (_OPEN, frozenset({Standing.INVITED}), Change.JOINED, Standing.MEMBER),
    Step.DECLINE: (_OPEN, frozenset({Standing.INVITED}), Change.DECLINED, None),
    Step.APPROVE: (_OPEN, frozenset({Standing.REQUESTED}), Change.JOINED, Standing.MEMBER),
    Step.REFUSE: (_OPEN, frozenset({Standing.REQUESTED}), Change.REFUSED, None),
}

_NOW = {
    None: "member {m} is not in club {c!r}, nor invited to it or asking to join",
    Standing.INVITED: "member {m} is invited to club {c!r} already",
    Standing.REQUESTED: "member {m} has asked to join club {c!r} already",
    Standing.MEMBER: "member {m} is in club {c!r} already",
}


def next_standing(
    club: Club, member_id: int, standing: Standing | None, step: Step
) -> tuple[Change, Standing | None]:
    """The change `step` records and the standing it leaves, or ClubJoinRefused naming why:
    a rule club's members are its rule's alone; an invitation club takes no requests; a
    request club is joined by asking (staff may still add a member); a step needs its
    standing (an approval needs a request, an acceptance an invitation)."""
    kinds, starts, change, after = _STEPS[step]
    if club.join not in kinds:
        raise ClubJoinRefused(
            f"club {club.id!r} is joined by {club.join.value}: it takes no {step.value}"
            + (
                " (its rule decides, `patron clubs evaluate`)" if club.join is ClubJoin.RULE else ""
            ),
            club_id=club.id,
        )
    if standing not in starts:
        raise ClubJoinRefused(
            f"{_NOW[standing].format(m=member_id, c=club.id)}: cannot {step.value}",
            club_id=club.id,
            member_id=member_id,
        )
    return change, after


def window_start(rule: ClubRule, now: datetime) -> datetime:
    """The first moment of a rule's window: `window_months` before now (same day, clamped
    to the month's end)."""
    return add_months(now, -rule.window_months)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What a rule club's evaluation changes: those the rule holds for and who are not in
    (admitted), and those in for whom it no longer holds (removed); sorted ids."""

    admitted: tuple[int, ...]
    removed: tuple[int, ...]


def evaluate(qualifying: Iterable[int], members: Iterable[int]) -> Evaluation:
    qualify, current = set(qualifying), set(members)
    return Evaluation(tuple(sorted(qualify - current)), tuple(sorted(current - qualify)))


def check_reward_clubs(reward: Reward | None, member_clubs: Iterable[str]) -> None:
    """Refuse a reward for some clubs to a member of none of them (a reward that names
    no club is for everyone)."""
    if reward is None or not reward.clubs:
        return
    if set(reward.clubs).isdisjoint(member_clubs):
        raise RewardForClubs(
            f"reward {reward.id!r} is for the members of clubs {list(reward.clubs)};"
            " the member is in none of them",
            clubs=list(reward.clubs),
        )


def for_member(reward: Reward | None, member_clubs: Iterable[str]) -> bool:
    """Whether a member of `member_clubs` may take `reward` as far as clubs go."""
    return reward is None or not reward.clubs or not set(reward.clubs).isdisjoint(member_clubs)
