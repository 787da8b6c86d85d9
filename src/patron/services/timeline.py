"""A member's file for the console's customer page: who they are, their balance and
tier progress, their open lots with expiry dates, and a page of their timeline
(domain/timeline.py), read in one unit of work so that the figures agree with each other
(and so that the page's numbers come from one call, which can be held whole)."""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.errors import InvalidInput
from patron.domain.lots import Lot
from patron.domain.member import Member
from patron.domain.timeline import TimelinePage
from patron.services.members import find_member
from patron.services.queries import BalanceView, balance
from patron.store.uow import UnitOfWork

MAX_ITEMS = 200


@dataclass(frozen=True)
class CustomerFile:
    member: Member
    balance: BalanceView
    lots: list[Lot]  # open lots (points left in them), oldest first
    timeline: TimelinePage


def member_timeline(uow: UnitOfWork, member_id: int, offset: int, limit: int) -> TimelinePage:
    """`limit` items of the member's history from the `offset`-th, newest first."""
    if not 1 <= limit <= MAX_ITEMS:
        raise InvalidInput(f"limit: give 1 to {MAX_ITEMS} items per page, not {limit}")
    if offset < 0:
        raise InvalidInput(f"offset: 0 or more, not {offset}")
    member = find_member(uow, member_id)
    return uow.timeline.page(member.id, offset, limit)


def customer_file(uow: UnitOfWork, member_id: int, offset: int, limit: int) -> CustomerFile:
    """The member, their balance, open lots and a page of their timeline."""
    member = find_member(uow, member_id)
    return CustomerFile(
        member=member,
        balance=balance(uow, member.id),
        lots=uow.ledger.open_lots(member.id),
        timeline=member_timeline(uow, member.id, offset, limit),
    )
