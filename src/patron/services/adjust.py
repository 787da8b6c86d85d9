"""Manual adjustments: goodwill credits and corrections, always audited (who, when, why)."""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain import events
from patron.domain.audit import AuditAction
from patron.domain.errors import InsufficientPoints, InvalidInput
from patron.domain.ledger import EntryRefs
from patron.domain.limits import note_problem
from patron.domain.lots import allocate_take_back, is_live
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


def adjust(uow: UnitOfWork, cmd: Adjust) -> Adjusted:
    if cmd.points == 0:
        raise InvalidInput("points: an adjustment of 0 points changes nothing")
    if not cmd.reason.strip():
        raise InvalidInput("reason: say why the balance is adjusted (it is audited)")
    problem = note_problem(cmd.reason)
    if problem is not None:
        raise InvalidInput(f"reason: {problem}")
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
        {"points": cmd.points, "entry_id": entry_id},
    )
    uow.outbox.add(
        [events.adjusted(member.id, uow.now, cmd.points, cmd.actor, cmd.reason)], uow.now
    )
    save(uow, account)
    return Adjusted(member.id, cmd.points, account.member.balance, entry_id)
