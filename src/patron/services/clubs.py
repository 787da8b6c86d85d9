"""Clubs: invitations, requests and their decisions, staff adding and removing members,
and the periodic evaluation of rule clubs (docs/clubs.md).

Design overview. The clubs are the program file's (`[[clubs]]`); the store keeps where
each member stands in each and every change (store/clubs.py). A step asked by staff or a
member (`ClubStep`) locks the member's row, reads their standing, lets
`domain.clubs.next_standing` decide, and writes the standing and one history line in the
same transaction: of two staff deciding one request at once, the second is refused. A
rule club's members are its rule's alone: `evaluate_club` computes in one SQL query the
members the rule holds for (store/clubs.Clubs.qualifying), admits those not in and
removes those in for whom it no longer holds, each with its history line; run again on
the same data it changes nothing. `member_club_ids` is what earning and redemption read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.clubs import (
    Change,
    ClubChange,
    ClubMember,
    Standing,
    Step,
    evaluate,
    next_standing,
    window_start,
)
from patron.domain.errors import InvalidInput, NotFound
from patron.domain.member import ensure_not_erased
from patron.domain.program import Club, ClubJoin, Program
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

RULE_ACTOR = "rule"


@dataclass(frozen=True)
class ClubStep:
    """A change asked of a club: by staff (invite, add, remove, approve, refuse) or by the
    member (request, accept, decline; `actor` `member:<id>`)."""

    club_id: str
    member: MemberRef
    step: Step
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class Stepped:
    club_id: str
    member_id: int
    change: Change
    standing: Standing | None  # None: out of the club
    at: datetime


@dataclass(frozen=True)
class ClubSummary:
    club: Club
    members: int
    invited: int
    requested: int


@dataclass(frozen=True)
class MemberClub:
    """A club as one member sees it: where they stand (None: not in it, nor asking)."""

    club: Club
    standing: Standing | None


@dataclass(frozen=True)
class Evaluated:
    club_id: str
    admitted: tuple[int, ...]
    removed: tuple[int, ...]


def club_of(program: Program, club_id: str) -> Club:
    club = program.club(club_id)
    if club is None:
        known = ", ".join(c.id for c in program.clubs) or "none"
        raise NotFound(f"no club {club_id!r} in the program (its clubs: {known})")
    return club


def step(uow: UnitOfWork, cmd: ClubStep) -> Stepped:
    """Apply one step to a member's standing in a club, with its history line."""
    _, program = current_program(uow)
    club = club_of(program, cmd.club_id)
    member = find_member(uow, cmd.member, lock=True)
    if cmd.step not in (Step.REMOVE, Step.REFUSE, Step.DECLINE):
        ensure_not_erased(member, f"join club {club.id!r}")
    now = uow.clubs.standing(club.id, member.id)
    change, after = next_standing(club, member.id, now.standing if now else None, cmd.step)
    uow.clubs.set_standing(club.id, member.id, after, uow.now)
    uow.clubs.record([ClubChange(club.id, member.id, change, uow.now, cmd.actor, cmd.reason)])
    uow.outbox.add(_announced(club.id, [(member.id, change)], uow.now, cmd.actor), uow.now)
    return Stepped(club.id, member.id, change, after, uow.now)


def list_clubs(uow: UnitOfWork) -> list[ClubSummary]:
    """The program's clubs with how many members, invitations and requests each has."""
    _, program = current_program(uow)
    counts = uow.clubs.counts()

    def n(club: Club, standing: Standing) -> int:
        return counts.get((club.id, standing), 0)

    return [
        ClubSummary(c, n(c, Standing.MEMBER), n(c, Standing.INVITED), n(c, Standing.REQUESTED))
        for c in program.clubs
    ]


def club_members(uow: UnitOfWork, club_id: str, standing: Standing | None) -> list[ClubMember]:
    """A club's members (or its invitations, or its requests), by member id."""
    _, program = current_program(uow)
    return uow.clubs.in_club(club_of(program, club_id).id, standing)


def club_history(
    uow: UnitOfWork, club_id: str | None = None, member: MemberRef | None = None
) -> list[ClubChange]:
    """The joins, leaves and the rest of a club, of a member, or both, oldest first."""
    if club_id is not None:
        club_of(current_program(uow)[1], club_id)
    member_id = find_member(uow, member).id if member is not None else None
    return uow.clubs.history(club_id=club_id, member_id=member_id)


def member_clubs(uow: UnitOfWork, member_id: int) -> list[MemberClub]:
    """Every club of the program as the member sees it: those they stand in, and those
    they may ask to join (request clubs); invitation and rule clubs they are not in stay
    hidden."""
    _, program = current_program(uow)
    standing = {m.club_id: m.standing for m in uow.clubs.of_member(member_id)}
    return [
        MemberClub(c, standing.get(c.id))
        for c in program.clubs
        if c.id in standing or c.join is ClubJoin.REQUEST
    ]


def member_club_ids(uow: UnitOfWork, program: Program, member_id: int) -> frozenset[str]:
    """The clubs of the program the member is in; no statement when it has none."""
    if not program.clubs:
        return frozenset()
    ids = {c.id for c in program.clubs}
    return uow.clubs.clubs_of(member_id) & ids


def rule_clubs(uow: UnitOfWork) -> list[str]:
    """The ids of the program's rule clubs, in the program's order."""
    _, program = current_program(uow)
    return [c.id for c in program.clubs if c.join is ClubJoin.RULE]


def evaluate_club(uow: UnitOfWork, club_id: str) -> Evaluated:
    """Admit the members a rule club's rule now holds for and remove those it no longer
    holds for, recording each join and leave; idempotent."""
    _, program = current_program(uow)
    club = club_of(program, club_id)
    if club.rule is None:
        raise InvalidInput(f"club {club.id!r} is joined by {club.join.value}, not by a rule")
    since = window_start(club.rule, uow.now)
    qualifying = uow.clubs.qualifying(club.rule, since, uow.now)
    found = evaluate(qualifying, uow.clubs.member_ids(club.id))
    # an invitation or request left from when the club was joined otherwise gives way
    uow.clubs.remove(club.id, found.admitted + found.removed)
    uow.clubs.admit(club.id, found.admitted, uow.now)
    why = f"rule over purchases since {since:%Y-%m-%d}"
    uow.clubs.record(
        [ClubChange(club.id, m, Change.JOINED, uow.now, RULE_ACTOR, why) for m in found.admitted]
        + [ClubChange(club.id, m, Change.LEFT, uow.now, RULE_ACTOR, why) for m in found.removed]
    )
    changes = [(m, Change.JOINED) for m in found.admitted]
    changes += [(m, Change.LEFT) for m in found.removed]
    uow.outbox.add(_announced(club.id, changes, uow.now, RULE_ACTOR), uow.now)
    return Evaluated(club.id, found.admitted, found.removed)


def _announced(
    club_id: str, changes: list[tuple[int, Change]], at: datetime, actor: str
) -> list[events.Event]:
    """The outbox events of the changes that move a member in or out (not invitations,
    requests and their refusals: the member is not in the club yet)."""
    made = {Change.JOINED: events.club_joined, Change.LEFT: events.club_left}
    return [made[c](m, at, club_id, actor) for m, c in changes if c in made]
