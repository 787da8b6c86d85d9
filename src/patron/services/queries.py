"""Read-side queries: what a member, a till or a dashboard asks to see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from patron.domain.directory import MemberPage, MemberSearch
from patron.domain.ledger import LedgerEntry
from patron.domain.lots import expiring_soon, pending_points, spendable_points
from patron.domain.redemption import CatalogReward
from patron.domain.tiers import progress
from patron.services.members import find_member
from patron.services.program import current_program
from patron.services.tiers import qualifying_value
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class BalanceView:
    member_id: int
    points: int
    pending: int
    total: int
    debt: int
    tier: str
    next_tier: str | None
    needed_for_next_tier: Decimal
    qualifying: Decimal
    expiring: list[tuple[date, int]]
    point_value: Decimal
    currency: str


def balance(uow: UnitOfWork, member_id: int) -> BalanceView:
    _, program = current_program(uow)
    member = find_member(uow, member_id)
    lots = uow.ledger.open_lots(member.id)
    qualifying = qualifying_value(uow, member.id, program, uow.now)
    step = progress(program.tiers, member.tier, qualifying)
    horizon = max(program.expiry.warn_days, 90)
    return BalanceView(
        member_id=member.id,
        points=spendable_points(lots, uow.now),
        pending=pending_points(lots, uow.now),
        total=member.balance,
        debt=member.debt,
        tier=member.tier,
        next_tier=step.next_tier,
        needed_for_next_tier=step.needed,
        qualifying=qualifying,
        expiring=expiring_soon(lots, uow.now, horizon),
        point_value=program.redemption.point_value,
        currency=program.currency,
    )


def ledger_entries(
    uow: UnitOfWork, member_id: int, limit: int, before_id: int | None
) -> list[LedgerEntry]:
    """The member's ledger, newest first, `limit` entries older than entry `before_id`."""
    return uow.ledger.entries(member_id, limit, before_id)


def active_rewards(uow: UnitOfWork) -> list[CatalogReward]:
    """The rewards a member can redeem now, cheapest first."""
    return uow.rewards.active()


def member_count(uow: UnitOfWork) -> int:
    return uow.members.count()


def find_members(uow: UnitOfWork, search: MemberSearch) -> MemberPage:
    """A page of the members a console search matches (domain/directory.py)."""
    return uow.directory.search(search.checked())


def figures_version(uow: UnitOfWork) -> tuple[int, ...]:
    """What the console's held figures are held for (analytics/held.py): it changes with
    every purchase, refund, points entry, enrolment and tier change."""
    return uow.figures.version()


def data_version(uow: UnitOfWork) -> tuple[int, int]:
    """What the fitted customer bases are held for: a new purchase or refund changes it."""
    return uow.purchases.latest_ids()
