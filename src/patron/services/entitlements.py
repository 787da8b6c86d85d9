"""The entitlements of a business's tier (a visit, a hotline, payment terms), their use
in the current calendar period, and recording one more use.

Design overview. A use is counted against its tier's quantity in the current period
(domain/business.py) with the business's member row locked (`find_member(lock=True)`),
so of two staff recording the last visit at once, one waits for the other and is then
refused with `entitlement_exhausted`: concurrent uses never exceed the quantity. Each
use is audited with its actor and note.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.audit import AuditAction
from patron.domain.business import (
    EntitlementLeft,
    EntitlementUse,
    entitlement_of,
    left_of,
    period_bounds,
)
from patron.domain.errors import (
    EntitlementExhausted,
    InvalidInput,
    MemberErased,
    NoProgram,
    NotFound,
)
from patron.domain.limits import NOTE_LENGTH
from patron.domain.member import Member
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class UseEntitlement:
    member: MemberRef
    entitlement: str
    actor: str
    note: str | None = None


@dataclass(frozen=True)
class Used:
    use: EntitlementUse
    entitlement: EntitlementLeft  # after this use


def entitlements(uow: UnitOfWork, member: Member) -> list[EntitlementLeft]:
    """The entitlements of the business's tier with their use in the current period (none
    before a program is loaded)."""
    try:
        tier = current_program(uow)[1].tiers.by_name(member.tier)
    except NoProgram:
        return []
    found: list[EntitlementLeft] = []
    for ent in tier.entitlements:
        start, end = period_bounds(ent.per, uow.now)
        used = uow.businesses.count_uses(member.id, ent.id, start, end)
        found.append(left_of(ent, used, uow.now))
    return found


def use_entitlement(uow: UnitOfWork, cmd: UseEntitlement) -> Used:
    """Record one use of an entitlement (a visit made, a hotline call); refused with
    `entitlement_exhausted` when none is left in the current period."""
    note = cmd.note.strip() if cmd.note else None
    if note is not None and len(note) > NOTE_LENGTH:
        raise InvalidInput(f"note: at most {NOTE_LENGTH} characters, not {len(note)}")
    member = find_member(uow, cmd.member, lock=True)  # serialises the uses of a business
    if uow.businesses.get(member.id) is None:
        raise NotFound(f"member {member.id} is not a business: make it one first")
    if member.erased_at is not None:
        raise MemberErased(f"member {member.id} was erased: no entitlement can be used")
    tier = current_program(uow)[1].tiers.by_name(member.tier)
    ent = entitlement_of(tier, cmd.entitlement)
    start, end = period_bounds(ent.per, uow.now)
    used = uow.businesses.count_uses(member.id, ent.id, start, end)
    if ent.quantity is not None and used >= ent.quantity:
        raise EntitlementExhausted(
            f"{ent.id}: all {ent.quantity} uses of this {ent.per.value} are spent; the next"
            f" period starts on {end:%Y-%m-%d}",
            quantity=ent.quantity,
            used=used,
            next_period=f"{end:%Y-%m-%d}",
        )
    use = uow.businesses.add_use(member.id, ent.id, uow.now, cmd.actor, note)
    details = {"entitlement": ent.id, "use_id": use.id}
    uow.audit.record(uow.now, cmd.actor, AuditAction.ENTITLEMENT_USED, member.id, note, details)
    return Used(use, left_of(ent, used + 1, uow.now))
