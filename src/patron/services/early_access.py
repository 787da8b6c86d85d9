"""Early access: the shop asks whether a member may buy an offer now (domain/early_access.py
decides; the offers are the program's `[[early_access]]`)."""

from __future__ import annotations

from patron.domain.early_access import Decision, decide
from patron.domain.errors import NotFound
from patron.services.clubs import member_club_ids
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


def check_early_access(uow: UnitOfWork, member_id: int | MemberRef, offer_id: str) -> Decision:
    """Whether the member may buy `offer_id` now, with the reason and the window."""
    _, program = current_program(uow)
    offer = program.offer(offer_id)
    if offer is None:
        known = ", ".join(o.id for o in program.early_access) or "none"
        raise NotFound(f"no early access offer {offer_id!r} in the program (known: {known})")
    member = find_member(uow, member_id)
    clubs = member_club_ids(uow, program, member.id)
    return decide(offer, member.id, member.tier, clubs, uow.now)
