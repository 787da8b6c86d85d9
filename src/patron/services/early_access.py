"""Early access: the shop asks whether a member may buy an offer now (domain/early_access.py
decides; the offers are the program's `[[early_access]]`)."""

from __future__ import annotations

from patron.domain.early_access import Decision, decide
from patron.domain.errors import NotFound
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


def member_clubs(uow: UnitOfWork, member_id: int) -> frozenset[str]:
    """SEAM for clubs (issue 15 §2): the names of the clubs the member belongs to.

    Clubs are not part of Patron yet, so no member is in any and an offer's `clubs` let
    nobody in early: only its `tiers` are evaluated. When clubs land, this reads the
    member's clubs from the store, and `domain/early_access.decide` already admits a
    member of a named club (reason `club`)."""
    return frozenset()


def check_early_access(uow: UnitOfWork, member_id: int | MemberRef, offer_id: str) -> Decision:
    """Whether the member may buy `offer_id` now, with the reason and the window."""
    _, program = current_program(uow)
    offer = program.offer(offer_id)
    if offer is None:
        known = ", ".join(o.id for o in program.early_access) or "none"
        raise NotFound(f"no early access offer {offer_id!r} in the program (known: {known})")
    member = find_member(uow, member_id)
    return decide(offer, member.id, member.tier, member_clubs(uow, member.id), uow.now)
