"""Enrolling a member: welcome bonus, optional referral, and the first tier.

A referral code links the new member to the referrer (services/referrals.py) once the
friend is found not to look like the referrer or one of their friends; both are paid
later, on the friend's first qualifying purchase (docs/referrals.md). The referrer's row
is locked, as every write that concerns a referrer is, so the look-alike check sees every
friend enrolled before this one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.clock import AHEAD, latest_allowed, to_utc_naive
from patron.domain.errors import InvalidInput, MemberExists
from patron.domain.member import Member, NewMember
from patron.domain.program import Program
from patron.domain.records import EntryKind
from patron.domain.referrals import Identity
from patron.services.balances import Account, credit, locked_account, save
from patron.services.commands import Enroll
from patron.services.experiments import withheld
from patron.services.program import current_program
from patron.services.referrals import check_friend, link
from patron.store.uow import UnitOfWork

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


@dataclass(frozen=True)
class Enrolled:
    member: Member
    welcome_points: int
    referral_points: int


def new_referral_code() -> str:
    """8 characters from a 32-letter alphabet: 40 random bits, uniform (256 % 32 == 0)."""
    return "".join(_ALPHABET[b % 32] for b in secrets.token_bytes(8))


def new_member(
    program: Program,
    external_id: str,
    at: datetime,
    *,
    email: str | None = None,
    name: str | None = None,
    referred_by: int | None = None,
    acquisition_channel: str | None = None,
) -> NewMember:
    """A member enrolled at `at`, by the API or by an import: in the program's first
    tier, with a referral code of their own."""
    return NewMember(
        external_id=external_id,
        tier=program.tiers.levels[0].name,
        enrolled_at=at,
        referral_code=new_referral_code(),
        email=email,
        name=name,
        referred_by=referred_by,
        acquisition_channel=acquisition_channel,
    )


def enroll(uow: UnitOfWork, cmd: Enroll) -> Enrolled:
    if not cmd.external_id.strip():
        raise InvalidInput("external_id must not be empty")
    _, program = current_program(uow)
    existing = uow.members.by_external_id(cmd.external_id)
    if existing is not None:
        raise MemberExists(
            f"a member with external_id {cmd.external_id!r} already exists (member {existing.id})",
            member_id=existing.id,
        )
    referrer = None
    if cmd.referral_code:
        found = uow.members.by_referral_code(cmd.referral_code)
        if found is None or found.erased_at is not None:
            raise InvalidInput(f"referral_code {cmd.referral_code!r} belongs to no member")
        referrer = locked_account(uow, found.id)
    at = to_utc_naive(cmd.enrolled_at) if cmd.enrolled_at else uow.now
    if at > latest_allowed(uow.now):
        raise InvalidInput(f"enrolled_at {at.isoformat()} (UTC) {AHEAD}")
    if referrer is not None:
        check_friend(uow, program, referrer.id, Identity(cmd.email, cmd.phone))
    new = new_member(
        program,
        cmd.external_id,
        at,
        email=cmd.email,
        name=cmd.name,
        referred_by=referrer.id if referrer else None,
        acquisition_channel=cmd.acquisition_channel or None,
    )
    account = Account(uow.members.add(new))
    member_id = account.id
    if cmd.phone:
        uow.contacts.set_phone(member_id, cmd.phone)
    if referrer is not None:
        link(uow, referrer.id, member_id, at)
    if cmd.birthday is not None:
        uow.birthdays.set(member_id, cmd.birthday)
    announced = [events.member_enrolled(member_id, at, new.tier)]
    welcome = program.earning.welcome_bonus
    if withheld(uow, member_id, at, purchase=False):
        welcome = 0
    if welcome:
        credit(uow, account, EntryKind.WELCOME, welcome, at, program)
        announced.append(events.points_earned(member_id, at, welcome, None))
    uow.outbox.add(announced, uow.now)
    save(uow, account)
    # referral points come with the friend's qualifying purchase (services/referrals.py)
    return Enrolled(member=account.member, welcome_points=welcome, referral_points=0)
