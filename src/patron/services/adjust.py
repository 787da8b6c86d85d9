"""Manual adjustments: goodwill credits and corrections, always audited (who, when, why).

A credit may burn on its own (`valid_days`: "200 points, valid 14 days"): its lot expires
that many days after the grant, so it is spent before older points, is named in the
expiry warnings and burns in the expiry run on its date (domain/lots.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.domain import events
from patron.domain.audit import AuditAction
from patron.domain.errors import InsufficientPoints, InvalidInput
from patron.domain.ledger import EntryRefs
from patron.domain.limits import note_problem
from patron.domain.lots import (
    MAX_VALID_DAYS,
    Burning,
    add_months,
    allocate_take_back,
    burning_expiry,
    is_live,
)
from patron.domain.records import EntryKind
from patron.services.balances import credit, debit, locked_account, save
from patron.services.commands import Adjust
from patron.services.program import current_program
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Adjusted:
    member_id: int
    points: int
    balance: int
    entry_id: int
    expires_at: datetime | None = None  # a burning credit's expiry; None: as any point


def adjust(uow: UnitOfWork, cmd: Adjust) -> Adjusted:
    if cmd.points == 0:
        raise InvalidInput("points: an adjustment of 0 points changes nothing")
    if not cmd.reason.strip():
        raise InvalidInput("reason: say why the balance is adjusted (it is audited)")
    problem = note_problem(cmd.reason)
    if problem is not None:
        raise InvalidInput(f"reason: {problem}")
    burning = _burning(cmd)
    _, program = current_program(uow)
    account = locked_account(uow, cmd.member_id)
    member = account.member
    if cmd.points > 0:
        entry_id, _ = credit(
            uow,
            account,
            EntryKind.ADJUST,
            cmd.points,
            uow.now,
            program,
            refs=EntryRefs(actor=cmd.actor, reason=cmd.reason),
            burning=burning,
        )
    else:
        lots = uow.ledger.open_lots(member.id)
        live = sum(lot.remaining for lot in lots if is_live(lot, uow.now))
        if -cmd.points > live:
            raise InsufficientPoints(-cmd.points, live)
        allocations, _ = allocate_take_back(lots, -cmd.points, set(), uow.now)
        entry_id = debit(
            uow,
            account,
            EntryKind.ADJUST,
            allocations,
            uow.now,
            refs=EntryRefs(actor=cmd.actor, reason=cmd.reason),
        )
    uow.audit.record(
        uow.now,
        cmd.actor,
        AuditAction.POINTS_ADJUSTED,
        member.id,
        cmd.reason,
        {"points": cmd.points, "entry_id": entry_id}
        | ({"valid_days": cmd.valid_days} if cmd.valid_days is not None else {}),
    )
    uow.outbox.add(
        [events.adjusted(member.id, uow.now, cmd.points, cmd.actor, cmd.reason)], uow.now
    )
    save(uow, account)
    expires_at = None
    if burning:
        program_expiry = (
            add_months(uow.now, program.expiry.months) if program.expiry.months else None
        )
        expires_at = burning_expiry(uow.now, burning[0].days, program_expiry)
    return Adjusted(member.id, cmd.points, account.member.balance, entry_id, expires_at)


def _burning(cmd: Adjust) -> tuple[Burning, ...]:
    """The credit as one burning lot when it has `valid_days`; refused on a debit."""
    if cmd.valid_days is None:
        return ()
    if cmd.points < 0:
        raise InvalidInput("valid_days: only a credit (positive points) can burn on its own")
    if not 1 <= cmd.valid_days <= MAX_VALID_DAYS:
        raise InvalidInput(f"valid_days: from 1 to {MAX_VALID_DAYS} days, not {cmd.valid_days}")
    return (Burning(cmd.points, cmd.valid_days),)
