"""Erasing a member's personal data (GDPR Article 17) while the books stay whole; the
export of what is held about them is services/export.py.

Erasure pseudonymises the member (a random external id, a new referral code, no e-mail,
no name), blanks the free text copied about them (store/privacy.py), and is audited. It
leaves every amount and count, so `verify` stays clean, and cannot be undone: the old
values are kept nowhere, and migration 0007 refuses any later change to the identity.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from patron.domain.audit import AuditAction
from patron.domain.errors import InvalidInput, MemberErased
from patron.services.commands import EraseMember
from patron.services.enroll import new_referral_code
from patron.services.members import find_member
from patron.store.uow import UnitOfWork

PSEUDONYM_PREFIX = "erased-"


@dataclass(frozen=True)
class Erased:
    member_id: int
    external_id: str  # the pseudonym
    erased_at: datetime
    balance: int  # points left on the books, until they expire or are written off


def new_pseudonym() -> str:
    """128 random bits: unguessable, so the erased record cannot be found by a guess, and
    unrelated to anything the person was known by."""
    return PSEUDONYM_PREFIX + secrets.token_hex(16)


def erase_member(uow: UnitOfWork, cmd: EraseMember) -> Erased:
    reason = cmd.reason.strip()
    if not reason:
        raise InvalidInput("reason: say why the member's data is erased (it is audited)")
    member = find_member(uow, cmd.member, lock=True)
    if member.erased_at is not None:
        raise MemberErased(
            f"member {member.id} was already erased on {member.erased_at:%Y-%m-%d};"
            " an erasure is final and is not repeated"
        )
    pseudonym = new_pseudonym()
    scrubbed = uow.personal.erase(
        member.id,
        member.external_id,
        member.referred_by,
        pseudonym,
        new_referral_code(),
        uow.now,
    )
    uow.birthdays.forget(member.id)  # personal data: no birthday bonus after an erasure
    uow.audit.record(
        uow.now, cmd.actor, AuditAction.MEMBER_ERASED, member.id, reason, asdict(scrubbed)
    )
    return Erased(member.id, pseudonym, uow.now, member.balance)
