"""Enrolling a member: welcome bonus, optional referral, and the first tier.

A referral credits the referrer, so it locks the referrer's row like every other write on
a balance; that also serializes the count of newcomers a code has brought in, so
`earning.referral_max_per_code` holds under concurrent enrollments.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.clock import AHEAD, latest_allowed, to_utc_naive
from patron.domain.errors import InvalidInput, MemberExists
from patron.domain.ledger import EntryRefs
from patron.domain.member import Member, NewMember
from patron.domain.program import EarningPolicy, Program
from patron.domain.records import EntryKind
from patron.services.balances import Account, credit, locked_account, save
from patron.services.commands import Enroll
from patron.services.experiments import withheld
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


INVITED = "referred"  # the reason of the bonus a newcomer gets for being invited


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
    referral = _referral_bonus(uow, program.earning, referrer)
    # a control member of a running experiment receives nothing (services/experiments.py)
    referrer_bonus = referral
    if referrer is not None and withheld(uow, referrer.id, at, purchase=False):
        referrer_bonus = 0
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
    if cmd.birthday is not None:
        uow.birthdays.set(member_id, cmd.birthday)
    announced = [events.member_enrolled(member_id, at, new.tier)]
    welcome = program.earning.welcome_bonus
    if withheld(uow, member_id, at, purchase=False):
        welcome = referral = 0
    if welcome:
        credit(uow, account, EntryKind.WELCOME, welcome, at, program)
        announced.append(events.points_earned(member_id, at, welcome, None))
    if referrer and referral:
        credit(
            uow,
            account,
            EntryKind.REFERRAL,
            referral,
            at,
            program,
            refs=EntryRefs(reason=INVITED),
        )
        announced.append(events.points_earned(member_id, at, referral, None))
    if referrer and referrer_bonus:
        credit(
            uow,
            referrer,
            EntryKind.REFERRAL,
            referrer_bonus,
            at,
            program,
            # an id: no personal data in the ledger
            refs=EntryRefs(reason=f"referred member {member_id}"),
        )
        announced.append(events.points_earned(referrer.id, at, referrer_bonus, None))
    uow.outbox.add(announced, uow.now)
    save(uow, account, *([referrer] if referrer else []))
    return Enrolled(member=account.member, welcome_points=welcome, referral_points=referral)


def _referral_bonus(uow: UnitOfWork, earning: EarningPolicy, referrer: Account | None) -> int:
    """The bonus this referral pays, 0 once the code has brought in its cap of newcomers
    (counted under the referrer's lock, before this newcomer is added)."""
    if referrer is None or not earning.referral_bonus:
        return 0
    cap = earning.referral_max_per_code
    if cap is not None and uow.members.referred_count(referrer.id) >= cap:
        return 0
    return earning.referral_bonus
