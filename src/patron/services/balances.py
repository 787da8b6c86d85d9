"""Every change of a member's balance: credit a new lot, debit lots, restore points to
the lots they were taken from, record a debt and settle it.

Design overview. A balance is kept three ways: the cached `members.balance`, the sum of
ledger entries and the sum of open lots (and the cached `members.debt` beside what
refunds could not take back). Every change goes through these functions, which write
the entry and the lots at once and move the cached balance and debt of an `Account`:
the member's row as the use case holds it, locked. A use case changes its account as
often as it needs (an earn credits, settles a debt, counts the purchase and may change
the tier) and writes the row once, with `save`, at its end; no one else can change the
row meanwhile, since every write on a member takes its lock first (`locked_account`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from patron.domain.ledger import NO_REFS, EntryRefs
from patron.domain.lots import (
    Allocation,
    Burning,
    add_months,
    allocate_take_back,
    burning_expiry,
    is_live,
)
from patron.domain.member import Member
from patron.domain.program import Program
from patron.domain.records import EntryKind
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.store.uow import UnitOfWork


class Account:
    """A member whose row this use case holds, with the changes made to it so far."""

    def __init__(self, member: Member) -> None:
        self.member = member
        self._saved = member

    @property
    def id(self) -> int:
        return self.member.id

    def move(self, points: int, debt: int = 0) -> None:
        """Move the cached balance and debt (only the functions below call it)."""
        m = self.member
        self.member = replace(m, balance=m.balance + points, debt=m.debt + debt)

    def count_purchase(self, total: Decimal) -> None:
        m = self.member
        self.member = replace(
            m, purchase_count=m.purchase_count + 1, lifetime_spend=m.lifetime_spend + total
        )

    def count_return(self, amount: Decimal) -> None:
        self.member = replace(self.member, lifetime_spend=self.member.lifetime_spend - amount)

    def change_tier(self, tier: str, since: datetime) -> None:
        self.member = replace(self.member, tier=tier, tier_since=since)

    @property
    def changed(self) -> bool:
        return self.member != self._saved

    def saved(self) -> None:
        self._saved = self.member


def locked_account(uow: UnitOfWork, ref: MemberRef | int) -> Account:
    """The member `ref` names, their row locked until the unit of work ends: every write on
    a balance is serialized per member."""
    return Account(find_member(uow, ref, lock=True))


def save(uow: UnitOfWork, *accounts: Account) -> None:
    """Write each changed account's row, once."""
    for account in accounts:
        if account.changed:
            uow.members.save(account.member)
            account.saved()


def credit(
    uow: UnitOfWork,
    account: Account,
    kind: EntryKind,
    points: int,
    at: datetime,
    program: Program,
    *,
    pending_days: int = 0,
    refs: EntryRefs = NO_REFS,
    burning: Sequence[Burning] = (),
) -> tuple[int, int]:
    """Add points as a new lot (entry id, lot id); the program decides when it expires.

    The `burning` parts of the points (bonuses with their own short expiry) are lots of
    their own under the same entry, each expiring on its own date (domain/lots.py); the
    lot id returned is then the first lot opened."""
    expires = add_months(at, program.expiry.months) if program.expiry.months else None
    available = at + timedelta(days=pending_days)
    if not burning:
        entry_id, lot_id = uow.ledger.credit(account.id, kind, points, at, refs, available, expires)
    else:
        entry_id = uow.ledger.add_entry(account.id, kind, points, at, refs)
        rest = points - sum(part.points for part in burning)
        parts = [(rest, expires)] if rest > 0 else []
        parts += [(b.points, burning_expiry(available, b.days, expires)) for b in burning]
        lot_ids = [
            uow.ledger.open_lot(account.id, entry_id, pts, at, available, until)
            for pts, until in parts
        ]
        lot_id = lot_ids[0]
    account.move(points)
    if account.member.debt > 0:
        settle_debt(uow, account, max(at, uow.now), first=lot_id)
    return entry_id, lot_id


def debit(
    uow: UnitOfWork,
    account: Account,
    kind: EntryKind,
    allocations: list[Allocation],
    at: datetime,
    refs: EntryRefs = NO_REFS,
) -> int:
    """Take already-allocated points out of their lots under one ledger entry."""
    points = sum(p for _, p in allocations)
    entry_id = uow.ledger.add_entry(account.id, kind, -points, at, refs)
    uow.ledger.apply(account.id, entry_id, allocations)
    account.move(-points)
    return entry_id


def restore(
    uow: UnitOfWork,
    account: Account,
    kind: EntryKind,
    allocations: list[Allocation],
    at: datetime,
    refs: EntryRefs = NO_REFS,
) -> int:
    """Give points back to the very lots a debit took them from (a cancelled redemption):
    they keep their original expiry dates. Any debt the member owes is paid from them first.
    """
    # a debit of the same allocations with their signs turned: points into the lots
    entry_id = debit(uow, account, kind, [(lot_id, -p) for lot_id, p in allocations], at, refs)
    settle_debt(uow, account, at)
    return entry_id


def record_debt(account: Account, points: int) -> None:
    """What a refund could not take back (the points were spent): owed, and paid from the
    next points the member earns (`settle_debt`)."""
    account.move(0, points)


def settle_debt(
    uow: UnitOfWork, account: Account, at: datetime, *, first: int | None = None
) -> int:
    """Pay what a member owes (points spent before their purchase was returned) first.

    The debt is paid from the lot `first` (the points just credited), then from the lots
    live now, closest to expiry first; never from a lot that has expired by now, even one
    the expiry run has not burned yet, and even when the credit is dated in the past (a
    late upload): those points are gone, not owed. The entry is dated `at`.
    """
    debt = account.member.debt
    if debt == 0:
        return 0
    live = [lot for lot in uow.ledger.open_lots(account.id) if is_live(lot, uow.now)]
    own = {first} if first is not None else set()
    allocations, _ = allocate_take_back(live, debt, own, uow.now)
    settled = sum(p for _, p in allocations)
    if settled:
        debit(uow, account, EntryKind.DEBT_SETTLEMENT, allocations, at)
        account.move(0, -settled)
    return settled
