"""Every move of a member's points: credit a new lot, debit lots, restore points to the
lots they were taken from, record a debt and settle it.

Every change to a balance goes through these functions, which keep the three views of a
balance equal: the cached `members.balance`, the sum of ledger entries and the sum of
open lots (and the cached `members.debt` with what refunds could not take back).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from patron.domain.errors import NoProgram, NotFound
from patron.domain.lots import Allocation, add_months, allocate_take_back, is_live
from patron.domain.member import Member
from patron.domain.program import Program
from patron.domain.records import EntryKind
from patron.services.commands import MemberRef
from patron.store.uow import UnitOfWork


def current_program(uow: UnitOfWork) -> tuple[int, Program]:
    found = uow.programs.current()
    if found is None:
        raise NoProgram()
    return found


def locked_member(uow: UnitOfWork, ref: MemberRef | int) -> Member:
    """Load a member and lock their row: every write on a balance is serialized per member."""
    if isinstance(ref, int):
        ref = MemberRef(id=ref)
    if ref.id is not None:
        member = uow.members.get(ref.id, lock=True)
        label = f"id {ref.id}"
    elif ref.external_id is not None:
        member = uow.members.by_external_id(ref.external_id, lock=True)
        label = f"external_id {ref.external_id!r}"
    else:
        raise NotFound("name the member by id or external_id")
    if member is None:
        raise NotFound(f"no member with {label}")
    return member


def credit(
    uow: UnitOfWork,
    member_id: int,
    kind: EntryKind,
    points: int,
    at: datetime,
    program: Program,
    *,
    pending_days: int = 0,
    **refs: Any,
) -> tuple[int, int]:
    """Add points as a new lot (entry id, lot id); the program decides when it expires."""
    entry_id = uow.ledger.add_entry(member_id, kind, points, at, **refs)
    expires = add_months(at, program.expiry.months) if program.expiry.months else None
    lot_id = uow.ledger.open_lot(
        member_id, entry_id, points, at, at + timedelta(days=pending_days), expires
    )
    if uow.members.add_points(member_id, points) > 0:
        settle_debt(uow, member_id, max(at, uow.now), first=lot_id)
    return entry_id, lot_id


def debit(
    uow: UnitOfWork,
    member_id: int,
    kind: EntryKind,
    allocations: list[Allocation],
    at: datetime,
    **refs: Any,
) -> int:
    """Take already-allocated points out of their lots under one ledger entry."""
    points = sum(p for _, p in allocations)
    entry_id = uow.ledger.add_entry(member_id, kind, -points, at, **refs)
    uow.ledger.apply(member_id, entry_id, allocations)
    uow.members.add_points(member_id, -points)
    return entry_id


def restore(
    uow: UnitOfWork,
    member_id: int,
    kind: EntryKind,
    allocations: list[Allocation],
    at: datetime,
    **refs: Any,
) -> int:
    """Give points back to the very lots a debit took them from (a cancelled redemption):
    they keep their original expiry dates. Any debt the member owes is paid from them first.
    """
    # a debit of the same allocations with their signs turned: points into the lots
    entry_id = debit(uow, member_id, kind, [(lot_id, -p) for lot_id, p in allocations], at, **refs)
    settle_debt(uow, member_id, at)
    return entry_id


def record_debt(uow: UnitOfWork, member_id: int, points: int) -> None:
    """What a refund could not take back (the points were spent): owed, and paid from the
    next points the member earns (`settle_debt`)."""
    if points:
        uow.members.add_points(member_id, 0, points)


def settle_debt(uow: UnitOfWork, member_id: int, at: datetime, *, first: int | None = None) -> int:
    """Pay what a member owes (points spent before their purchase was returned) first.

    The debt is paid from the lot `first` (the points just credited), then from the lots
    live now, closest to expiry first; never from a lot that has expired by now, even one
    the expiry run has not burned yet, and even when the credit is dated in the past (a
    late upload): those points are gone, not owed. The entry is dated `at`.
    """
    member = uow.members.get(member_id)
    if member is None or member.debt == 0:
        return 0
    live = [lot for lot in uow.ledger.open_lots(member_id) if is_live(lot, uow.now)]
    own = {first} if first is not None else set()
    allocations, _ = allocate_take_back(live, member.debt, own, uow.now)
    settled = sum(p for _, p in allocations)
    if settled:
        debit(uow, member_id, EntryKind.DEBT_SETTLEMENT, allocations, at)
        uow.members.add_points(member_id, 0, -settled)
    return settled
